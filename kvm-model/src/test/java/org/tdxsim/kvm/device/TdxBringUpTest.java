package org.tdxsim.kvm.device;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.primitives.ImmutableLongArray;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tdxsim.kvm.Backends;
import org.tdxsim.kvm.sim.SimulatedKernel;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.kvm.uapi.KvmTdxCapabilities;
import org.tdxsim.kvm.uapi.KvmTdxInitVm;

/**
 * The KVM_TDX_INIT_VM recipe of the bring-up flow (selftests' recipe, uapi §7.2): leaves are the
 * capabilities' leaves that KVM supports, values are KVM's ANDed with the configurable masks, flags
 * come from KVM's entry (so KVM's lookup honours sub-leaves), 0x80000008 EAX[23:16] is 48 or 52
 * (§4.1), attributes ⊆ {SEPT_VE_DISABLE} ∩ supported, XFAM = KVM's XCR0|XSS ∩ supported_xfam (§5.2).
 */
class TdxBringUpTest {

    private static final int SIG = KvmConstants.KVM_CPUID_FLAG_SIGNIFCANT_INDEX;

    private static KvmTdxCapabilities caps(long attrs, long xfam, List<KvmCpuidEntry2> masks) {
        return new KvmTdxCapabilities(attrs, xfam, 0, 2, 0, 0, ImmutableLongArray.copyOf(new long[250]),
                KvmCpuid2.of(masks));
    }

    private static final KvmCpuid2 SUPPORTED = KvmCpuid2.of(List.of(
            new KvmCpuidEntry2(1, 0, 0, 0x806F8, 0x800, 0xFFFF_FFFF, 0xFFFF_FFFF),
            new KvmCpuidEntry2(7, 0, SIG, 1, 0xF0F0_F0F0, 0xFF, 0),
            new KvmCpuidEntry2(7, 1, SIG, 0x30, 0, 0, 0),
            new KvmCpuidEntry2(0xD, 0, SIG, 0x2E7, 0, 0, 0),
            new KvmCpuidEntry2(0xD, 1, SIG, 0xF, 0, 0x1800, 0),
            new KvmCpuidEntry2(0x8000_0008, 0, 0, 52 | 57 << 8 | 52 << 16, 0, 0, 0)));

    @Test
    void initVmFiltersMasksAndSetsGuestPhysBits() {
        KvmTdxCapabilities c = caps(TdxBringUp.TD_ATTR_SEPT_VE_DISABLE | 1L << 30, 0x61AE7L, List.of(
                new KvmCpuidEntry2(7, 0, 0, 0, 0x0000_FFFF, 0, 0),
                new KvmCpuidEntry2(7, 1, 0, 0x10, 0, 0, 0),
                new KvmCpuidEntry2(0x1C, 0, 0, 0xFFFF_FFFF, 0, 0, 0), // KVM does not support it: dropped
                new KvmCpuidEntry2(0x8000_0008, 0, 0, 0x00FF_0000, 0, 0, 0)));
        KvmTdxInitVm init = TdxBringUp.initVm(c, SUPPORTED);
        assertThat(init.attributes()).isEqualTo(TdxBringUp.TD_ATTR_SEPT_VE_DISABLE);
        assertThat(init.xfam()).isEqualTo((0x2E7L | 0x1800L) & 0x61AE7L);
        assertThat(init.cpuid().entries()).containsExactly(
                new KvmCpuidEntry2(7, 0, SIG, 0, 0x0000_F0F0, 0, 0),
                new KvmCpuidEntry2(7, 1, SIG, 0x10, 0, 0, 0),
                new KvmCpuidEntry2(0x8000_0008, 0, 0, 52 << 16, 0, 0, 0));
        assertThat(init.mrconfigid().asList()).containsOnly(0L);
        assertThat(init.reserved().asList()).containsOnly(0L);
    }

    /** On the simulated kernel (default: newest module, TDX-capable platform) the build reaches FINALIZE. */
    @Test
    void completesOnTheSimulatedKernel() {
        try (SimulatedKernel sim = Backends.simulated()) {
            TdxBringUp.Outcome o = TdxBringUp.run(sim, new TdxBringUp.Options(2, 4L << 20, 0x1000));
            assertThat(o).as(TdxBringUp.report(o).toString()).isInstanceOf(TdxBringUp.Finalized.class);
            assertThat(o.steps()).extracting(TdxBringUp.Step::call).containsExactly(
                    "KVM_CHECK_EXTENSION(KVM_CAP_VM_TYPES)", "KVM_GET_SUPPORTED_CPUID", "KVM_CREATE_VM(KVM_X86_TDX_VM)",
                    "KVM_TDX_CAPABILITIES", "KVM_CHECK_EXTENSION(KVM_CAP_MAX_VCPUS) on the VM",
                    "KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP)", "KVM_TDX_INIT_VM", "vCPU 0", "vCPU 1",
                    "KVM_CREATE_GUEST_MEMFD", "KVM_SET_USER_MEMORY_REGION2", "KVM_SET_MEMORY_ATTRIBUTES(PRIVATE)",
                    "KVM_TDX_INIT_MEM_REGION", "KVM_TDX_FINALIZE_VM");
            assertThat(o.steps().get(0).result()).isEqualTo("{DEFAULT, TDX}");
        }
    }

    /** kvm_intel.tdx=N on the simulated host: the flow stops where real KVM refuses, with EINVAL. */
    @Test
    void stopsAtCreateVmWhenTheSimulatedHostHasTdxOff() {
        try (SimulatedKernel sim = Backends.simulated(SimulatedKernel.Config.defaults().withTdxParam(false))) {
            TdxBringUp.Outcome o = TdxBringUp.run(sim, TdxBringUp.Options.defaults());
            assertThat(o).isInstanceOfSatisfying(TdxBringUp.Stopped.class, s -> {
                assertThat(s.failedCall()).isEqualTo("KVM_CREATE_VM(KVM_X86_TDX_VM)");
                assertThat(s.reason()).startsWith("KVM_CREATE_VM: EINVAL");
            });
        }
    }

    @Test
    void guestPhysBitsFallsBackTo48AndTheLeafIsAlwaysPresent() {
        KvmCpuid2 noTdp = KvmCpuid2.of(List.of(new KvmCpuidEntry2(0x8000_0008, 0, 0, 46 | 48 << 8, 0, 0, 0)));
        KvmTdxInitVm init = TdxBringUp.initVm(caps(0, 0, List.of()), noTdp);
        assertThat(init.attributes()).isZero();
        assertThat(init.xfam()).isZero();
        assertThat(init.cpuid().entries()).containsExactly(new KvmCpuidEntry2(0x8000_0008, 0, 0, 48 << 16, 0, 0, 0));
    }
}
