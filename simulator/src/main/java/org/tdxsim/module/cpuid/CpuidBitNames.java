package org.tdxsim.module.cpuid;

import com.google.common.collect.ImmutableMap;
import java.util.Optional;

/**
 * Feature names of CPUID bits for the common leaves (1, 7.0, 7.1, 0xD.0, 0xD.1, 0x80000001,
 * 0x80000008), as the Intel SDM Vol. 2A CPUID chapter names them. Only bits whose meaning is
 * settled are listed; other bits print as numbers.
 */
public final class CpuidBitNames {

    private static final ImmutableMap<String, String> NAMES = build();

    private CpuidBitNames() {
    }

    private static String key(int leaf, int subleaf, CpuidReg reg, int bit) {
        return Integer.toHexString(leaf) + "." + subleaf + "." + reg + "." + bit;
    }

    private static void put(ImmutableMap.Builder<String, String> b, int leaf, int subleaf, CpuidReg reg, String names) {
        String[] parts = names.split(",");
        for (String p : parts) {
            String[] kv = p.trim().split("=");
            b.put(key(leaf, subleaf, reg, Integer.parseInt(kv[0])), kv[1]);
        }
    }

    private static ImmutableMap<String, String> build() {
        ImmutableMap.Builder<String, String> b = ImmutableMap.builder();
        put(b, 1, 0, CpuidReg.ECX, "0=SSE3,1=PCLMULQDQ,2=DTES64,3=MONITOR,4=DS-CPL,5=VMX,6=SMX,7=EIST,8=TM2,9=SSSE3,"
                + "10=CNXT-ID,11=SDBG,12=FMA,13=CMPXCHG16B,14=xTPR,15=PDCM,17=PCID,18=DCA,19=SSE4_1,20=SSE4_2,"
                + "21=x2APIC,22=MOVBE,23=POPCNT,24=TSC-Deadline,25=AESNI,26=XSAVE,27=OSXSAVE,28=AVX,29=F16C,30=RDRAND");
        put(b, 1, 0, CpuidReg.EDX, "0=FPU,1=VME,2=DE,3=PSE,4=TSC,5=MSR,6=PAE,7=MCE,8=CX8,9=APIC,11=SEP,12=MTRR,13=PGE,"
                + "14=MCA,15=CMOV,16=PAT,17=PSE-36,18=PSN,19=CLFSH,21=DS,22=ACPI,23=MMX,24=FXSR,25=SSE,26=SSE2,27=SS,"
                + "28=HTT,29=TM,31=PBE");
        put(b, 7, 0, CpuidReg.EBX, "0=FSGSBASE,1=IA32_TSC_ADJUST,2=SGX,3=BMI1,4=HLE,5=AVX2,6=FDP_EXCPTN_ONLY,7=SMEP,"
                + "8=BMI2,9=ERMS,10=INVPCID,11=RTM,12=RDT-M,13=FPU-CS-DS-deprecated,14=MPX,15=RDT-A,16=AVX512F,"
                + "17=AVX512DQ,18=RDSEED,19=ADX,20=SMAP,21=AVX512_IFMA,23=CLFLUSHOPT,24=CLWB,25=PT,26=AVX512PF,"
                + "27=AVX512ER,28=AVX512CD,29=SHA,30=AVX512BW,31=AVX512VL");
        put(b, 7, 0, CpuidReg.ECX, "0=PREFETCHWT1,1=AVX512_VBMI,2=UMIP,3=PKU,4=OSPKE,5=WAITPKG,6=AVX512_VBMI2,"
                + "7=CET_SS,8=GFNI,9=VAES,10=VPCLMULQDQ,11=AVX512_VNNI,12=AVX512_BITALG,13=TME_EN,"
                + "14=AVX512_VPOPCNTDQ,16=LA57,22=RDPID,23=KL,24=BUS_LOCK_DETECT,25=CLDEMOTE,27=MOVDIRI,"
                + "28=MOVDIR64B,29=ENQCMD,30=SGX_LC,31=PKS");
        put(b, 7, 0, CpuidReg.EDX, "2=AVX512_4VNNIW,3=AVX512_4FMAPS,4=FSRM,5=UINTR,8=AVX512_VP2INTERSECT,"
                + "9=SRBDS_CTRL,10=MD_CLEAR,11=RTM_ALWAYS_ABORT,13=RTM_FORCE_ABORT,14=SERIALIZE,15=HYBRID,"
                + "16=TSXLDTRK,18=PCONFIG,19=ARCH_LBR,20=CET_IBT,22=AMX-BF16,23=AVX512_FP16,24=AMX-TILE,"
                + "25=AMX-INT8,26=IBRS_IBPB,27=STIBP,28=L1D_FLUSH,29=IA32_ARCH_CAPABILITIES,"
                + "30=IA32_CORE_CAPABILITIES,31=SSBD");
        put(b, 7, 1, CpuidReg.EAX, "4=AVX-VNNI,5=AVX512_BF16,6=LASS,7=CMPCCXADD,8=ARCH_PERFMON_EXT,10=FZLRM,"
                + "11=FSRS,12=FSRCS,17=FRED,18=LKGS,19=WRMSRNS,21=AMX-FP16,22=HRESET,23=AVX-IFMA,26=LAM,27=MSRLIST");
        put(b, 0xD, 0, CpuidReg.EAX, "0=x87,1=SSE,2=AVX,3=BNDREGS,4=BNDCSR,5=opmask,6=ZMM_Hi256,7=Hi16_ZMM,9=PKRU,"
                + "17=XTILECFG,18=XTILEDATA");
        put(b, 0xD, 1, CpuidReg.EAX, "0=XSAVEOPT,1=XSAVEC,2=XGETBV_ECX1,3=XSAVES,4=XFD");
        put(b, 0xD, 1, CpuidReg.ECX, "8=PT,10=PASID,11=CET_U,12=CET_S,13=HDC,14=UINTR,15=LBR,16=HWP");
        put(b, 0x8000_0001, 0, CpuidReg.ECX, "0=LAHF-SAHF,5=LZCNT,8=PREFETCHW");
        put(b, 0x8000_0001, 0, CpuidReg.EDX, "11=SYSCALL,20=XD,26=1GB-pages,27=RDTSCP,29=Intel64");
        put(b, 0x8000_0008, 0, CpuidReg.EBX, "9=WBNOINVD");
        return b.buildOrThrow();
    }

    /** The bit's name, if listed. Leaves without subleaves use subleaf 0 or NA. */
    public static Optional<String> name(int leaf, int subleaf, CpuidReg reg, int bit) {
        int sub = subleaf == CpuidLeaf.SUBLEAF_NA ? 0 : subleaf;
        return Optional.ofNullable(NAMES.get(key(leaf, sub, reg, bit)));
    }

    /** {@code "bit 16 (AVX512F)"} or {@code "bit 16"}. */
    public static String describe(int leaf, int subleaf, CpuidReg reg, int bit) {
        return "bit " + bit + name(leaf, subleaf, reg, bit).map(n -> " (" + n + ")").orElse("");
    }
}
