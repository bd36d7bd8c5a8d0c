package org.tdxsim.kvm.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tdxsim.kvm.sim.KvmAsserts.fails;
import static org.tdxsim.kvm.sim.KvmAsserts.raw;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tdxsim.kvm.Kvm;
import org.tdxsim.kvm.VmFd;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.Ioctls;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.module.platform.PlatformProfiles;

/** /dev/kvm ioctls of the simulated kernel (kvm-tdx-uapi.md §1, §3.3 "Other ioctls", §4.2). */
class DevKvmTest {

    @Test
    void apiVersionIs12AndTakesNoArgument() {
        try (SimulatedKernel k = Fixtures.kernel(); Kvm kvm = Kvm.open(k)) {
            assertThat(kvm.getApiVersion()).isEqualTo(KvmConstants.KVM_API_VERSION);
            raw(kvm.rawIoctl(Ioctls.KVM_GET_API_VERSION, 1), Errno.EINVAL);
            assertThat(kvm.getVcpuMmapSize()).isEqualTo(3 * 4096);
            raw(kvm.rawIoctl(Ioctls.KVM_GET_VCPU_MMAP_SIZE, 7), Errno.EINVAL);
        }
    }

    @Test
    void onlyDevKvmCanBeOpened() {
        try (SimulatedKernel k = Fixtures.kernel()) {
            assertThat(k.open("/dev/kvm")).isEqualTo(3);
            assertThat(k.open("/dev/kvm")).as("lowest free fd").isEqualTo(4);
            assertThat(k.open("/dev/sev")).isEqualTo(Errno.ENOENT.negated());
            assertThat(k.close(3)).isZero();
            assertThat(k.close(3)).isEqualTo(Errno.EBADF.negated());
            assertThat(k.open("/dev/kvm")).isEqualTo(3);
            assertThat(k.ioctl(99, Ioctls.KVM_GET_API_VERSION, 0)).isEqualTo(Errno.EBADF.negated());
        }
    }

    /** §1: KVM_CAP_VM_TYPES is a bitmask; TDX (bit 5) only when bring-up enabled it. */
    @ParameterizedTest
    @MethodSource("org.tdxsim.kvm.sim.Fixtures#allCombinations")
    void vmTypesFollowTdxBringup(String combo) {
        String[] pm = combo.split("\\|");
        try (SimulatedKernel k = Fixtures.kernel(pm[1], pm[0]); Kvm kvm = Kvm.open(k)) {
            boolean expectTdx = PlatformProfiles.builtIn(pm[0]).tdxCapable() && Fixtures.KVM_MODULES.contains(pm[1]);
            assertThat(k.tdxEnabled()).as(k.tdxDisabledReason().orElse("")).isEqualTo(expectTdx);
            int types = kvm.checkExtension(KvmConstants.KVM_CAP_VM_TYPES);
            assertThat(types).isEqualTo(expectTdx ? 0b100001 : 0b1);
            if (expectTdx) {
                kvm.createVm(KvmConstants.KVM_X86_TDX_VM).close();
            } else {
                fails(() -> kvm.createVm(KvmConstants.KVM_X86_TDX_VM), Errno.EINVAL, "TDX is not enabled");
            }
        }
    }

    @Test
    void bringupReasonsNameTheMissingFeature() {
        assertThat(Fixtures.kernel("1.0", "granite-rapids-w-xeon-658x").tdxDisabledReason()).get().asString()
                .contains("TDH.SYS.RD");
        assertThat(Fixtures.kernel("1.5.01", "granite-rapids-w-xeon-658x").tdxDisabledReason()).get().asString()
                .contains("TOPOLOGY_ENUM");
        assertThat(Fixtures.kernel("2.0.08", "amd-epyc-9654-genoa").tdxDisabledReason()).get().asString()
                .contains("cannot run the TDX module");
        assertThat(SimulatedKernel.create(SimulatedKernel.Config.defaults().withTdxParam(false)).tdxDisabledReason())
                .contains("kvm_intel.tdx=0");
    }

    /** §1: KVM_CREATE_VM fails -EINVAL unless type < 32 and in supported_vm_types. */
    @Test
    void createVmTypeRules() {
        try (SimulatedKernel k = Fixtures.kernel(); Kvm kvm = Kvm.open(k)) {
            for (long t : List.of(1L, 2L, 3L, 4L, 6L, 31L, 32L, 64L, -1L)) {
                fails(() -> kvm.createVm(t), Errno.EINVAL, "supported_vm_types");
            }
            try (VmFd vm = kvm.createVm(0); VmFd td = kvm.createVm(5)) {
                assertThat(vm.checkExtension(KvmConstants.KVM_CAP_MEMORY_ATTRIBUTES)).isZero();
                assertThat(td.checkExtension(KvmConstants.KVM_CAP_MEMORY_ATTRIBUTES)).isEqualTo(8);
                assertThat(td.checkExtension(KvmConstants.KVM_CAP_GUEST_MEMFD)).isEqualTo(1);
                assertThat(vm.checkExtension(KvmConstants.KVM_CAP_GUEST_MEMFD)).isZero();
                assertThat(kvm.checkExtension(KvmConstants.KVM_CAP_MAX_VCPUS)).isEqualTo(SimulatedKernel.KVM_MAX_VCPUS);
                assertThat(td.checkExtension(KvmConstants.KVM_CAP_MAX_VCPUS))
                        .as("per-VM for TDX: min(KVM_MAX_VCPUS, present CPUs)")
                        .isEqualTo(Math.min(1024, k.config().platform().logicalProcessors()));
                assertThat(td.checkExtension(KvmConstants.KVM_CAP_SPLIT_IRQCHIP)).isEqualTo(1);
                assertThat(td.checkExtension(KvmConstants.KVM_CAP_EXIT_HYPERCALL)).isEqualTo(1 << 12);
                assertThat(td.checkExtension(99999)).isZero();
            }
        }
    }

    /** §4.2: GuestPhysBits = raw MAXPHYADDR, capped at 48 without 5-level TDP; virt_as ≥ 48. */
    @ParameterizedTest
    @MethodSource("org.tdxsim.module.platform.PlatformProfiles#names")
    void supportedCpuidGuestPhysBits(String platform) {
        try (SimulatedKernel k = SimulatedKernel.create(SimulatedKernel.Config.defaults()
                .withPlatform(PlatformProfiles.builtIn(platform))); Kvm kvm = Kvm.open(k)) {
            KvmCpuid2 c = kvm.getSupportedCpuid(256);
            KvmCpuidEntry2 e = c.find(0x80000008, 0).orElseThrow();
            var p = k.config().platform();
            int phys = p.maxPhysAddr();
            assertThat(e.eax() & 0xFF).isEqualTo(phys);
            assertThat((e.eax() >>> 8) & 0xFF).isEqualTo(Math.max(p.linearAddrBits(), 48));
            assertThat((e.eax() >>> 16) & 0xFF).isEqualTo(p.ept5Level() ? phys : Math.min(phys, 48));
            assertThat(c.find(1, 0).orElseThrow().ecx() & (1 << 21)).as("X2APIC").isNotZero();
            assertThat(c.nent()).isEqualTo(c.entries().size());
            assertThat(c.entries()).filteredOn(x -> x.function() == 7)
                    .allMatch(KvmCpuidEntry2::hasSignificantIndex);
        }
    }

    /** §3.3 KVM_GET_SUPPORTED_CPUID: nent < 1 → -E2BIG; too small → -E2BIG; > 256 clamped. */
    @Test
    void supportedCpuidSizeRules() {
        try (SimulatedKernel k = Fixtures.kernel(); Kvm kvm = Kvm.open(k)) {
            int n = kvm.getSupportedCpuid(256).entries().size();
            fails(() -> kvm.getSupportedCpuid(0), Errno.E2BIG, "nent 0");
            fails(() -> kvm.getSupportedCpuid(n - 1), Errno.E2BIG, "the buffer holds " + (n - 1));
            assertThat(kvm.getSupportedCpuid(n).entries()).hasSize(n);
            assertThat(kvm.getSupportedCpuid(1000).nent()).isEqualTo(n);
            try (Arena a = k.memory().openArena()) {
                MemorySegment hdrOnly = a.allocate(8, 8);
                hdrOnly.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, 256);
                raw(kvm.rawIoctl(Ioctls.KVM_GET_SUPPORTED_CPUID, hdrOnly.address()), Errno.EFAULT);
                assertThat(k.lastExplanation(kvm.fd())).get().asString().contains("copy_to_user");
                raw(kvm.rawIoctl(Ioctls.KVM_GET_SUPPORTED_CPUID, 0x1000), Errno.EFAULT);
            }
        }
    }

    /** Ioctls on the wrong fd kind: /dev/kvm -EINVAL, VM -ENOTTY, vCPU -EINVAL, guest_memfd -ENOTTY. */
    @Test
    void wrongFdKinds() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = new QemuFlow(k)) {
            f.createVm().splitIrqchip().capabilities().buildInitCpuid().initVm().vcpus(1).privateMemory(4);
            raw(f.kvm.rawIoctl(Ioctls.KVM_CREATE_VCPU, 0), Errno.EINVAL);
            raw(f.kvm.rawIoctl(Ioctls.KVM_MEMORY_ENCRYPT_OP, 0), Errno.EINVAL);
            raw(f.kvm.rawIoctl(Ioctls.KVM_RUN, 0), Errno.EINVAL);
            raw(f.vm.rawIoctl(Ioctls.KVM_GET_API_VERSION, 0), Errno.ENOTTY);
            raw(f.vm.rawIoctl(Ioctls.KVM_SET_CPUID2, 0), Errno.ENOTTY);
            raw(f.vm.rawIoctl(Ioctls.KVM_GET_SUPPORTED_CPUID, 0), Errno.ENOTTY);
            raw(f.vcpus.getFirst().rawIoctl(Ioctls.KVM_CREATE_VM, 5), Errno.EINVAL);
            raw(f.vcpus.getFirst().rawIoctl(Ioctls.KVM_CREATE_VCPU, 1), Errno.EINVAL);
            raw(f.vcpus.getFirst().rawIoctl(0x5401, 0), Errno.EINVAL);
            raw(f.gmem.rawIoctl(Ioctls.KVM_MEMORY_ENCRYPT_OP, 0), Errno.ENOTTY);
        }
    }
}
