package org.tdxsim.kvm.uapi;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import com.google.common.primitives.ImmutableIntArray;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * {@code struct kvm_cpuid_entry2} — 40 bytes, align 4 (kvm-tdx-uapi.md §2). The three padding words
 * are kept so decode→encode is byte-exact; KVM does not check them.
 *
 * @param function the leaf (EAX input)
 * @param index the sub-leaf (ECX input); significant only with {@link KvmConstants#KVM_CPUID_FLAG_SIGNIFCANT_INDEX}
 * @param flags {@code KVM_CPUID_FLAG_*}
 * @param padding {@code __u32 padding[3]}
 */
public record KvmCpuidEntry2(int function, int index, int flags, int eax, int ebx, int ecx, int edx,
                             ImmutableIntArray padding) {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("function"),
            JAVA_INT.withName("index"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("eax"),
            JAVA_INT.withName("ebx"),
            JAVA_INT.withName("ecx"),
            JAVA_INT.withName("edx"),
            MemoryLayout.sequenceLayout(3, JAVA_INT).withName("padding")).withName("kvm_cpuid_entry2");

    public static final VarHandle FUNCTION = Structs.field(LAYOUT, "function");
    public static final VarHandle INDEX = Structs.field(LAYOUT, "index");
    public static final VarHandle FLAGS = Structs.field(LAYOUT, "flags");
    public static final VarHandle EAX = Structs.field(LAYOUT, "eax");
    public static final VarHandle EBX = Structs.field(LAYOUT, "ebx");
    public static final VarHandle ECX = Structs.field(LAYOUT, "ecx");
    public static final VarHandle EDX = Structs.field(LAYOUT, "edx");
    private static final long OFFSET_PADDING = Structs.offset(LAYOUT, "padding");
    private static final ImmutableIntArray NO_PADDING = ImmutableIntArray.of(0, 0, 0);

    public KvmCpuidEntry2 {
        Structs.checkLength("kvm_cpuid_entry2.padding", 3, padding.length());
    }

    /** An entry with zero padding. */
    public KvmCpuidEntry2(int function, int index, int flags, int eax, int ebx, int ecx, int edx) {
        this(function, index, flags, eax, ebx, ecx, edx, NO_PADDING);
    }

    /** Register {@code 0..3} = EAX, EBX, ECX, EDX. */
    public int register(int r) {
        return switch (r) {
            case 0 -> eax;
            case 1 -> ebx;
            case 2 -> ecx;
            case 3 -> edx;
            default -> throw new IllegalArgumentException("register " + r);
        };
    }

    public boolean hasSignificantIndex() {
        return (flags & KvmConstants.KVM_CPUID_FLAG_SIGNIFCANT_INDEX) != 0;
    }

    public KvmCpuidEntry2 withRegisters(int eax, int ebx, int ecx, int edx) {
        return new KvmCpuidEntry2(function, index, flags, eax, ebx, ecx, edx, padding);
    }

    /** Words of the struct: function, index, flags, eax, ebx, ecx, edx, padding[3]. */
    static final int WORDS = 10;

    public void encode(MemorySegment s) {
        Structs.checkFits("kvm_cpuid_entry2", s, LAYOUT.byteSize());
        int[] w = new int[WORDS];
        toWords(w, 0);
        MemorySegment.copy(w, 0, s, JAVA_INT, 0, WORDS);
    }

    public static KvmCpuidEntry2 decode(MemorySegment s) {
        Structs.checkFits("kvm_cpuid_entry2", s, LAYOUT.byteSize());
        int[] w = new int[WORDS];
        MemorySegment.copy(s, JAVA_INT, 0, w, 0, WORDS);
        return fromWords(w, 0);
    }

    /** Stores the struct's ten 32-bit words at {@code w[at..at+10)} (the byte image, word by word). */
    void toWords(int[] w, int at) {
        w[at] = function;
        w[at + 1] = index;
        w[at + 2] = flags;
        w[at + 3] = eax;
        w[at + 4] = ebx;
        w[at + 5] = ecx;
        w[at + 6] = edx;
        w[at + 7] = padding.get(0);
        w[at + 8] = padding.get(1);
        w[at + 9] = padding.get(2);
    }

    /** The entry whose ten words are {@code w[at..at+10)}. */
    static KvmCpuidEntry2 fromWords(int[] w, int at) {
        ImmutableIntArray pad = (w[at + 7] | w[at + 8] | w[at + 9]) == 0 ? NO_PADDING
                : ImmutableIntArray.of(w[at + 7], w[at + 8], w[at + 9]);
        return new KvmCpuidEntry2(w[at], w[at + 1], w[at + 2], w[at + 3], w[at + 4], w[at + 5], w[at + 6], pad);
    }

    @Override
    public String toString() {
        return String.format("0x%x.%d%s{eax=%08x ebx=%08x ecx=%08x edx=%08x}", function, index,
                flags == 0 ? "" : "/f" + flags, eax, ebx, ecx, edx);
    }
}
