package org.tdxsim.kvm.uapi;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import com.google.common.primitives.ImmutableLongArray;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * {@code struct kvm_tdx_capabilities} — 2056-byte header + {@code nent × 40}, align 8
 * (kvm-tdx-uapi.md §2, 6.16 layout with the tdvmcallinfo fields; {@code cpuid} is at 2048 in every
 * layout). In: {@code cpuid.nent} = buffer capacity; out: everything.
 *
 * @param reserved {@code __u64 reserved[250]} (output only; KVM zeroes it since 6.16)
 * @param cpuid the CPUID configurable-bit masks; {@code cpuid.nent} is the header count
 */
public record KvmTdxCapabilities(long supportedAttrs, long supportedXfam,
                                 long kernelTdvmcallinfo1R11, long userTdvmcallinfo1R11,
                                 long kernelTdvmcallinfo1R12, long userTdvmcallinfo1R12,
                                 ImmutableLongArray reserved, KvmCpuid2 cpuid) {

    public static final int RESERVED_WORDS = 250;

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("supported_attrs"),
            JAVA_LONG.withName("supported_xfam"),
            JAVA_LONG.withName("kernel_tdvmcallinfo_1_r11"),
            JAVA_LONG.withName("user_tdvmcallinfo_1_r11"),
            JAVA_LONG.withName("kernel_tdvmcallinfo_1_r12"),
            JAVA_LONG.withName("user_tdvmcallinfo_1_r12"),
            MemoryLayout.sequenceLayout(RESERVED_WORDS, JAVA_LONG).withName("reserved"),
            KvmCpuid2.LAYOUT.withName("cpuid")).withName("kvm_tdx_capabilities");

    public static final VarHandle SUPPORTED_ATTRS = Structs.field(LAYOUT, "supported_attrs");
    public static final VarHandle SUPPORTED_XFAM = Structs.field(LAYOUT, "supported_xfam");
    public static final VarHandle KERNEL_TDVMCALLINFO_1_R11 = Structs.field(LAYOUT, "kernel_tdvmcallinfo_1_r11");
    public static final VarHandle USER_TDVMCALLINFO_1_R11 = Structs.field(LAYOUT, "user_tdvmcallinfo_1_r11");
    public static final VarHandle KERNEL_TDVMCALLINFO_1_R12 = Structs.field(LAYOUT, "kernel_tdvmcallinfo_1_r12");
    public static final VarHandle USER_TDVMCALLINFO_1_R12 = Structs.field(LAYOUT, "user_tdvmcallinfo_1_r12");
    /** Offset of {@code reserved} (48). */
    public static final long OFFSET_RESERVED = Structs.offset(LAYOUT, "reserved");
    /** Offset of the nested {@code cpuid} header (2048); {@code cpuid.nent} is read with get_user here. */
    public static final long OFFSET_CPUID = Structs.offset(LAYOUT, "cpuid");

    /** Header 2056, count at 2048, 40-byte entries. */
    public static final FamLayout FAM = new FamLayout("kvm_tdx_capabilities", LAYOUT, OFFSET_CPUID,
            KvmCpuidEntry2.LAYOUT, KvmConstants.KVM_MAX_CPUID_ENTRIES);

    public KvmTdxCapabilities {
        Structs.checkLength("kvm_tdx_capabilities.reserved", RESERVED_WORDS, reserved.length());
    }

    public long byteSize() {
        return FAM.byteSize(cpuid.entries().size());
    }

    public void encode(MemorySegment s) {
        Structs.checkFits("kvm_tdx_capabilities", s, byteSize());
        SUPPORTED_ATTRS.set(s, supportedAttrs);
        SUPPORTED_XFAM.set(s, supportedXfam);
        KERNEL_TDVMCALLINFO_1_R11.set(s, kernelTdvmcallinfo1R11);
        USER_TDVMCALLINFO_1_R11.set(s, userTdvmcallinfo1R11);
        KERNEL_TDVMCALLINFO_1_R12.set(s, kernelTdvmcallinfo1R12);
        USER_TDVMCALLINFO_1_R12.set(s, userTdvmcallinfo1R12);
        Structs.writeLongs(s, OFFSET_RESERVED, reserved);
        cpuid.encode(s.asSlice(OFFSET_CPUID));
    }

    public MemorySegment encode(SegmentAllocator a) {
        MemorySegment s = a.allocate(byteSize(), 8);
        encode(s);
        return s;
    }

    /** Decodes the header and {@code min(cpuid.nent, capacity)} entries. */
    public static KvmTdxCapabilities decode(MemorySegment s) {
        Structs.checkFits("kvm_tdx_capabilities", s, LAYOUT.byteSize());
        return new KvmTdxCapabilities((long) SUPPORTED_ATTRS.get(s), (long) SUPPORTED_XFAM.get(s),
                (long) KERNEL_TDVMCALLINFO_1_R11.get(s), (long) USER_TDVMCALLINFO_1_R11.get(s),
                (long) KERNEL_TDVMCALLINFO_1_R12.get(s), (long) USER_TDVMCALLINFO_1_R12.get(s),
                Structs.readLongs(s, OFFSET_RESERVED, RESERVED_WORDS),
                KvmCpuid2.decode(s.asSlice(OFFSET_CPUID)));
    }
}
