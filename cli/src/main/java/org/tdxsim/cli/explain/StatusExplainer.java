package org.tdxsim.cli.explain;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.ModuleProfiles;
import org.tdxsim.module.status.TdxStatus;

/** Builds {@link StatusReport}s: {@code tdxsim explain 0xC000010000000045}. */
public final class StatusExplainer {
    private StatusExplainer() {}

    /**
     * Values the Linux kernel names differently from the 1.5/2.0 module source (abi §2.2, "Kernel"
     * column): the kernel's {@code tdx_errno.h} gives TDX_NON_RECOVERABLE_TD as 0x4000000200000000
     * (module 1.0's value) and TDX_NON_RECOVERABLE_TD_WRONG_APIC_MODE as 0x6000000700000000 (no
     * module uses that value).
     */
    private static final ImmutableMap<Long, String> KERNEL_ONLY_NAMES = ImmutableMap.of(
            0x4000_0002_0000_0000L, "TDX_NON_RECOVERABLE_TD",
            0x6000_0007_0000_0000L, "TDX_NON_RECOVERABLE_TD_WRONG_APIC_MODE");

    /**
     * What each TD_PARAMS operand id means when TDH.MNG.INIT returns TDX_OPERAND_INVALID with it
     * (abi §4.1, rows in brackets; 1.0 differences from §4.2).
     */
    private static final ImmutableMap<String, String> TDH_MNG_INIT_OPERANDS = ImmutableMap.<String, String>builder()
            .put("RCX", "the TDR page (RCX) is not 4 KiB aligned, not in a TDMR, not a TDR page or is busy [row 2]")
            .put("RDX", "TD_PARAMS (RDX) is not 1024-byte aligned or not a shared address, a reserved field is not zero,"
                    + " MSR_CONFIG_CTLS bits 7:1 are set, or a MIGRATABLE TD has NUM_L2_VMS > 0 [rows 7, 13, 18, 20, 21, 24, 26]")
            .put("ATTRIBUTES", "an ATTRIBUTES bit is outside ATTRIBUTES_FIXED0 or a FIXED1 bit is missing; MIGRATABLE with"
                    + " DEBUG or PERFMON; 2.0: PERFMON together with ICSSD [row 8]")
            .put("XFAM", "an XFAM bit is outside TDX_XFAM_FIXED0 and the CPU's XCR0|XSS, bits 0-1 are not set, AVX-512 bits"
                    + " 5-7 differ or lack bit 2, CET bits 11/12 differ, or AMX bits 17/18 differ [row 9]")
            .put("MAX_VCPUS", "MAX_VCPUS is 0, or (1.5.06+) above MAX_VCPUS_PER_TD [row 10]")
            .put("NUM_L2_VMS", "NUM_L2_VMS is above 3 [row 11]")
            .put("EXEC_CONTROLS", "CONFIG_FLAGS has a bit outside its FIXED0/FIXED1 masks (2.0: MAXPA_VIRT and MAXGPA_VIRT both"
                    + " set); on 1.0 also GPAW=1 with 4-level EPT [row 14; §4.2]")
            .put("EPTP_CONTROLS", "EPTP_CONTROLS is malformed, 5-level EPT is requested but the CPU lacks it (before 2.0.08 also"
                    + " native MAXPA < 49), or CONFIG_FLAGS.GPAW=1 without 5-level EPT [row 15]")
            .put("TSC_FREQUENCY", "TSC_FREQUENCY is outside [4, 400] (units of 25 MHz) [row 16]")
            .put("CPUID_CONFIG", "a TD_PARAMS.CPUID_CONFIG value has a 1-bit outside CONFIG_DIRECT|ALLOW_DIRECT, a bad F/M/S in"
                    + " leaf 1 EAX, HLE != RTM, or a bad virtual MAXPA in 0x80000008; RCX holds the leaf (bits 31:0) and"
                    + " subleaf (bits 63:32). 'tdxsim check' names the bit [row 22]")
            .put("IA32_ARCH_CAPABILITIES_CONFIG", "IA32_ARCH_CAPABILITIES_CONFIG is non-zero without MSR_CONFIG_CTLS bit 0, or"
                    + " uses bits other than 4, 19, 20, 24 [row 25]")
            .buildOrThrow();

    /** Explains {@code value}; {@code module} (if present) is listed first. */
    public static StatusReport explain(long value, Optional<ModuleProfile> module) {
        TdxStatus s = TdxStatus.of(value);
        List<ModuleProfile> profiles = new ArrayList<>();
        module.ifPresent(profiles::add);
        for (String v : ModuleProfiles.versions()) {
            ModuleProfile builtIn = ModuleProfiles.builtIn(v);
            if (module.isEmpty() || module.get() != builtIn) {
                profiles.add(builtIn);
            }
        }
        ImmutableList.Builder<StatusReport.VersionName> rows = ImmutableList.builder();
        java.util.Set<String> distinct = new java.util.HashSet<>();
        for (ModuleProfile p : profiles) {
            String d = s.describe(p);
            distinct.add(d);
            rows.add(new StatusReport.VersionName(p.version().label(), s.name(p), s.operandName(p), d));
        }
        List<String> notes = new ArrayList<>();
        String kernelName = KERNEL_ONLY_NAMES.get(s.base());
        if (kernelName != null) {
            notes.add("the Linux kernel's tdx_errno.h names " + String.format("0x%016X", s.base()) + " " + kernelName
                    + "; the 1.5/2.0 module source uses a different value for that name (abi §2.2)");
        }
        Optional<String> name = profiles.stream().map(s::name).flatMap(Optional::stream).findFirst();
        name.ifPresent(n -> kernelHandling(n, s, profiles.getFirst(), notes));
        if (name.isEmpty()) {
            notes.add("no module version shipped with tdxsim knows this status (class 0x"
                    + Integer.toHexString(s.classCode()) + ", details 0x" + Integer.toHexString(s.detailsL1()) + ")");
        }
        return new StatusReport(value, s.isError(), s.isNonRecoverable(), s.isFatal(), s.hostRecoverabilityHint(),
                s.classCode(), s.detailsL1(), s.operand(), rows.build(), distinct.size() == 1, ImmutableList.copyOf(notes));
    }

    /** What KVM does with this status (kvm-tdx-uapi §3.2) and, for TDH.MNG.INIT operands, why (abi §4.1). */
    private static void kernelHandling(String name, TdxStatus s, ModuleProfile p, List<String> notes) {
        switch (name) {
            case "TDX_OPERAND_INVALID" -> {
                notes.add("from TDH.MNG.INIT, KVM_TDX_INIT_VM returns -EINVAL and copies this status to kvm_tdx_cmd.hw_error"
                        + " (kvm-tdx-uapi §3.2); from other SEAMCALLs KVM returns -EIO");
                s.operandName(p).map(TDH_MNG_INIT_OPERANDS::get)
                        .ifPresent(why -> notes.add("TDH.MNG.INIT returns it with this operand when " + why + " (abi §4.1)"));
            }
            case "TDX_RND_NO_ENTROPY" -> notes.add("from TDH.MNG.CREATE/ADDCX, KVM_TDX_INIT_VM returns -EAGAIN; retry"
                    + " (QEMU retries up to 10000 times) (kvm-tdx-uapi §3.2)");
            case "TDX_OPERAND_BUSY" -> notes.add("from TDH.MR.FINALIZE, KVM_TDX_FINALIZE_VM returns -EBUSY with this status in"
                    + " hw_error; from TDH.MEM.PAGE.ADD, KVM_TDX_INIT_MEM_REGION returns -EBUSY (kvm-tdx-uapi §3.2, §3.3)");
            default -> {
                if (s.isError()) {
                    notes.add("KVM turns other failing SEAMCALLs into -EIO (hw_error is reported only for TDH.MNG.INIT"
                            + " OPERAND_INVALID and for TDH.MR.FINALIZE) (kvm-tdx-uapi §3.2)");
                }
            }
        }
        if ("TDX_INCONSISTENT_MSR".equals(name) || "TDX_INCORRECT_MSR_VALUE".equals(name)) {
            notes.add("bits 31:0 hold an MSR address, not an operand id (abi §2.3): 0x3B = IA32_TSC_ADJUST, 0x10A ="
                    + " IA32_ARCH_CAPABILITIES");
        }
    }
}
