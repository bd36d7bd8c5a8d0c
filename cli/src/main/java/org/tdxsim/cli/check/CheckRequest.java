package org.tdxsim.cli.check;

import com.google.common.collect.ImmutableList;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.profile.ModuleProfile;

/**
 * What a VMM intends to pass to KVM_TDX_INIT_VM.
 *
 * @param module         TDX module version
 * @param platform       host platform
 * @param cpuid          the CPUID entries (kvm_cpuid2), before {@code guestPhysBits} is applied
 * @param attributes     kvm_tdx_init_vm.attributes; empty = SEPT_VE_DISABLE (bit 28), QEMU's default
 * @param xfam           kvm_tdx_init_vm.xfam; empty = KVM_TDX_CAPABILITIES.supported_xfam (all KVM offers)
 * @param guestPhysBits  if present, written into CPUID 0x80000008 EAX[23:16] (entry added if missing)
 */
public record CheckRequest(ModuleProfile module, PlatformProfile platform, ImmutableList<KvmCpuidEntry2> cpuid,
        OptionalLong attributes, OptionalLong xfam, OptionalInt guestPhysBits) {

    /** {@code TDX_TD_ATTR_SEPT_VE_DISABLE} = BIT(28) (kvm-tdx-uapi §2 "Other arch constants"); QEMU's default attributes. */
    public static final long SEPT_VE_DISABLE = 1L << 28;
}
