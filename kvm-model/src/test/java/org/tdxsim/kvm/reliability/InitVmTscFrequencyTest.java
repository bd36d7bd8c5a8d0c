package org.tdxsim.kvm.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.tdxsim.kvm.KvmException;
import org.tdxsim.kvm.sim.SimulatedKernel;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.module.TdxModule;

/**
 * Regression (found by {@link IoctlFuzzTest}, input #727,329 of the 1,000,000-input run): a VM-wide
 * KVM_SET_TSC_KHZ that KVM accepts (below {@code max_guest_tsc_khz}) but whose 25 MHz count does not fit
 * TD_PARAMS.TSC_FREQUENCY made KVM_TDX_INIT_VM throw an IllegalArgumentException out of the simulated
 * kernel. KVM stores {@code default_tsc_khz / 25000} into the {@code u16} field (kvm-tdx-uapi.md §2
 * internal {@code struct td_params}), i.e. the low 16 bits, and TDH.MNG.INIT rejects the value
 * (abi §4.1, TSC_FREQUENCY range) → -EINVAL with {@code hw_error} = TDX_OPERAND_INVALID|TSC_FREQUENCY
 * (§3.2). The VM stays UNINITIALIZED with no KeyID.
 */
class InitVmTscFrequencyTest {

    private static void initVmFailsOnTsc(long khz) {
        SimulatedKernel k = TdFlow.kernel();
        TdxModule m = TdFlow.module(k);
        try (TdFlow f = new TdFlow(k).createVm()) {
            f.vm.setTscKhz(khz);
            assertThatThrownBy(f::initVm).isInstanceOfSatisfying(KvmException.class, e -> {
                assertThat(e.is(Errno.EINVAL)).as("%s", e).isTrue();
                assertThat(e.hwError()).hasValue(m.profile().status("TDX_OPERAND_INVALID", "TSC_FREQUENCY"));
            });
            assertThat(k.vmView(f.vm.fd()).orElseThrow().tdState()).isEqualTo("UNINITIALIZED");
            assertThat(k.keyidsInUse()).isZero();
        }
        IoctlFuzzTest.assertClean(k, "after the refused INIT_VM");
    }

    @Test
    void tscAboveTheU16RangeIsTruncatedAndRefusedByTheModule() {
        initVmFailsOnTsc(4_294_000_000L); // 171,760 × 25 MHz → low 16 bits 40,688
    }

    @Test
    void tscBelowTheModulesMinimumIsRefused() {
        initVmFailsOnTsc(50_000); // 2 × 25 MHz
    }

    @Test
    void aTscInRangeIsAccepted() {
        SimulatedKernel k = TdFlow.kernel();
        try (TdFlow f = new TdFlow(k).createVm()) {
            f.vm.setTscKhz(2_500_000);
            f.initVm();
            assertThat(k.vmView(f.vm.fd()).orElseThrow().tdState()).isEqualTo("INITIALIZED");
        }
        IoctlFuzzTest.assertClean(k, "after the TD was closed");
    }
}
