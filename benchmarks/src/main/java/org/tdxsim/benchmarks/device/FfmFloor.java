package org.tdxsim.benchmarks.device;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The cheapest {@code ioctl} downcall java.lang.foreign allows, for comparison only: the same
 * variadic {@code ioctl} with errno captured by the linker as {@code org.tdxsim.kvm.device.Libc}
 * declares it, but with one call-state segment allocated once and reused, instead of a confined
 * arena (a native {@code malloc}/{@code free}) per call. The gap between this and
 * {@code DeviceBackend.ioctl} is what the per-call arena costs; the gap between this and C is what
 * FFM itself costs. Not used by tdxsim; confined to one thread.
 */
public final class FfmFloor implements AutoCloseable {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle IOCTL = ioctlHandle();

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment state = arena.allocate(CALL_STATE);

    @SuppressWarnings("restricted")
    private static MethodHandle ioctlHandle() {
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("ioctl"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG),
                Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(2));
    }

    /** ioctl(2): the result, or {@code -errno}. */
    public long ioctl(int fd, long request, long arg) {
        try {
            int rc = (int) IOCTL.invokeExact(state, fd, request, arg);
            return rc >= 0 ? rc : -(int) ERRNO.get(state, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("ioctl downcall failed", t);
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
