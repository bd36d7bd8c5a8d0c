package org.tdxsim.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.tdxsim.conformance.KvmAssert.failsInKvm;
import static org.tdxsim.conformance.KvmAssert.succeeds;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.tdxsim.kvm.KvmException;
import org.tdxsim.kvm.QemuProtocols;
import org.tdxsim.kvm.VcpuFd;
import org.tdxsim.kvm.VmFd;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;

/**
 * The GPAW / EPT-level decision on this host (uapi §4.1–§4.4, abi §3.5, §3.6): GuestPhysBits 48 →
 * GPAW 0, 4-level EPT, shared bit 47; 52 → GPAW 1, 5-level EPT, shared bit 51, only with 5-level EPT;
 * KVM_TDX_GET_CPUID reports back the width that was chosen.
 */
@DisplayName("GpawChecks")
public class GpawChecks extends TargetedChecks {

    @Test
    @DisplayName("GuestPhysBits 48 → GPAW 0, 4-level EPT, GET_CPUID reports 48 (uapi §4.1, §4.4; abi §3.6)")
    void guestPhysBits48IsGpaw0() {
        VmFd vm = host.initializedTd(48);
        assertGpaw(vm, 48, 0, 4);
    }

    @Test
    @DisplayName("GuestPhysBits 52 with 5-level EPT → GPAW 1, 5-level EPT, GET_CPUID reports 52 (uapi §4.1, §4.4)")
    void guestPhysBits52IsGpaw1() {
        host.assumeTdx();
        host.assumeEpt5Level(true);
        VmFd vm = host.initializedTd(52);
        assertGpaw(vm, 52, 1, 5);
    }

    @Test
    @DisplayName("GuestPhysBits 52 without 5-level EPT → EINVAL from KVM (uapi §4.1)")
    void guestPhysBits52Without5LevelRefused() {
        host.assumeTdx();
        host.assumeEpt5Level(false);
        VmFd vm = host.createTd();
        failsInKvm(Errno.EINVAL, "uapi §4.1: 52 without host 5-level EPT", () -> vm.tdxInitVm(host.request(52)));
    }

    @Test
    @DisplayName("EAX[7:0] is not consulted: GPAW follows EAX[23:16] whatever MAXPHYADDR is requested (uapi §4.1)")
    void maxPhysAddrNotConsulted() {
        KvmCpuidEntry2 caps = host.capsEntry(Host.LEAF_ADDR_WIDTHS, 0).orElseThrow();
        assumeTrue((caps.eax() & 0xFF) == 0xFF, String.format(
                "the module does not let EAX[7:0] be configured (0x80000008 EAX mask 0x%08x, abi §5.6)", caps.eax()));
        VmFd vm48 = host.createTd();
        succeeds("GuestPhysBits 48 with EAX[7:0] 52",
                () -> vm48.tdxInitVm(host.request(List.of(Host.addrWidths(48, 52)))));
        assertGpaw(vm48, 48, 0, 4);
        if (host.ept5Level().orElse(false)) {
            VmFd vm52 = host.createTd();
            succeeds("GuestPhysBits 52 with EAX[7:0] 48",
                    () -> vm52.tdxInitVm(host.request(List.of(Host.addrWidths(52, 48)))));
            assertGpaw(vm52, 52, 1, 5);
        }
    }

    @Test
    @Finding("what KVM_GET_SUPPORTED_CPUID advertises as GuestPhysBits is not always accepted by KVM_TDX_INIT_VM")
    @DisplayName("the GuestPhysBits KVM_GET_SUPPORTED_CPUID advertises is accepted by KVM_TDX_INIT_VM (uapi §4.2, §7.2)")
    void advertisedGuestPhysBitsAccepted() {
        host.assumeTdx();
        Optional<Integer> eax = host.supportedAddrWidthsEax();
        assumeTrue(eax.isPresent(), "KVM_GET_SUPPORTED_CPUID lists no leaf 0x80000008");
        int advertised = (eax.get() >>> 16) & 0xFF;
        VmFd vm = host.createTd();
        try {
            vm.tdxInitVm(host.request(advertised));
        } catch (KvmException e) {
            throw new FindingException(
                    "KVM_GET_SUPPORTED_CPUID advertises GuestPhysBits " + advertised
                            + ", which KVM_TDX_INIT_VM refuses (uapi §4.2 derived: hosts with MAXPHYADDR < 48)",
                    String.format("host %s, KVM_GET_SUPPORTED_CPUID 0x80000008 EAX 0x%08x → INIT_VM %s",
                            host.target().name(), eax.get(), e.error().describe()), e);
        }
        assertGpaw(vm, advertised, advertised == 52 ? 1 : 0, advertised == 52 ? 5 : 4);
    }

    /**
     * The chosen width as the typed client sees it — KVM_TDX_GET_CPUID's 0x80000008 EAX[23:16] is 48 or
     * 52 from the shared bit (uapi §4.4) — and, where readable, as the module stored it (TDCS.GPAW and
     * TDCS.EPTP page-walk length, abi §3.5, §3.6, §6.5).
     */
    private void assertGpaw(VmFd vm, int guestPhysBits, int gpaw, int eptLevels) {
        VcpuFd v = host.createVcpu(vm);
        KvmCpuidEntry2 e = QemuProtocols.tdxGetCpuid(v).find(Host.LEAF_ADDR_WIDTHS, 0)
                .orElseThrow(() -> new AssertionError("KVM_TDX_GET_CPUID lists no 0x80000008 (uapi §4.4)"));
        assertThat((e.eax() >>> 16) & 0xFF).as("KVM_TDX_GET_CPUID 0x80000008 EAX[23:16] (uapi §4.4)")
                .isEqualTo(guestPhysBits);
        host.tdcs(vm).ifPresent(t -> {
            assertThat(t.gpaw()).as("TDCS.GPAW (abi §3.6)").isEqualTo(gpaw);
            assertThat(t.eptLevels()).as("TDCS.EPTP page-walk levels (abi §3.5)").isEqualTo(eptLevels);
            assertThat(t.configFlags() & 1).as("TDCS.CONFIG_FLAGS.GPAW (abi §3.6)").isEqualTo((long) gpaw);
            if (t.kernelSharedBit() >= 0) {
                assertThat(t.kernelSharedBit()).as("KVM's shared bit (uapi §3.3 INIT_VM step 9)")
                        .isEqualTo(gpaw == 1 ? 51 : 47);
            }
        });
    }
}
