package org.tdxsim.kvm.sim;

import java.util.Optional;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.module.profile.ModuleProfile;

/**
 * How KVM decides a TD's guest physical address width (GPAW) and EPT level — the decision
 * {@code setup_tdparams_eptp_controls} makes in KVM_TDX_INIT_VM. The merged rule and the two
 * designs discussed before it are kept as named policies so the same request can be judged under
 * each (kvm-tdx-uapi.md §4.1, §4.6 history).
 */
public enum GpawPolicy {
    /**
     * The rule merged for Linux 6.16 and unchanged through the latest tree read (§4.1 [S2][S11]): the
     * knob is CPUID 0x80000008 EAX[23:16] ("GuestPhysBits") of the INIT_VM CPUID list. Missing leaf
     * → -EINVAL; a value other than 48 or 52 → -EINVAL; 52 without host 5-level EPT → -EINVAL; 52 →
     * PWL 5 + CONFIG_FLAGS.MAX_GPAW (shared bit 51), 48 → PWL 4 (shared bit 47). Origin: Sean
     * Christopherson's choice in the April 2024 PUCK follow-up ("select 4/5-level from
     * guest.MAXPHYADDR = EAX[23:16]") and Paolo Bonzini's Feb 2025 series [S20][S22].
     */
    UPSTREAM,
    /**
     * The behaviour before the merge as Xiaoyao Li described it in April 2024 (§4.6 [S20]): KVM took
     * MAXPHYADDR from EAX[7:0] of the passed 0x80000008 entry (36 if the leaf is absent); more than 48
     * without host 5-level EPT → -EINVAL; more than 48 with it → PWL 5 + MAX_GPAW; else PWL 4. The TD
     * still sees the native EAX[7:0]. Everything else (EAX[23:16] zeroed for the module and synthesized
     * back by KVM_TDX_GET_CPUID) is left as in {@link #UPSTREAM}, so only this one decision differs.
     */
    PRE_MERGE,
    /**
     * {@link #UPSTREAM} plus the PUCK 2024-04-03 rule (§4.6, field-notes P6 [S20]): "rely on
     * KVM_GET_SUPPORTED_CPUID to enumerate the usable MAXPHYADDR, and simply refuse to enable TDX if
     * the TDX Module isn't compatible", i.e. if the host's raw MAXPHYADDR is 52 with 5-level EPT (so
     * KVM_GET_SUPPORTED_CPUID enumerates GuestPhysBits 52, §4.2) but the module only allows GPAW 0.
     *
     * <p>What "only allows GPAW 0" means, per module version (tdx-module-abi.md §3.6, §4.1 row 15,
     * §4.2): GPAW 1 needs (a) CONFIG_FLAGS_FIXED0 bit 0 set — true for 1.5.01 (0x7), 1.5.06 (0xF) and
     * 2.0.08 (0x1F), and 1.0's EXEC_CONTROLS.GPAW; and (b) 5-level EPT, which the module accepts only if
     * IA32_VMX_EPT_VPID_CAP reports it (1.5/2.0; 1.0 does not check) and, in 1.0/1.5.01/1.5.06, native
     * MAXPA ≥ 49 (dropped in 2.0.08). With raw MAXPHYADDR 52 and 5-level EPT, (b) always holds, so on
     * shipped modules only (a) can fail: the refusal is {@code CONFIG_FLAGS_FIXED0 & 1 == 0}, read by
     * TDH.SYS.RD, which only a user-supplied module profile can produce. TDX is then not offered
     * (KVM_CAP_VM_TYPES lacks KVM_X86_TDX_VM), which is what "refuse at capability time" means here.
     */
    PUCK_STRICT;

    /** Shared-bit position for GPAW 0 / 1 (tdx-module-abi.md §3.6; {@code TDX_SHARED_BIT_PWL_4/5}). */
    static final int SHARED_BIT_GPAW48 = 47;
    static final int SHARED_BIT_GPAW52 = 51;

    /** What {@code setup_tdparams_eptp_controls} decided: PWL 5 (and MAX_GPAW) or PWL 4. */
    record EptDecision(boolean fiveLevel, int guestPhysBits) {
        /** {@code VMX_EPTP_MT_WB | VMX_EPTP_PWL_4/5} ([S17]: MT_WB 0x6, PWL_4 0x18, PWL_5 0x20). */
        long eptpControls() {
            return 0x6L | (fiveLevel ? 0x20L : 0x18L);
        }

        int sharedBit() {
            return fiveLevel ? SHARED_BIT_GPAW52 : SHARED_BIT_GPAW48;
        }
    }

    /**
     * {@code setup_tdparams_eptp_controls}: the EPT level and GPAW for the INIT_VM CPUID list, or the
     * kernel's -EINVAL with its reason.
     */
    EptDecision setupTdparamsEptpControls(KvmCpuid2 cpuid, boolean hostEpt5Level) {
        Optional<KvmCpuidEntry2> e = cpuid.find(0x80000008, 0);
        if (this == PRE_MERGE) {
            int maxpa = e.map(x -> x.eax() & 0xFF).orElse(36);
            if (maxpa > 48 && !hostEpt5Level) {
                throw KernelError.of(Errno.EINVAL, "CPUID 0x80000008 MAXPHYADDR (EAX[7:0]) %d is above 48 but the"
                        + " host has no 5-level EPT (pre-merge GPAW rule)", maxpa);
            }
            return new EptDecision(maxpa > 48, maxpa > 48 ? 52 : 48);
        }
        if (e.isEmpty()) {
            throw KernelError.of(Errno.EINVAL, "the CPUID list has no leaf 0x80000008, so GuestPhysBits"
                    + " (EAX[23:16]) cannot select the GPAW");
        }
        int guestPa = (e.get().eax() >>> 16) & 0xFF;
        if (guestPa != 48 && guestPa != 52) {
            // concatenation, not a format string: this is the reason of most rejected INIT_VM requests
            throw KernelError.of(Errno.EINVAL, "CPUID 0x80000008 GuestPhysBits " + guestPa + " is not 48 or 52");
        }
        if (guestPa == 52 && !hostEpt5Level) {
            throw KernelError.of(Errno.EINVAL, "CPUID 0x80000008 GuestPhysBits 52 needs 5-level EPT, which the"
                    + " host does not support");
        }
        return new EptDecision(guestPa == 52, guestPa);
    }

    /**
     * The guest MAXPHYADDR the TDP MMU uses to pick the vCPU's root level (§4.5, derived): for TDs
     * the vCPU CPUID's 0x80000008 EAX[23:16] (0 if absent); under {@link #PRE_MERGE} its EAX[7:0]
     * (36 if absent), the value the pre-merge code keyed on.
     */
    int tdpMaxPhysAddr(VcpuCpuid cpuid) {
        return this == PRE_MERGE ? cpuid.maxPhyAddr() : cpuid.guestPhysBits();
    }

    /**
     * {@link #PUCK_STRICT}'s bring-up refusal; empty for other policies or a compatible module.
     *
     * @param hostMaxPhysAddr raw CPUID 0x80000008 EAX[7:0]
     */
    Optional<String> refusesTdx(int hostMaxPhysAddr, boolean hostEpt5Level, TdxSysInfo info, ModuleProfile module) {
        if (this != PUCK_STRICT || hostMaxPhysAddr != 52 || !hostEpt5Level) {
            return Optional.empty();
        }
        boolean gpawAllowed = info.configFlagsFixed0().orElse(1L) % 2 != 0;
        if (gpawAllowed) {
            return Optional.empty();
        }
        return Optional.of("PUCK_STRICT: host MAXPHYADDR is 52 with 5-level EPT (KVM_GET_SUPPORTED_CPUID enumerates"
                + " GuestPhysBits 52) but TDX module " + module.version().label() + " only allows GPAW 0"
                + String.format(" (CONFIG_FLAGS_FIXED0 0x%X has no GPAW bit)", info.configFlagsFixed0().getAsLong()));
    }
}
