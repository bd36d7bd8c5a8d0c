package org.tdxsim.kvm.uapi;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * {@code struct kvm_memory_attributes} — 32 bytes: address, size, attributes, flags (u64 each;
 * kvm-tdx-uapi.md §2 "Supporting structs").
 */
public record KvmMemoryAttributes(long address, long size, long attributes, long flags) {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("address"),
            JAVA_LONG.withName("size"),
            JAVA_LONG.withName("attributes"),
            JAVA_LONG.withName("flags")).withName("kvm_memory_attributes");

    public static final VarHandle ADDRESS = Structs.field(LAYOUT, "address");
    public static final VarHandle SIZE = Structs.field(LAYOUT, "size");
    public static final VarHandle ATTRIBUTES = Structs.field(LAYOUT, "attributes");
    public static final VarHandle FLAGS = Structs.field(LAYOUT, "flags");

    public void encode(MemorySegment s) {
        Structs.checkFits("kvm_memory_attributes", s, LAYOUT.byteSize());
        ADDRESS.set(s, address);
        SIZE.set(s, size);
        ATTRIBUTES.set(s, attributes);
        FLAGS.set(s, flags);
    }

    public MemorySegment encode(SegmentAllocator a) {
        MemorySegment s = a.allocate(LAYOUT);
        encode(s);
        return s;
    }

    public static KvmMemoryAttributes decode(MemorySegment s) {
        Structs.checkFits("kvm_memory_attributes", s, LAYOUT.byteSize());
        return new KvmMemoryAttributes((long) ADDRESS.get(s), (long) SIZE.get(s), (long) ATTRIBUTES.get(s),
                (long) FLAGS.get(s));
    }
}
