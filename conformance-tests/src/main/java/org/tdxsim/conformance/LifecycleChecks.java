package org.tdxsim.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tdxsim.conformance.KvmAssert.fails;
import static org.tdxsim.conformance.KvmAssert.failsInKvm;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.tdxsim.kvm.KvmException;
import org.tdxsim.kvm.VcpuFd;
import org.tdxsim.kvm.VmFd;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmTdxInitMemRegion;

/**
 * Ordering rules (uapi §6 "what the code actually enforces", §3.1, §3.3): each step refused out of
 * order, with its errno.
 */
@DisplayName("LifecycleChecks")
public class LifecycleChecks extends TargetedChecks {

    /** TDX_NO_VCPUS (abi §2.2, 1.5+): TDH.MR.FINALIZE with NUM_VCPUS = 0 (abi §7.3). */
    static final long TDX_NO_VCPUS = 0xC000060900000000L;

    @Test
    @DisplayName("KVM_CREATE_VCPU before KVM_TDX_INIT_VM → EIO (uapi §6, §3.3 other ioctls)")
    void createVcpuBeforeInitVm() {
        VmFd vm = host.createTd();
        fails(Errno.EIO, "uapi §6: KVM_CREATE_VCPU needs the TD exactly INITIALIZED", () -> host.createVcpu(vm));
    }

    @Test
    @DisplayName("KVM_CREATE_VCPU without the split irqchip → EINVAL (uapi §6)")
    void createVcpuNeedsSplitIrqchip() {
        VmFd vm = host.createBareTd();
        KvmAssert.succeeds("INIT_VM", () -> vm.tdxInitVm(host.request(48)));
        fails(Errno.EINVAL, "uapi §6: irqchip not split", () -> host.createVcpu(vm));
    }

    @Test
    @DisplayName("KVM_CREATE_VCPU after FINALIZE → EIO (uapi §3.3 other ioctls: state ≠ INITIALIZED)")
    void createVcpuAfterFinalize() {
        VmFd vm = host.finalizedTd();
        fails(Errno.EIO, "uapi §3.3: KVM_CREATE_VCPU after FINALIZE", () -> host.createVcpu(vm));
    }

    @Test
    @DisplayName("KVM_TDX_INIT_VM after FINALIZE → EINVAL (uapi §3.3 INIT_VM step 1)")
    void initVmAfterFinalize() {
        VmFd vm = host.finalizedTd();
        failsInKvm(Errno.EINVAL, "uapi §3.3 INIT_VM step 1", () -> vm.tdxInitVm(host.request(48)));
    }

    @Test
    @DisplayName("KVM_TDX_GET_CPUID after FINALIZE → EINVAL (uapi §3.1 vCPU path, §6)")
    void getCpuidAfterFinalize() {
        VmFd vm = host.initializedTd();
        VcpuFd v = host.initializedVcpu(vm);
        KvmAssert.succeeds("FINALIZE", vm::tdxFinalizeVm);
        fails(Errno.EINVAL, "uapi §3.1: vCPU sub-command on a RUNNABLE TD", () -> v.tdxGetCpuid(256));
    }

    @Test
    @DisplayName("KVM_TDX_INIT_VCPU twice → EINVAL; with flags → EINVAL (uapi §3.3 INIT_VCPU step 1)")
    void initVcpuTwiceOrWithFlags() {
        VmFd vm = host.initializedTd();
        VcpuFd fresh = host.createVcpu(vm);
        KvmAssert.succeeds("KVM_TDX_GET_CPUID → KVM_SET_CPUID2",
                () -> fresh.setCpuid2(org.tdxsim.kvm.QemuProtocols.tdxGetCpuid(fresh)));
        fails(Errno.EINVAL, "uapi §3.3 INIT_VCPU step 1: flags != 0",
                () -> fresh.memoryEncryptOp(KvmConstants.KVM_TDX_INIT_VCPU, 1, 0));
        KvmAssert.succeeds("INIT_VCPU with flags 0", () -> fresh.tdxInitVcpu(0));
        fails(Errno.EINVAL, "uapi §3.3 INIT_VCPU step 1: already initialized", () -> fresh.tdxInitVcpu(0));
    }

    @Test
    @DisplayName("a vCPU left uninitialised cannot be initialised after FINALIZE: EINVAL (uapi §6 notes)")
    void initVcpuAfterFinalize() {
        VmFd vm = host.initializedTd();
        host.initializedVcpu(vm);
        VcpuFd late = host.createVcpu(vm);
        KvmAssert.succeeds("FINALIZE (one initialized vCPU is enough)", vm::tdxFinalizeVm);
        fails(Errno.EINVAL, "uapi §3.1/§6: vCPU sub-command on a RUNNABLE TD", () -> late.tdxInitVcpu(0));
    }

    @Test
    @DisplayName("KVM_TDX_INIT_MEM_REGION before INIT_VCPU → EINVAL; after FINALIZE → EINVAL (uapi §3.3 INIT_MEM_REGION step 1)")
    void initMemRegionOutOfOrder() {
        VmFd vm = host.initializedTd();
        host.privateMemory(vm, 0, 0, 1);
        long src = host.userPages(1).address();
        VcpuFd uninit = host.createVcpu(vm);
        fails(Errno.EINVAL, "uapi §3.3 INIT_MEM_REGION step 1: vCPU not initialized",
                () -> uninit.tdxInitMemRegion(new KvmTdxInitMemRegion(src, 0, 1), true));
        VcpuFd v = host.initializedVcpu(vm);
        KvmAssert.succeeds("FINALIZE", vm::tdxFinalizeVm);
        fails(Errno.EINVAL, "uapi §3.3 INIT_MEM_REGION step 1: TD RUNNABLE",
                () -> v.tdxInitMemRegion(new KvmTdxInitMemRegion(src, 0, 1), true));
    }

    @Test
    @DisplayName("KVM_TDX_FINALIZE_VM before INIT_VM → EINVAL; twice → EINVAL (uapi §3.3 FINALIZE step 1)")
    void finalizeOutOfOrder() {
        VmFd fresh = host.createTd();
        failsInKvm(Errno.EINVAL, "uapi §3.3 FINALIZE step 1: not INIT_VM'd", fresh::tdxFinalizeVm);
        VmFd done = host.finalizedTd();
        failsInKvm(Errno.EINVAL, "uapi §3.3 FINALIZE step 1: already RUNNABLE", done::tdxFinalizeVm);
    }

    @Test
    @DisplayName("KVM_TDX_FINALIZE_VM with no initialised vCPU → EIO, hw_error TDX_NO_VCPUS (uapi §3.2, abi §7.3)")
    void finalizeWithoutVcpus() {
        VmFd vm = host.initializedTd();
        long expected = host.target().module().flatMap(m -> {
            var s = m.findStatus("TDX_NO_VCPUS");
            return s.isPresent() ? java.util.Optional.of(s.getAsLong()) : java.util.Optional.<Long>empty();
        }).orElse(TDX_NO_VCPUS);
        KvmException e = fails(Errno.EIO, "uapi §3.2: TDH.MR.FINALIZE failure other than BUSY → -EIO", vm::tdxFinalizeVm);
        assertThat(e.hwError()).as("hw_error of %s (uapi §3.2: set unconditionally)", e.error().describe()).hasValue(expected);
    }

    @Test
    @DisplayName("KVM_RUN before FINALIZE → EINVAL (uapi §3.3 other ioctls, 6.16 tdx_vcpu_pre_run)")
    void runBeforeFinalize() {
        VmFd vm = host.initializedTd();
        VcpuFd v = host.initializedVcpu(vm);
        fails(Errno.EINVAL, "uapi §3.3: KVM_RUN needs the TD RUNNABLE", v::run);
    }

    @Test
    @DisplayName("an unknown vCPU sub-command id → EINVAL (uapi §3.1)")
    void unknownVcpuCommand() {
        VmFd vm = host.initializedTd();
        VcpuFd v = host.createVcpu(vm);
        fails(Errno.EINVAL, "uapi §3.1: unknown vCPU sub-command", () -> v.memoryEncryptOp(KvmConstants.KVM_TDX_CMD_NR_MAX, 0, 0));
    }
}
