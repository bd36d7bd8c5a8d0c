package org.tdxsim.kvm.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tdxsim.kvm.sim.KvmAsserts.fails;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tdxsim.kvm.KvmException;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.module.platform.PlatformProfiles;

/**
 * The QEMU-style flow (kvm-tdx-uapi.md §7.1, §9) end to end on every shipped platform × module
 * version: CAPABILITIES with doubling, INIT_VM with the filtered KVM_GET_SUPPORTED_CPUID, per vCPU
 * CREATE_VCPU → GET_CPUID → SET_CPUID2 → INIT_VCPU, guest_memfd + memslot + PRIVATE →
 * INIT_MEM_REGION with MEASURE → FINALIZE → close. Where KVM leaves TDX disabled, KVM_CREATE_VM(TDX)
 * is -EINVAL instead.
 */
class FlowMatrixTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.tdxsim.kvm.sim.Fixtures#allCombinations")
    void qemuFlow(String combo) {
        String[] pm = combo.split("\\|");
        try (SimulatedKernel k = Fixtures.kernel(pm[1], pm[0])) {
            boolean tdx = PlatformProfiles.builtIn(pm[0]).tdxCapable() && Fixtures.KVM_MODULES.contains(pm[1]);
            assertThat(k.tdxEnabled()).isEqualTo(tdx);
            if (!tdx) {
                try (QemuFlow f = new QemuFlow(k)) {
                    fails(f::createVm, Errno.EINVAL, "TDX is not enabled");
                }
                return;
            }
            var module = k.module().orElseThrow();
            int pagesBefore = module.memory().allocatedPages();
            try (QemuFlow f = new QemuFlow(k)) {
                // Linux issues TDH.VP.INIT version 1 (x2APIC id in R8) on every module with TOPOLOGY_ENUM.
                f.createVm().splitIrqchip().capabilities().buildInitCpuid().initVm().vcpus(2);
                int gpaBits = (f.initCpuid.find(0x80000008, 0).orElseThrow().eax() >>> 16) & 0xFF;
                var p = k.config().platform();
                assertThat(gpaBits).isEqualTo(p.ept5Level() && p.maxPhysAddr() >= 52 ? 52 : 48);
                assertThat(k.vmView(f.vm.fd()).orElseThrow().sharedBit()).isEqualTo(gpaBits - 1);
                KvmCpuid2 td = f.vcpus.get(1).getCpuid2(256);
                assertThat((td.find(0x80000008, 0).orElseThrow().eax() >>> 16) & 0xFF)
                        .as("GET_CPUID synthesizes GuestPhysBits back (§4.4)").isEqualTo(gpaBits);
                f.privateMemory(16);
                f.initMemRegion(8, true);
                f.finalizeVm();
                assertThat(k.vmView(f.vm.fd()).orElseThrow().tdState()).isEqualTo("RUNNABLE");
                assertThat(f.vm.checkExtension(KvmConstants.KVM_CAP_VM_TYPES)).isEqualTo(0b100001);
            }
            assertThat(k.keyidsInUse()).isZero();
            assertThat(module.liveTds()).isZero();
            assertThat(module.memory().allocatedPages()).isEqualTo(pagesBefore);
        }
    }
}
