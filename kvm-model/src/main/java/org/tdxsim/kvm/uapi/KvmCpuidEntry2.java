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

    public void encode(MemorySegment s) {
        Structs.checkFits("kvm_cpuid_entry2", s, LAYOUT.byteSize());
        FUNCTION.set(s, function);
        INDEX.set(s, index);
        FLAGS.set(s, flags);
        EAX.set(s, eax);
        EBX.set(s, ebx);
        ECX.set(s, ecx);
        EDX.set(s, edx);
        Structs.writeInts(s, OFFSET_PADDING, padding);
    }

    public static KvmCpuidEntry2 decode(MemorySegment s) {
        Structs.checkFits("kvm_cpuid_entry2", s, LAYOUT.byteSize());
        return new KvmCpuidEntry2((int) FUNCTION.get(s), (int) INDEX.get(s), (int) FLAGS.get(s),
                (int) EAX.get(s), (int) EBX.get(s), (int) ECX.get(s), (int) EDX.get(s),
                Structs.readInts(s, OFFSET_PADDING, 3));
    }

    @Override
    public String toString() {
        return String.format("0x%x.%d%s{eax=%08x ebx=%08x ecx=%08x edx=%08x}", function, index,
                flags == 0 ? "" : "/f" + flags, eax, ebx, ecx, edx);
    }
}
