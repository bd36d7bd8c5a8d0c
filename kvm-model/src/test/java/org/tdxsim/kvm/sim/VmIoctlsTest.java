package org.tdxsim.kvm.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tdxsim.kvm.sim.KvmAsserts.fails;
import static org.tdxsim.kvm.sim.KvmAsserts.raw;

import com.google.common.primitives.ImmutableLongArray;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.tdxsim.kvm.GuestMemfd;
import org.tdxsim.kvm.Kvm;
import org.tdxsim.kvm.VcpuFd;
import org.tdxsim.kvm.VmFd;
import org.tdxsim.kvm.uapi.Bytes;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.Ioctls;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCreateGuestMemfd;
import org.tdxsim.kvm.uapi.KvmEnableCap;
import org.tdxsim.kvm.uapi.KvmMemoryAttributes;
import org.tdxsim.kvm.uapi.KvmUserspaceMemoryRegion2;

/** Generic VM-fd ioctls as a TD uses them (kvm-tdx-uapi.md §3.3 "Other ioctls", §6 ordering table). */
class VmIoctlsTest {

    /** §3.3: CREATE_VCPU on a TD before INIT_VM → -EIO; without split irqchip → -EINVAL; after FINALIZE → -EIO. */
    @Test
    void createVcpuFollowsTdState() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = new QemuFlow(k)) {
            f.createVm();
            fails(() -> f.vm.createVcpu(0), Errno.EIO, "after KVM_TDX_INIT_VM");
            f.capabilities().buildInitCpuid().initVm();
            fails(() -> f.vm.createVcpu(0), Errno.EINVAL, "KVM_CAP_SPLIT_IRQCHIP");
            assertThat(k.vmView(f.vm.fd()).orElseThrow().createdVcpus()).as("failed creations are undone").isZero();
            f.splitIrqchip().vcpus(1);
            fails(() -> f.vm.createVcpu(0), Errno.EEXIST, "already exists");
            fails(() -> f.vm.createVcpu(SimulatedKernel.KVM_MAX_VCPU_IDS), Errno.EINVAL, "KVM_MAX_VCPU_IDS");
            f.privateMemory(4);
            f.initMemRegion(1, false);
            f.finalizeVm();
            fails(() -> f.vm.createVcpu(1), Errno.EIO, "RUNNABLE");
        }
    }

    /** The TD's max_vcpus (min(KVM_MAX_VCPUS, present CPUs)) bounds created vCPUs with -EINVAL. */
    @Test
    void maxVcpusIsEnforced() {
        var platform = Fixtures.platform("granite-rapids-w-xeon-658x").toBuilder().logicalProcessors(2).build();
        try (SimulatedKernel k = SimulatedKernel.create(SimulatedKernel.Config.defaults().withPlatform(platform));
             QemuFlow f = new QemuFlow(k)) {
            f.createVm().splitIrqchip().capabilities().buildInitCpuid().initVm();
            assertThat(f.vm.checkExtension(KvmConstants.KVM_CAP_MAX_VCPUS)).isEqualTo(2);
            VcpuFd a = f.vm.createVcpu(0);
            VcpuFd b = f.vm.createVcpu(5);
            fails(() -> f.vm.createVcpu(1), Errno.EINVAL, "max_vcpus (2)");
            a.close();
            b.close();
        }
    }

    /** KVM_ENABLE_CAP(SPLIT_IRQCHIP): flags → -EINVAL, pins > 4096 → -EINVAL, twice → -EEXIST. */
    @Test
    void splitIrqchipRules() {
        try (SimulatedKernel k = Fixtures.kernel(); Kvm kvm = Kvm.open(k); VmFd vm = kvm.createVm(5)) {
            fails(() -> vm.enableCap(new KvmEnableCap(KvmConstants.KVM_CAP_SPLIT_IRQCHIP, 1,
                    ImmutableLongArray.of(24, 0, 0, 0), Bytes.zeros(64))), Errno.EINVAL, "flags");
            fails(() -> vm.enableSplitIrqchip(4097), Errno.EINVAL, "4097");
            vm.enableSplitIrqchip(24);
            fails(() -> vm.enableSplitIrqchip(24), Errno.EEXIST, "already");
            fails(() -> vm.enableCap(KvmEnableCap.of(12345)), Errno.EINVAL, "capability 12345");
            assertThat(k.vmView(vm.fd()).orElseThrow().splitIrqchip()).isTrue();
        }
    }

    @Test
    void apicBusCyclesCap() {
        try (SimulatedKernel k = Fixtures.kernel(); Kvm kvm = Kvm.open(k); VmFd vm = kvm.createVm(5)) {
            fails(() -> vm.enableCap(KvmEnableCap.of(KvmConstants.KVM_CAP_X86_APIC_BUS_CYCLES_NS, 40)), Errno.ENXIO,
                    "local APIC");
            vm.enableSplitIrqchip(24);
            fails(() -> vm.enableCap(KvmEnableCap.of(KvmConstants.KVM_CAP_X86_APIC_BUS_CYCLES_NS, 0)), Errno.EINVAL);
            vm.enableCap(KvmEnableCap.of(KvmConstants.KVM_CAP_X86_APIC_BUS_CYCLES_NS, 40));
        }
    }

    /** KVM_SET_TSC_KHZ (VM): before any vCPU; 0 = host; reaches TD_PARAMS.TSC_FREQUENCY in 25 MHz units. */
    @Test
    void tscKhz() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = new QemuFlow(k)) {
            f.createVm().splitIrqchip();
            f.vm.setTscKhz(2_500_000);
            assertThat(k.vmView(f.vm.fd()).orElseThrow().defaultTscKhz()).isEqualTo(2_500_000);
            f.vm.setTscKhz(0);
            assertThat(k.vmView(f.vm.fd()).orElseThrow().defaultTscKhz()).isEqualTo(k.config().platform().tscHz() / 1000);
            fails(() -> f.vm.setTscKhz(0xFFFF_FFFFL), Errno.EINVAL, "maximum guest TSC");
            f.capabilities().buildInitCpuid().initVm().vcpus(1);
            fails(() -> f.vm.setTscKhz(2_000_000), Errno.EINVAL, "before any vCPU");
        }
    }

    /**
     * KVM_GET_TSC_KHZ ({@code _IO(KVMIO, 0xa3)}, x86.c): on the VM fd {@code kvm->arch.default_tsc_khz} —
     * the host's kHz after KVM_CREATE_VM, whatever KVM_SET_TSC_KHZ stored since; on a vCPU fd that vCPU's
     * {@code virtual_tsc_khz}, fixed from the VM default when it was created (kvm_arch_vcpu_create →
     * kvm_set_tsc_khz). The argument is ignored. /dev/kvm has no such ioctl (-EINVAL).
     */
    @Test
    void getTscKhz() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = new QemuFlow(k)) {
            long host = k.config().platform().tscHz() / 1000;
            f.createVm().splitIrqchip();
            assertThat(f.vm.getTscKhz()).isEqualTo(host);
            f.vm.setTscKhz(2_500_000);
            assertThat(f.vm.getTscKhz()).isEqualTo(2_500_000);
            assertThat(f.vm.rawIoctl(Ioctls.KVM_GET_TSC_KHZ, 0xDEAD)).as("argument ignored").isEqualTo(2_500_000);
            f.capabilities().buildInitCpuid().initVm().vcpus(2);
            assertThat(f.vcpus).allSatisfy(v -> assertThat(v.getTscKhz()).isEqualTo(2_500_000));
            assertThat(f.vm.getTscKhz()).isEqualTo(2_500_000);
            raw(f.kvm.rawIoctl(Ioctls.KVM_GET_TSC_KHZ, 0), Errno.EINVAL);
        }
        try (SimulatedKernel k = Fixtures.kernel(); Kvm kvm = Kvm.open(k); VmFd vm = kvm.createVm(0)) {
            long host = k.config().platform().tscHz() / 1000;
            try (VcpuFd v = vm.createVcpu(0)) {
                assertThat(vm.getTscKhz()).isEqualTo(host);
                assertThat(v.getTscKhz()).isEqualTo(host);
            }
        }
    }

    /** A TSC the module rejects (below 100 MHz = 4 × 25 MHz) comes back as -EINVAL + hw_error TSC_FREQUENCY. */
    @Test
    void tscOutOfModuleRangeIsAnOperandInvalid() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = new QemuFlow(k)) {
            f.createVm().splitIrqchip().capabilities().buildInitCpuid();
            f.vm.setTscKhz(75_000);
            var e = fails(() -> f.vm.tdxInitVm(f.initVmRequest()), Errno.EINVAL, "TDH.MNG.INIT rejected TD_PARAMS");
            assertThat(e.hwError()).hasValue(0xC000010000000046L);
            assertThat(e.hwErrorName()).get().asString().contains("TSC_FREQUENCY");
        }
    }

    /** guest_memfd creation: flags must be 0, size positive and page aligned. */
    @Test
    void guestMemfdCreation() {
        try (SimulatedKernel k = Fixtures.kernel(); Kvm kvm = Kvm.open(k); VmFd vm = kvm.createVm(5)) {
            fails(() -> vm.createGuestMemfd(KvmCreateGuestMemfd.of(4096, 1)), Errno.EINVAL, "flags");
            fails(() -> vm.createGuestMemfd(0), Errno.EINVAL, "size");
            fails(() -> vm.createGuestMemfd(4097), Errno.EINVAL, "page aligned");
            try (GuestMemfd g = vm.createGuestMemfd(1 << 20)) {
                assertThat(g.fd()).isGreaterThan(vm.fd());
            }
        }
    }

    /** KVM_SET_USER_MEMORY_REGION2 checks (kvm_set_memory_region, kvm_gmem_bind). */
    @Test
    void memoryRegionRules() {
        try (SimulatedKernel k = Fixtures.kernel(); Kvm kvm = Kvm.open(k); VmFd vm = kvm.createVm(5);
             VmFd other = kvm.createVm(5); GuestMemfd g = vm.createGuestMemfd(1 << 20);
             GuestMemfd og = other.createGuestMemfd(1 << 20); Arena a = k.memory().openArena()) {
            long ua = a.allocate(1 << 20, 4096).address();
            int gm = KvmConstants.KVM_MEM_GUEST_MEMFD;
            fails(() -> vm.setUserMemoryRegion2(KvmUserspaceMemoryRegion2.of(0, 1 << 1, 0, 4096, ua, 0, 0)),
                    Errno.EINVAL, "flags");
            fails(() -> vm.setUserMemoryRegion2(KvmUserspaceMemoryRegion2.of(0, gm | 1, 0, 4096, ua, 0, g.fd())),
                    Errno.EINVAL, "flags");
            fails(() -> vm.setUserMemoryRegion2(KvmUserspaceMemoryRegion2.of(0, gm, 0, 4095, ua, 0, g.fd())),
                    Errno.EINVAL, "memory_size");
            fails(() -> vm.setUserMemoryRegion2(KvmUserspaceMemoryRegion2.of(0, gm, 0x800, 4096, ua, 0, g.fd())),
                    Errno.EINVAL, "guest_phys_addr");
            fails(() -> vm.setUserMemoryRegion2(KvmUserspaceMemoryRegion2.of(0, gm, 0, 4096, ua + 1, 0, g.fd())),
                    Errno.EINVAL, "userspace_addr");
            fails(() -> vm.setUserMemoryRegion2(KvmUserspaceMemoryRegion2.of(0, gm, 0, 4096, ua, 100, g.fd())),
                    Errno.EINVAL, "guest_memfd_offset");
            fails(() -> vm.setUserMemoryRegion2(KvmUserspaceMemoryRegion2.of(1 << 16, gm, 0, 4096, ua, 0, g.fd())),
                    Errno.EINVAL, "address space");
            fails(() -> vm.setUserMemoryRegion2(KvmUserspaceMemoryRegion2.of(0, gm, 0, 4096, ua, 0, 77)),
                    Errno.EBADF, "not an open fd");
            fails(() -> vm.setUserMemoryRegion2(KvmUserspaceMemoryRegion2.of(0, gm, 0, 4096, ua, 0, vm.fd())),
                    Errno.EINVAL, "not a guest_memfd");
            fails(() -> vm.setUserMemoryRegion2(KvmUserspaceMemoryRegion2.of(0, gm, 0, 4096, ua, 0, og.fd())),
                    Errno.EINVAL, "another VM");
            fails(() -> vm.setUserMemoryRegion2(KvmUserspaceMemoryRegion2.of(0, gm, 0, 2 << 20, ua, 0, g.fd())),
                    Errno.EINVAL, "exceeds its size");
            fails(() -> vm.setUserMemoryRegion2(KvmUserspaceMemoryRegion2.of(0, 0, 0, 0, ua, 0, 0)),
                    Errno.EINVAL, "does not exist");
            vm.setUserMemoryRegion2(KvmUserspaceMemoryRegion2.of(0, gm, 0, 8192, ua, 0, g.fd()));
            fails(() -> vm.setUserMemoryRegion2(KvmUserspaceMemoryRegion2.of(1, gm, 4096, 8192, ua, 8192, g.fd())),
                    Errno.EEXIST, "overlaps slot 0");
            fails(() -> vm.setUserMemoryRegion2(KvmUserspaceMemoryRegion2.of(1, gm, 0x10000, 4096, ua, 4096, g.fd())),
                    Errno.EINVAL, "already bound");
            fails(() -> vm.setUserMemoryRegion2(KvmUserspaceMemoryRegion2.of(0, gm, 0x10000, 8192, ua, 0, g.fd())),
                    Errno.EINVAL, "can only be deleted");
            vm.setUserMemoryRegion2(KvmUserspaceMemoryRegion2.of(0, 0, 0, 0, ua, 0, 0));
            vm.setUserMemoryRegion2(KvmUserspaceMemoryRegion2.of(0, gm, 0x10000, 8192, ua, 0, g.fd()));
        }
    }

    /** KVM_SET_MEMORY_ATTRIBUTES (kvm_vm_ioctl_set_mem_attributes). */
    @Test
    void memoryAttributeRules() {
        try (SimulatedKernel k = Fixtures.kernel(); Kvm kvm = Kvm.open(k); VmFd td = kvm.createVm(5); VmFd vm = kvm.createVm(0)) {
            long p = KvmConstants.KVM_MEMORY_ATTRIBUTE_PRIVATE;
            fails(() -> td.setMemoryAttributes(new KvmMemoryAttributes(0, 4096, p, 1)), Errno.EINVAL, "flags");
            fails(() -> td.setMemoryAttributes(new KvmMemoryAttributes(0, 4096, 1, 0)), Errno.EINVAL, "not supported");
            fails(() -> vm.setMemoryAttributes(new KvmMemoryAttributes(0, 4096, p, 0)), Errno.EINVAL, "supported 0x0");
            fails(() -> td.setMemoryAttributes(new KvmMemoryAttributes(0, 0, p, 0)), Errno.EINVAL, "empty");
            fails(() -> td.setMemoryAttributes(new KvmMemoryAttributes(-4096, 8192, p, 0)), Errno.EINVAL, "wraps");
            fails(() -> td.setMemoryAttributes(new KvmMemoryAttributes(100, 4096, p, 0)), Errno.EINVAL, "page aligned");
            td.setMemoryAttributes(new KvmMemoryAttributes(0, 1 << 20, p, 0));
            td.setMemoryAttributes(new KvmMemoryAttributes(0, 4096, 0, 0));
        }
    }

    /** Struct ioctls with a pointer outside user memory → -EFAULT, with the reason. */
    @Test
    void badPointersFault() {
        try (SimulatedKernel k = Fixtures.kernel(); Kvm kvm = Kvm.open(k); VmFd vm = kvm.createVm(5);
             Arena a = k.memory().openArena()) {
            for (long req : new long[] {Ioctls.KVM_ENABLE_CAP, Ioctls.KVM_SET_USER_MEMORY_REGION2,
                    Ioctls.KVM_CREATE_GUEST_MEMFD, Ioctls.KVM_SET_MEMORY_ATTRIBUTES, Ioctls.KVM_MEMORY_ENCRYPT_OP}) {
                raw(vm.rawIoctl(req, 0), Errno.EFAULT);
                MemorySegment shortBuf = a.allocate(Ioctls.size(req) == 8 ? 16 : Ioctls.size(req) - 8, 8);
                raw(vm.rawIoctl(req, shortBuf.address()), Errno.EFAULT);
                assertThat(k.lastExplanation(vm.fd())).get().asString().contains("copy_from_user");
            }
        }
    }

    /** Non-TD VMs: KVM_MEMORY_ENCRYPT_OP on the VM fd is -ENOTTY, on a vCPU fd -EINVAL (§3.1). */
    @Test
    void encryptOpOnNonTd() {
        try (SimulatedKernel k = Fixtures.kernel(); Kvm kvm = Kvm.open(k); VmFd vm = kvm.createVm(0); VcpuFd v = vm.createVcpu(0)) {
            fails(() -> vm.tdxCapabilities(64), Errno.ENOTTY, "not a TD");
            fails(() -> v.tdxInitVcpu(0), Errno.EINVAL, "non-TD");
            fails(v::run, Errno.EOPNOTSUPP, "not simulated");
        }
    }
}
