package org.tdxsim.kvm.sim;

import java.util.ArrayList;
import java.util.List;

/** {@code struct kvm_vcpu} + {@code struct vcpu_tdx}: what the simulated kernel keeps per vCPU. */
final class KvmVcpu {
    /** {@code enum vcpu_tdx_state}. */
    enum TdxState { UNINITIALIZED, INITIALIZED }

    final KvmVm vm;
    final int vcpuId;
    VcpuCpuid cpuid = VcpuCpuid.EMPTY;
    boolean hasRun;
    /** IA32_APIC_BASE; after creation {@code APIC_DEFAULT_PHYS_BASE | ENABLE (| BSP)}. */
    long apicBase;
    /** {@code vcpu->arch.virtual_tsc_khz}: the VM's default TSC kHz when the vCPU was created. */
    long virtualTscKhz;
    TdxState tdxState = TdxState.UNINITIALIZED;
    long tdvpr = -1;
    final List<Long> tdcx = new ArrayList<>();
    /** The logical processor the TD vCPU is associated with (TDH.VP.INIT ran there), or −1. */
    int associatedLp = -1;
    boolean fdOpen = true;

    KvmVcpu(KvmVm vm, int vcpuId) {
        this.vm = vm;
        this.vcpuId = vcpuId;
    }
}
