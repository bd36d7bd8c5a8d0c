package org.tdxsim.kvm.uapi;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * A C struct ending in a flexible array member, in the spirit of rust-vmm's {@code FamStructWrapper}:
 * the fixed header, the {@code __u32} count field ({@code nent}) inside it, the element layout, and
 * KVM's maximum. Two numbers matter and are kept apart: the <em>capacity</em> (how many elements the
 * allocated buffer holds) and the <em>count</em> (the header's {@code nent}, which on input tells
 * the kernel the capacity and on output how many entries it wrote or needs).
 *
 * @param name the C struct name
 * @param header the fixed part; the array starts at {@code header.byteSize()}
 * @param countOffset byte offset of the {@code __u32 nent} field within the header
 * @param element layout of one array element
 * @param maxLen the largest count KVM accepts ({@link KvmConstants#KVM_MAX_CPUID_ENTRIES})
 */
public record FamLayout(String name, StructLayout header, long countOffset, StructLayout element, int maxLen) {

    /** Offset of element 0 (the header's size, as {@code offsetof(struct, entries)} in C). */
    public long entriesOffset() {
        return header.byteSize();
    }

    /** {@code struct_size(s, entries, n)}: header plus {@code n} elements. */
    public long byteSize(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("negative element count " + n);
        }
        return header.byteSize() + element.byteSize() * n;
    }

    /** How many whole elements a buffer of this segment's size holds. */
    public int capacity(MemorySegment s) {
        long room = s.byteSize() - header.byteSize();
        return room <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, room / element.byteSize());
    }

    /**
     * Allocates a zeroed buffer for {@code capacity} elements and sets the count to the capacity (the
     * input convention of KVM_GET_SUPPORTED_CPUID, KVM_TDX_CAPABILITIES and KVM_TDX_GET_CPUID).
     * Capacities above {@link #maxLen} are allowed so callers can provoke the kernel's -E2BIG.
     */
    public MemorySegment allocate(SegmentAllocator allocator, int capacity) {
        MemorySegment s = allocator.allocate(byteSize(capacity), Math.max(8, header.byteAlignment()));
        s.fill((byte) 0);
        setCount(s, capacity);
        return s;
    }

    /** The header's count as the C {@code __u32} (read unsigned by callers that compare it). */
    public int count(MemorySegment s) {
        return s.get(JAVA_INT, countOffset);
    }

    /** Writes the header's count. */
    public void setCount(MemorySegment s, int n) {
        s.set(JAVA_INT, countOffset, n);
    }

    /** Element {@code i} as a slice; {@code i} must be below {@link #capacity}. */
    public MemorySegment element(MemorySegment s, int i) {
        if (i < 0 || i >= capacity(s)) {
            throw new IndexOutOfBoundsException("element " + i + " of " + name + " with capacity " + capacity(s));
        }
        return s.asSlice(entriesOffset() + element.byteSize() * i, element.byteSize());
    }
}
