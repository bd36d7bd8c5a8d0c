package org.tdxsim.kvm.uapi;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import com.google.common.primitives.ImmutableLongArray;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * {@code struct kvm_enable_cap} — 104 bytes: cap u32@0, flags u32@4, args[4]@8, pad[64]@40
 * (kvm-tdx-uapi.md §2 "Supporting structs").
 */
public record KvmEnableCap(int cap, int flags, ImmutableLongArray args, Bytes pad) {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("cap"),
            JAVA_INT.withName("flags"),
            MemoryLayout.sequenceLayout(4, JAVA_LONG).withName("args"),
            MemoryLayout.sequenceLayout(64, JAVA_BYTE).withName("pad")).withName("kvm_enable_cap");

    public static final VarHandle CAP = Structs.field(LAYOUT, "cap");
    public static final VarHandle FLAGS = Structs.field(LAYOUT, "flags");
    public static final long OFFSET_ARGS = Structs.offset(LAYOUT, "args");
    public static final long OFFSET_PAD = Structs.offset(LAYOUT, "pad");

    public KvmEnableCap {
        Structs.checkLength("kvm_enable_cap.args", 4, args.length());
        Structs.checkLength("kvm_enable_cap.pad", 64, pad.length());
    }

    /** {@code cap} with flags 0, {@code args} (up to 4, rest zero) and zero padding. */
    public static KvmEnableCap of(int cap, long... args) {
        if (args.length > 4) {
            throw new IllegalArgumentException("kvm_enable_cap has 4 args, not " + args.length);
        }
        long[] a = new long[4];
        System.arraycopy(args, 0, a, 0, args.length);
        return new KvmEnableCap(cap, 0, ImmutableLongArray.copyOf(a), Bytes.zeros(64));
    }

    public void encode(MemorySegment s) {
        Structs.checkFits("kvm_enable_cap", s, LAYOUT.byteSize());
        CAP.set(s, cap);
        FLAGS.set(s, flags);
        Structs.writeLongs(s, OFFSET_ARGS, args);
        Structs.writeBytes(s, OFFSET_PAD, pad);
    }

    public MemorySegment encode(SegmentAllocator a) {
        MemorySegment s = a.allocate(LAYOUT);
        encode(s);
        return s;
    }

    public static KvmEnableCap decode(MemorySegment s) {
        Structs.checkFits("kvm_enable_cap", s, LAYOUT.byteSize());
        return new KvmEnableCap((int) CAP.get(s), (int) FLAGS.get(s), Structs.readLongs(s, OFFSET_ARGS, 4),
                Structs.readBytes(s, OFFSET_PAD, 64));
    }
}
