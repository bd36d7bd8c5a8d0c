package org.tdxsim.kvm.uapi;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import com.google.common.primitives.ImmutableLongArray;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * {@code struct kvm_userspace_memory_region2} — 160 bytes: slot u32@0, flags u32@4,
 * guest_phys_addr@8, memory_size@16, userspace_addr@24, guest_memfd_offset@32, guest_memfd u32@40,
 * pad1 u32@44, pad2[14]@48 (kvm-tdx-uapi.md §2 "Supporting structs").
 */
public record KvmUserspaceMemoryRegion2(int slot, int flags, long guestPhysAddr, long memorySize,
                                        long userspaceAddr, long guestMemfdOffset, int guestMemfd, int pad1,
                                        ImmutableLongArray pad2) {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("slot"),
            JAVA_INT.withName("flags"),
            JAVA_LONG.withName("guest_phys_addr"),
            JAVA_LONG.withName("memory_size"),
            JAVA_LONG.withName("userspace_addr"),
            JAVA_LONG.withName("guest_memfd_offset"),
            JAVA_INT.withName("guest_memfd"),
            JAVA_INT.withName("pad1"),
            MemoryLayout.sequenceLayout(14, JAVA_LONG).withName("pad2")).withName("kvm_userspace_memory_region2");

    public static final VarHandle SLOT = Structs.field(LAYOUT, "slot");
    public static final VarHandle FLAGS = Structs.field(LAYOUT, "flags");
    public static final VarHandle GUEST_PHYS_ADDR = Structs.field(LAYOUT, "guest_phys_addr");
    public static final VarHandle MEMORY_SIZE = Structs.field(LAYOUT, "memory_size");
    public static final VarHandle USERSPACE_ADDR = Structs.field(LAYOUT, "userspace_addr");
    public static final VarHandle GUEST_MEMFD_OFFSET = Structs.field(LAYOUT, "guest_memfd_offset");
    public static final VarHandle GUEST_MEMFD = Structs.field(LAYOUT, "guest_memfd");
    public static final VarHandle PAD1 = Structs.field(LAYOUT, "pad1");
    public static final long OFFSET_PAD2 = Structs.offset(LAYOUT, "pad2");

    public KvmUserspaceMemoryRegion2 {
        Structs.checkLength("kvm_userspace_memory_region2.pad2", 14, pad2.length());
    }

    /** A region with zero padding. */
    public static KvmUserspaceMemoryRegion2 of(int slot, int flags, long guestPhysAddr, long memorySize,
                                               long userspaceAddr, long guestMemfdOffset, int guestMemfd) {
        return new KvmUserspaceMemoryRegion2(slot, flags, guestPhysAddr, memorySize, userspaceAddr,
                guestMemfdOffset, guestMemfd, 0, Structs.zeros(14));
    }

    public void encode(MemorySegment s) {
        Structs.checkFits("kvm_userspace_memory_region2", s, LAYOUT.byteSize());
        SLOT.set(s, slot);
        FLAGS.set(s, flags);
        GUEST_PHYS_ADDR.set(s, guestPhysAddr);
        MEMORY_SIZE.set(s, memorySize);
        USERSPACE_ADDR.set(s, userspaceAddr);
        GUEST_MEMFD_OFFSET.set(s, guestMemfdOffset);
        GUEST_MEMFD.set(s, guestMemfd);
        PAD1.set(s, pad1);
        Structs.writeLongs(s, OFFSET_PAD2, pad2);
    }

    public MemorySegment encode(SegmentAllocator a) {
        MemorySegment s = a.allocate(LAYOUT);
        encode(s);
        return s;
    }

    public static KvmUserspaceMemoryRegion2 decode(MemorySegment s) {
        Structs.checkFits("kvm_userspace_memory_region2", s, LAYOUT.byteSize());
        return new KvmUserspaceMemoryRegion2((int) SLOT.get(s), (int) FLAGS.get(s), (long) GUEST_PHYS_ADDR.get(s),
                (long) MEMORY_SIZE.get(s), (long) USERSPACE_ADDR.get(s), (long) GUEST_MEMFD_OFFSET.get(s),
                (int) GUEST_MEMFD.get(s), (int) PAD1.get(s), Structs.readLongs(s, OFFSET_PAD2, 14));
    }
}
