package org.tdxsim.kvm.uapi;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import com.google.common.primitives.ImmutableLongArray;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * {@code struct kvm_create_guest_memfd} — 64 bytes: size@0, flags@8, reserved[6]@16
 * (kvm-tdx-uapi.md §2 "Supporting structs").
 */
public record KvmCreateGuestMemfd(long size, long flags, ImmutableLongArray reserved) {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("size"),
            JAVA_LONG.withName("flags"),
            MemoryLayout.sequenceLayout(6, JAVA_LONG).withName("reserved")).withName("kvm_create_guest_memfd");

    public static final VarHandle SIZE = Structs.field(LAYOUT, "size");
    public static final VarHandle FLAGS = Structs.field(LAYOUT, "flags");
    public static final long OFFSET_RESERVED = Structs.offset(LAYOUT, "reserved");

    public KvmCreateGuestMemfd {
        Structs.checkLength("kvm_create_guest_memfd.reserved", 6, reserved.length());
    }

    public static KvmCreateGuestMemfd of(long size, long flags) {
        return new KvmCreateGuestMemfd(size, flags, Structs.zeros(6));
    }

    public void encode(MemorySegment s) {
        Structs.checkFits("kvm_create_guest_memfd", s, LAYOUT.byteSize());
        SIZE.set(s, size);
        FLAGS.set(s, flags);
        Structs.writeLongs(s, OFFSET_RESERVED, reserved);
    }

    public MemorySegment encode(SegmentAllocator a) {
        MemorySegment s = a.allocate(LAYOUT);
        encode(s);
        return s;
    }

    public static KvmCreateGuestMemfd decode(MemorySegment s) {
        Structs.checkFits("kvm_create_guest_memfd", s, LAYOUT.byteSize());
        return new KvmCreateGuestMemfd((long) SIZE.get(s), (long) FLAGS.get(s), Structs.readLongs(s, OFFSET_RESERVED, 6));
    }
}
