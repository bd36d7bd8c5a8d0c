package org.tdxsim.cli.check;

import com.google.common.collect.ImmutableList;
import java.util.Optional;
import org.tdxsim.kvm.KvmError;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.module.cpuid.CpuidClassifier;
import org.tdxsim.module.status.Explanation;

/**
 * The answer of {@code tdxsim check}.
 *
 * @param module            module version label
 * @param platform          platform name
 * @param kernel            the Linux version whose KVM the simulated kernel reproduces
 * @param attributes        kvm_tdx_init_vm.attributes actually passed
 * @param xfam              kvm_tdx_init_vm.xfam actually passed
 * @param supportedAttrs    KVM_TDX_CAPABILITIES.supported_attrs (empty if the call failed)
 * @param supportedXfam     KVM_TDX_CAPABILITIES.supported_xfam
 * @param cpuid             the CPUID entries actually passed (after --guest-phys-bits)
 * @param initVm            KVM_TDX_INIT_VM's outcome on the simulated kernel
 * @param moduleRejection   the simulator's reason why TDH.MNG.INIT would refuse the CPUID values as given
 * @param denied            requested 1, TD gets 0 (with the rule)
 * @param granted           TD gets 1, request had 0 (with the rule)
 * @param notVirtualized    requested leaves the module does not virtualize (guest CPUID gets #VE)
 * @param guestCpuid        the TD's CPUID
 * @param guestCpuidSource  {@code KVM_TDX_GET_CPUID} (INIT_VM succeeded) or {@code classifier} (computed
 *                          from the request filtered to what the module accepts, as QEMU's filter would)
 */
public record CheckReport(String module, String platform, String kernel, long attributes, long xfam,
        java.util.OptionalLong supportedAttrs, java.util.OptionalLong supportedXfam, ImmutableList<KvmCpuidEntry2> cpuid,
        Outcome initVm, Optional<Explanation> moduleRejection, ImmutableList<CpuidClassifier.BitReport> denied,
        ImmutableList<CpuidClassifier.BitReport> granted, ImmutableList<KvmCpuidEntry2> notVirtualized,
        ImmutableList<KvmCpuidEntry2> guestCpuid, String guestCpuidSource) {

    /** How far the real ioctl path got. */
    public sealed interface Outcome {
        boolean succeeded();

        /** KVM_TDX_INIT_VM returned 0. */
        record Succeeded() implements Outcome {
            @Override
            public boolean succeeded() {
                return true;
            }
        }

        /** An ioctl on the way failed: {@code error.ioctl()} says which (CREATE_VM, CAPABILITIES or INIT_VM). */
        record Failed(KvmError error) implements Outcome {
            @Override
            public boolean succeeded() {
                return false;
            }
        }
    }

    public boolean succeeded() {
        return initVm.succeeded();
    }
}
