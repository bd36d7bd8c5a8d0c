package org.tdxsim.kvm.device;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import org.tdxsim.kvm.uapi.KvmConstants;

/**
 * The five libc system-call wrappers the device backend needs — open(2), close(2), ioctl(2), mmap(2),
 * munmap(2) — as {@code java.lang.foreign} downcalls. No JNI, no native code of our own.
 *
 * <p>Every call follows one discipline (field-notes §4c, JavaDoesUSB {@code IO.java}):
 * <ul>
 *   <li>errno is captured by the linker ({@code Linker.Option.captureCallState("errno")}) into a
 *       segment allocated for that call, never read by a second native call (which could clobber it);
 *   <li>each call opens one confined arena for its scratch memory (capture state, C strings) and
 *       closes it before returning;
 *   <li>the variadic functions ({@code ioctl}, {@code open}) are declared variadic with
 *       {@code Linker.Option.firstVariadicArg(2)}, so the linker follows the variadic calling
 *       convention (on x86-64 SysV it sets {@code %al}); ioctl's third argument is passed as a
 *       {@code long}, i.e. the {@code unsigned long} the kernel's {@code ioctl} handlers receive.
 * </ul>
 *
 * <p>All methods return the raw syscall convention used by {@code KvmBackend}: a non-negative result
 * or {@code -errno}. Nothing here throws for a kernel-level failure.
 */
final class Libc {

    /** {@code O_RDWR}, Linux {@code <asm-generic/fcntl.h>} (spec silent; standard Linux ABI value). */
    static final int O_RDWR = 0x2;
    /** {@code O_CLOEXEC} = 02000000 octal, Linux x86-64 {@code <asm-generic/fcntl.h>}. */
    static final int O_CLOEXEC = 0x80000;

    /** mmap(2) protection and flag bits, Linux x86-64 {@code <asm-generic/mman-common.h>}. */
    static final int PROT_READ = 0x1;
    static final int PROT_WRITE = 0x2;
    static final int MAP_PRIVATE = 0x02;
    static final int MAP_ANONYMOUS = 0x20;
    /** Do not reserve swap: guest RAM is committed page by page as it is touched, as in a VMM. */
    static final int MAP_NORESERVE = 0x4000;

    /** The x86-64 base page size ({@link KvmConstants#PAGE_SIZE}); mmap returns page-aligned memory. */
    static final long PAGE_SIZE = KvmConstants.PAGE_SIZE;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final AddressLayout C_POINTER = ValueLayout.ADDRESS;

    /** {@code int open(const char *path, int flags, ...)}; the mode is passed as the variadic int. */
    private static final MethodHandle OPEN = downcall("open",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, C_POINTER, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));

    /** {@code int close(int fd)}. */
    private static final MethodHandle CLOSE = downcall("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), CAPTURE_ERRNO);

    /** {@code int ioctl(int fd, unsigned long request, ...)}; the one variadic argument is a long. */
    private static final MethodHandle IOCTL = downcall("ioctl",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));

    /** {@code void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)}. */
    private static final MethodHandle MMAP = downcall("mmap",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
            CAPTURE_ERRNO);

    /** {@code int munmap(void *addr, size_t length)}. */
    private static final MethodHandle MUNMAP = downcall("munmap",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
            CAPTURE_ERRNO);

    private Libc() {}

    /** Restricted (native access): the JVM must run with {@code --enable-native-access=ALL-UNNAMED}. */
    @SuppressWarnings("restricted")
    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        return LINKER.downcallHandle(LIBC.findOrThrow(name), descriptor, options);
    }

    /** open(2): a new fd, or {@code -errno}. */
    static int open(String path, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment cPath = arena.allocateFrom(path);
            int rc = (int) OPEN.invokeExact(state, cPath, flags, 0);
            return rc >= 0 ? rc : -errno(state);
        } catch (Throwable t) {
            throw linkageFailure("open", t);
        }
    }

    /** close(2): 0, or {@code -errno}. Never retried: Linux releases the fd even on EINTR. */
    static int close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) CLOSE.invokeExact(state, fd);
            return rc == 0 ? 0 : -errno(state);
        } catch (Throwable t) {
            throw linkageFailure("close", t);
        }
    }

    /**
     * ioctl(2): the handler's non-negative result, or {@code -errno}. Not retried on EINTR: which
     * ioctls a caller may repeat (e.g. KVM_TDX_INIT_MEM_REGION, uapi §7.1) is the caller's decision.
     */
    static long ioctl(int fd, long request, long arg) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) IOCTL.invokeExact(state, fd, request, arg);
            return rc >= 0 ? rc : -errno(state);
        } catch (Throwable t) {
            throw linkageFailure("ioctl", t);
        }
    }

    /** Anonymous private read/write mapping of {@code length} bytes: its address, or {@code -errno}. */
    static long mmapAnonymous(long length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long address = (long) MMAP.invokeExact(state, 0L, length, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
            // MAP_FAILED is (void *) -1; user-space addresses on x86-64 are positive.
            return address != -1L ? address : -errno(state);
        } catch (Throwable t) {
            throw linkageFailure("mmap", t);
        }
    }

    /** munmap(2): 0, or {@code -errno}. */
    static int munmap(long address, long length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) MUNMAP.invokeExact(state, address, length);
            return rc == 0 ? 0 : -errno(state);
        } catch (Throwable t) {
            throw linkageFailure("munmap", t);
        }
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /**
     * invokeExact only throws if the handle's type does not match the call site or the JVM refuses
     * native access — a build/deployment defect, not a kernel error, so it is not turned into an errno.
     */
    private static IllegalStateException linkageFailure(String function, Throwable t) {
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("native call " + function + " failed: " + t, t);
    }
}
