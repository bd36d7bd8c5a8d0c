package org.tdxsim.kvm.device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.tdxsim.kvm.UserMemory;
import org.tdxsim.kvm.uapi.Errno;

/**
 * The device backend's user address space: the process's own native memory.
 *
 * <p>Each {@link #openArena()} is a confined arena. Allocations that ask for page alignment
 * ({@code byteAlignment >= 4096}) — guest RAM behind {@code KVM_SET_USER_MEMORY_REGION2.userspace_addr}
 * and the source pages of {@code KVM_TDX_INIT_MEM_REGION}, both of which KVM requires page aligned
 * (uapi §2, {@code kvm_tdx_init_mem_region.source_addr}) — are served by an anonymous private
 * {@code mmap(2)} and unmapped with {@code munmap(2)} when the arena closes, as a VMM maps guest RAM.
 * That keeps large regions lazily backed ({@code MAP_NORESERVE}) and zero without a memset, and
 * never shares a page with malloc'd data. Everything else (ioctl argument structs, CPUID buffers)
 * comes from a plain {@link Arena#ofConfined()}.
 */
public final class DeviceMemory implements UserMemory {

    @Override
    public Arena openArena() {
        return new PageMappingArena(Arena.ofConfined());
    }

    /**
     * A confined arena that sends page-aligned requests to mmap(2). The mappings are attached to the
     * delegate's scope with a munmap cleanup, so closing the arena unmaps them, and using a segment
     * after close fails like any other arena segment.
     */
    private record PageMappingArena(Arena delegate) implements Arena {

        @Override
        @SuppressWarnings("restricted") // reinterpret: giving a raw mmap address a size and a lifetime
        public MemorySegment allocate(long byteSize, long byteAlignment) {
            if (byteAlignment < Libc.PAGE_SIZE || byteSize <= 0) {
                return delegate.allocate(byteSize, byteAlignment);
            }
            if (Long.bitCount(byteAlignment) != 1 || byteAlignment > Libc.PAGE_SIZE) {
                // mmap only guarantees page alignment; larger (huge-page) alignment is not needed by
                // any KVM TDX flow step and would need over-mapping, so leave it to the delegate.
                return delegate.allocate(byteSize, byteAlignment);
            }
            long length = (byteSize + Libc.PAGE_SIZE - 1) & -Libc.PAGE_SIZE;
            long address = Libc.mmapAnonymous(length);
            if (address < 0) {
                throw new OutOfMemoryError("mmap(" + length + " bytes) failed: "
                        + Errno.nameOf((int) -address));
            }
            // reinterpret: a raw mmap address gets the arena's lifetime and a munmap on close.
            return MemorySegment.ofAddress(address)
                    .reinterpret(byteSize, delegate, unused -> Libc.munmap(address, length));
        }

        @Override
        public MemorySegment.Scope scope() {
            return delegate.scope();
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
