package org.tdxsim.kvm.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tdxsim.kvm.sim.KvmAsserts.fails;

import org.junit.jupiter.api.Test;
import org.tdxsim.kvm.KvmException;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.KvmTdxCmd;
import org.tdxsim.kvm.uapi.KvmTdxCmdId;

/** KVM_TDX_FINALIZE_VM (kvm-tdx-uapi.md §3.2, §3.3). */
class FinalizeTest {

    @Test
    void beforeInitVmAndTwice() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = new QemuFlow(k).createVm().splitIrqchip()) {
            fails(f.vm::tdxFinalizeVm, Errno.EINVAL, "UNINITIALIZED");
        }
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = new QemuFlow(k).all(1)) {
            fails(f.vm::tdxFinalizeVm, Errno.EINVAL, "RUNNABLE");
            assertThat(k.vmView(f.vm.fd()).orElseThrow().bugged()).isEmpty();
        }
    }

    /** flags and data are not checked (§1 table: "not checked in code"); success writes hw_error 0 back. */
    @Test
    void flagsNotCheckedAndHwErrorZeroOnSuccess() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = MemRegionTest.ready(k)) {
            f.initMemRegion(1, true);
            KvmTdxCmd after = f.vm.memoryEncryptOp(KvmTdxCmdId.KVM_TDX_FINALIZE_VM.id(), 7, 0xDEAD);
            assertThat(after.hwError()).isZero();
            assertThat(k.vmView(f.vm.fd()).orElseThrow().tdState()).isEqualTo("RUNNABLE");
        }
    }

    /**
     * §3.2: a TDH.MR.FINALIZE failure other than BUSY → -EIO, hw_error = the status, VM bugged. A TD
     * without vCPUs gets TDX_NO_VCPUS from the module (1.5+).
     */
    @Test
    void moduleFailureBugsTheVm() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = InitVmTest.ready(k).initVm()) {
            KvmException e = fails(f.vm::tdxFinalizeVm, Errno.EIO, "TDH.MR.FINALIZE failed");
            assertThat(e.hwErrorName()).get().asString().startsWith("TDX_NO_VCPUS");
            assertThat(e.hwError()).hasValue(k.config().module().status("TDX_NO_VCPUS"));
            assertThat(k.vmView(f.vm.fd()).orElseThrow().bugged()).isPresent();
            fails(() -> f.vm.createVcpu(0), Errno.EIO, "the VM is dead");
        }
    }
}
