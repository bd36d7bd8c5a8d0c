package org.tdxsim.kvm.sim;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.tdxsim.kvm.UserMemory;

/**
 * The simulated process's user address space. Arenas hand out real native memory (so addresses are
 * genuine and the typed client's bytes are the bytes), and every live allocation is recorded. The
 * simulated kernel's {@link #copyFromUser}/{@link #copyToUser} only touch ranges that are fully
 * covered by live allocations; anything else is {@code -EFAULT}, as {@code copy_from_user} gives for
 * an unmapped address — without ever dereferencing it.
 *
 * <p>Like {@code mprotect(PROT_READ)}, {@link #protectReadOnly} makes a range readable but not
 * writable: {@code copy_from_user} still succeeds there, {@code copy_to_user} faults (-EFAULT, nothing
 * written). Protection is per byte range rather than per page, because arena allocations here are not
 * page-backed; a test that wants real page semantics allocates page-aligned, page-sized blocks.
 */
public final class SimUserMemory implements UserMemory {

    /** Start address → end address (exclusive) of every live allocation. */
    private final TreeMap<Long, Long> live = new TreeMap<>();
    /** Start → end (exclusive) of ranges made read-only; dropped when their allocation is unmapped. */
    private final TreeMap<Long, Long> readOnly = new TreeMap<>();

    @Override
    public Arena openArena() {
        return new TrackingArena(Arena.ofConfined());
    }

    /** True if {@code [address, address + length)} lies entirely in live allocations. */
    public synchronized boolean isMapped(long address, long length) {
        if (length == 0) {
            return true;
        }
        long end = address + length;
        if (length < 0 || address < 0 || end < address) {
            return false;
        }
        long cursor = address;
        while (cursor < end) {
            Map.Entry<Long, Long> e = live.floorEntry(cursor);
            if (e == null || e.getValue() <= cursor) {
                return false;
            }
            cursor = e.getValue();
        }
        return true;
    }

    /**
     * {@code copy_from_user}: the {@code length} bytes at user {@code address}, copied into kernel
     * (heap) memory, or empty for a fault.
     */
    public Optional<MemorySegment> copyFromUser(long address, long length) {
        if (length < 0 || !isMapped(address, length)) {
            return Optional.empty();
        }
        MemorySegment k = MemorySegment.ofArray(new long[(int) ((length + 7) / 8)]).asSlice(0, length);
        if (length > 0) {
            MemorySegment.copy(MemorySegment.ofAddress(address).reinterpret(length), 0, k, 0, length);
        }
        return Optional.of(k);
    }

    /**
     * {@code copy_to_user}: writes {@code bytes} at user {@code address}; false for a fault (nothing
     * written) — an unmapped byte, or a byte in a {@linkplain #protectReadOnly read-only} range.
     */
    public boolean copyToUser(long address, MemorySegment bytes) {
        long length = bytes.byteSize();
        if (!isWritable(address, length)) {
            return false;
        }
        if (length > 0) {
            MemorySegment.copy(bytes, 0, MemorySegment.ofAddress(address).reinterpret(length), 0, length);
        }
        return true;
    }

    /** True if {@code [address, address + length)} is mapped and no byte of it is read-only. */
    public synchronized boolean isWritable(long address, long length) {
        if (!isMapped(address, length)) {
            return false;
        }
        if (length == 0) {
            return true;
        }
        long end = address + length;
        Map.Entry<Long, Long> before = readOnly.floorEntry(address);
        if (before != null && before.getValue() > address) {
            return false;
        }
        Long next = readOnly.ceilingKey(address);
        return next == null || next >= end;
    }

    /**
     * {@code mprotect(address, length, PROT_READ)}: the range stays readable, writes by the kernel
     * fault. The range must lie in one live allocation; the protection ends when that allocation is
     * unmapped (its arena closed).
     *
     * @throws IllegalArgumentException if the range is not inside one live allocation (as mprotect
     *     gives ENOMEM for unmapped memory)
     */
    public synchronized void protectReadOnly(long address, long length) {
        Map.Entry<Long, Long> a = live.floorEntry(address);
        if (length <= 0 || a == null || address + length > a.getValue() || address + length < address) {
            throw new IllegalArgumentException(String.format("[0x%x, +%d) is not inside one live allocation", address,
                    length));
        }
        readOnly.put(address, address + length);
    }

    /** {@link #protectReadOnly} of a whole segment allocated from one of this memory's arenas. */
    public void protectReadOnly(MemorySegment segment) {
        protectReadOnly(segment.address(), segment.byteSize());
    }

    /** A zeroed kernel-heap buffer, 8-byte aligned like kmalloc memory. */
    static MemorySegment kernelBuffer(long size) {
        return MemorySegment.ofArray(new long[(int) ((size + 7) / 8)]).asSlice(0, size);
    }

    /** Number of live allocations (for tests: arenas release what they mapped). */
    public synchronized int liveAllocations() {
        return live.size();
    }

    private synchronized void map(long start, long size) {
        if (size > 0) {
            live.put(start, start + size);
        }
    }

    private synchronized void unmap(long start) {
        Long end = live.remove(start);
        if (end != null) {
            readOnly.subMap(start, end).clear();
        }
    }

    /** A confined arena whose allocations are registered while it is open. */
    private final class TrackingArena implements Arena {
        private final Arena inner;
        private final java.util.List<Long> starts = new java.util.ArrayList<>();

        TrackingArena(Arena inner) {
            this.inner = inner;
        }

        @Override
        public MemorySegment allocate(long byteSize, long byteAlignment) {
            MemorySegment s = inner.allocate(byteSize, byteAlignment);
            if (byteSize > 0) {
                map(s.address(), byteSize);
                starts.add(s.address());
            }
            return s;
        }

        @Override
        public MemorySegment.Scope scope() {
            return inner.scope();
        }

        @Override
        public void close() {
            for (long s : starts) {
                unmap(s);
            }
            starts.clear();
            inner.close();
        }
    }
}
