package org.tdxsim.kvm.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import java.lang.foreign.MemorySegment;
import org.tdxsim.kvm.GuestMemfd;
import org.tdxsim.kvm.Kvm;
import org.tdxsim.kvm.KvmException;
import org.tdxsim.kvm.VcpuFd;
import org.tdxsim.kvm.VmFd;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.kvm.uapi.KvmMemoryAttributes;
import org.tdxsim.kvm.uapi.KvmUserspaceMemoryRegion2;

/**
 * The typed client (Kvm → VmFd → VcpuFd) over the device backend on the real /dev/kvm: the uapi
 * codecs read real kernel output, and the results must agree with what the host says about itself.
 */
class DeviceKvmClientTest {

    @BeforeEach
    void needsKvm() {
        RealKvm.assumeAccessible();
    }

    @Test
    void apiVersionAndVmTypes() {
        try (DeviceBackend b = new DeviceBackend(); Kvm kvm = Kvm.open(b)) {
            assertThat(kvm.getApiVersion()).isEqualTo(KvmConstants.KVM_API_VERSION);
            long mask = Integer.toUnsignedLong(kvm.checkExtension(KvmConstants.KVM_CAP_VM_TYPES));
            assertThat(VmType.decode(mask)).contains(VmType.DEFAULT);
            // every set bit below 6 has a name; the description lists exactly the decoded set
            assertThat(VmType.describe(mask & 0x3F)).isEqualTo(VmType.decode(mask).stream().map(Enum::name)
                    .reduce((a, c) -> a + ", " + c).map(s -> "{" + s + "}").orElse("{}"));
        }
    }

    /**
     * KVM_GET_SUPPORTED_CPUID decoded through the kvm_cpuid2 layout must agree with /proc/cpuinfo where
     * KVM passes values through: the vendor string of leaf 0, the family/model/stepping of leaf 1
     * EAX; KVM's max basic leaf is at most the host's cpuid level; every entry lies inside the basic,
     * hypervisor (0x4000_00xx) or extended range KVM announces, and nent is at most 256 (uapi §1).
     */
    @Test
    void supportedCpuidAgreesWithTheHost() {
        CpuInfo host = CpuInfo.read(CpuInfo.PROC_CPUINFO).orElseThrow();
        try (DeviceBackend b = new DeviceBackend(); Kvm kvm = Kvm.open(b)) {
            KvmCpuid2 cpuid = kvm.getSupportedCpuid(KvmConstants.KVM_MAX_CPUID_ENTRIES);
            assertThat(cpuid.nentUnsigned()).isBetween(2L, (long) KvmConstants.KVM_MAX_CPUID_ENTRIES);
            assertThat(cpuid.entries()).hasSize(cpuid.nent());
            KvmCpuidEntry2 leaf0 = cpuid.find(0, 0).orElseThrow();
            assertThat(HostProbe.vendorString(leaf0.ebx(), leaf0.edx(), leaf0.ecx())).isEqualTo(host.vendorId());
            assertThat(leaf0.eax()).isBetween(1, host.cpuidLevel().orElseThrow());
            int[] fms = HostProbe.familyModelStepping(cpuid.find(1, 0).orElseThrow().eax());
            assertThat(fms).containsExactly(host.family().orElseThrow(), host.model().orElseThrow(),
                    host.stepping().orElseThrow());
            int maxExt = cpuid.find(0x8000_0000, 0).orElseThrow().eax();
            assertThat(Integer.compareUnsigned(maxExt, 0x8000_0000)).isPositive();
            for (KvmCpuidEntry2 e : cpuid.entries()) {
                int f = e.function();
                boolean basic = Integer.compareUnsigned(f, leaf0.eax()) <= 0;
                boolean hypervisor = (f & 0xFFFF_FF00) == 0x4000_0000;
                boolean extended = Integer.compareUnsigned(f, 0x8000_0000) >= 0 && Integer.compareUnsigned(f, maxExt) <= 0;
                assertThat(basic || hypervisor || extended).as("leaf %s in range", e).isTrue();
            }
            // 0x80000008 EAX[7:0] MAXPHYADDR is at least the kernel's (possibly KeyID-reduced) value, uapi §4.2
            int phys = cpuid.find(0x8000_0008, 0).orElseThrow().eax() & 0xFF;
            assertThat(phys).isGreaterThanOrEqualTo(host.physicalAddressBits().orElseThrow());
        }
    }

    /** A buffer smaller than KVM's list: E2BIG, as the kernel checks nent before copying. */
    @Test
    void supportedCpuidWithATooSmallBufferIsE2big() {
        try (DeviceBackend b = new DeviceBackend(); Kvm kvm = Kvm.open(b)) {
            KvmException e = catchThrowableOfType(KvmException.class, () -> kvm.getSupportedCpuid(1));
            assertThat(e.is(Errno.E2BIG)).isTrue();
            assertThat(e.ioctl()).isEqualTo("KVM_GET_SUPPORTED_CPUID");
        }
    }

    @Test
    void defaultVmWithVcpusCreatesAndCloses() {
        long before = RealKvm.openFdCount();
        try (DeviceBackend b = new DeviceBackend(); Kvm kvm = Kvm.open(b); VmFd vm = kvm.createVm()) {
            int maxVcpus = vm.checkExtension(KvmConstants.KVM_CAP_MAX_VCPUS);
            assertThat(maxVcpus).isPositive();
            try (VcpuFd v0 = vm.createVcpu(0); VcpuFd v1 = vm.createVcpu(1)) {
                assertThat(v0.fd()).isNotEqualTo(v1.fd());
                assertThat(b.openDescriptors()).contains(kvm.fd(), vm.fd(), v0.fd(), v1.fd());
                assertThat(v0.vm()).isSameAs(vm);
                KvmException dup = catchThrowableOfType(KvmException.class, () -> vm.createVcpu(1));
                assertThat(dup.is(Errno.EEXIST)).isTrue();
            }
        }
        assertThat(RealKvm.openFdCount()).isEqualTo(before);
    }

    /**
     * KVM_GET_TSC_KHZ = {@code _IO(KVMIO, 0xa3)} on the real kernel (x86.c): the VM fd answers its
     * {@code default_tsc_khz}, a positive kHz; a vCPU created from it starts with that frequency; the
     * argument is ignored. The simulated kernel is checked against the same rules (VmIoctlsTest).
     */
    @Test
    void getTscKhzOnVmAndVcpu() {
        try (DeviceBackend b = new DeviceBackend(); Kvm kvm = Kvm.open(b); VmFd vm = kvm.createVm()) {
            long khz = vm.getTscKhz();
            assertThat(khz).isPositive();
            assertThat(vm.rawIoctl(org.tdxsim.kvm.uapi.Ioctls.KVM_GET_TSC_KHZ, 0xDEAD)).isEqualTo(khz);
            try (VcpuFd v = vm.createVcpu(0)) {
                assertThat(v.getTscKhz()).isEqualTo(khz);
            }
        }
    }

    /**
     * KVM_CREATE_VM(KVM_X86_TDX_VM) on a host without TDX: EINVAL (uapi §1 [S8]) and a one-line reason
     * naming the VM types the host's KVM does offer — no stack trace.
     */
    @Test
    void tdxVmIsRefusedWithTheHostsVmTypes() {
        try (DeviceBackend b = new DeviceBackend(); Kvm kvm = Kvm.open(b)) {
            long mask = Integer.toUnsignedLong(kvm.checkExtension(KvmConstants.KVM_CAP_VM_TYPES));
            assumeFalse((mask & (1L << KvmConstants.KVM_X86_TDX_VM)) != 0, "skipped: this host offers TDX VMs");
            KvmException e = catchThrowableOfType(KvmException.class, () -> kvm.createVm(KvmConstants.KVM_X86_TDX_VM));
            assertThat(e.is(Errno.EINVAL)).isTrue();
            assertThat(e.getMessage())
                    .startsWith("KVM_CREATE_VM: EINVAL (22, Invalid argument); KVM_X86_TDX_VM=5 is not among this"
                            + " host's KVM VM types " + VmType.describe(mask) + " — ")
                    .doesNotContain("\n");
            assertThat(e.getStackTrace()).isEmpty();
            assertThat(b.openDescriptors()).containsExactly(kvm.fd());
        }
    }

    @Test
    void tdxSubCommandOnADefaultVmExplainsItIsNotATd() {
        try (DeviceBackend b = new DeviceBackend(); Kvm kvm = Kvm.open(b); VmFd vm = kvm.createVm()) {
            long mask = Integer.toUnsignedLong(kvm.checkExtension(KvmConstants.KVM_CAP_VM_TYPES));
            assumeTrue((mask & 0b11100) == 0, "skipped: this host offers SEV VM types, where command id 0 is KVM_SEV_INIT");
            KvmException e = catchThrowableOfType(KvmException.class, () -> vm.tdxCapabilities(6));
            assertThat(e.is(Errno.ENOTTY)).isTrue();
            assertThat(e.getMessage()).startsWith("KVM_MEMORY_ENCRYPT_OP(KVM_TDX_CAPABILITIES): ENOTTY")
                    .contains("is a KVM_X86_DEFAULT_VM VM, not a TD");
        }
    }

    /**
     * The private-memory plumbing of the TDX flow on a real VM (a default VM where the host has no TD):
     * KVM_CREATE_GUEST_MEMFD, then KVM_SET_USER_MEMORY_REGION2 with KVM_MEM_GUEST_MEMFD whose shared
     * side is the backend's page-aligned (mmap'd) memory; a misaligned userspace_addr is refused with
     * EINVAL; KVM_SET_MEMORY_ATTRIBUTES(PRIVATE) works iff the VM reports PRIVATE in
     * KVM_CAP_MEMORY_ATTRIBUTES (else the kernel refuses: ENOTTY without the ioctl, EINVAL without the
     * attribute).
     */
    @Test
    void guestMemfdSlotOnARealVm() {
        try (DeviceBackend b = new DeviceBackend(); Kvm kvm = Kvm.open(b); VmFd vm = kvm.createVm();
                var arena = b.memory().openArena()) {
            assumeTrue(vm.checkExtension(KvmConstants.KVM_CAP_GUEST_MEMFD) > 0,
                    "skipped: this host's KVM has no guest_memfd for default VMs");
            long size = 2L << 20;
            try (GuestMemfd gmem = vm.createGuestMemfd(size)) {
                MemorySegment shared = arena.allocate(size, KvmConstants.PAGE_SIZE);
                vm.setUserMemoryRegion2(KvmUserspaceMemoryRegion2.of(0, KvmConstants.KVM_MEM_GUEST_MEMFD, 0, size,
                        shared.address(), 0, gmem.fd()));
                KvmException misaligned = catchThrowableOfType(KvmException.class, () -> vm.setUserMemoryRegion2(
                        KvmUserspaceMemoryRegion2.of(1, KvmConstants.KVM_MEM_GUEST_MEMFD, 4L << 20, size,
                                shared.address() + 1, 0, gmem.fd())));
                assertThat(misaligned.is(Errno.EINVAL)).isTrue();
                boolean privateSupported = (vm.checkExtension(KvmConstants.KVM_CAP_MEMORY_ATTRIBUTES)
                        & KvmConstants.KVM_MEMORY_ATTRIBUTE_PRIVATE) != 0;
                KvmMemoryAttributes priv = new KvmMemoryAttributes(0, size, KvmConstants.KVM_MEMORY_ATTRIBUTE_PRIVATE, 0);
                if (privateSupported) {
                    vm.setMemoryAttributes(priv);
                } else {
                    KvmException e = catchThrowableOfType(KvmException.class, () -> vm.setMemoryAttributes(priv));
                    assertThat(e.errnoName()).isIn("ENOTTY", "EINVAL");
                }
            }
        }
    }

    /**
     * The whole TD build (uapi §6/§9) on this host: a TDX host must reach KVM_TDX_FINALIZE_VM; any
     * other host stops at KVM_CREATE_VM(KVM_X86_TDX_VM) with EINVAL and its VM types.
     */
    @Test
    void tdxBringUpOnThisHost() {
        long before = RealKvm.openFdCount();
        TdxBringUp.Outcome outcome = TdxBringUp.onThisHost();
        assertThat(RealKvm.openFdCount()).isEqualTo(before);
        long mask;
        try (DeviceBackend b = new DeviceBackend(); Kvm kvm = Kvm.open(b)) {
            mask = Integer.toUnsignedLong(kvm.checkExtension(KvmConstants.KVM_CAP_VM_TYPES));
        }
        if ((mask & (1L << KvmConstants.KVM_X86_TDX_VM)) != 0) {
            assertThat(outcome).as(TdxBringUp.report(outcome).toString()).isInstanceOf(TdxBringUp.Finalized.class);
        } else {
            assertThat(outcome).isInstanceOfSatisfying(TdxBringUp.Stopped.class, s -> {
                assertThat(s.failedCall()).isEqualTo("KVM_CREATE_VM(KVM_X86_TDX_VM)");
                assertThat(s.reason()).startsWith("KVM_CREATE_VM: EINVAL").contains(VmType.describe(mask));
                assertThat(s.steps()).extracting(TdxBringUp.Step::call)
                        .containsExactly("KVM_CHECK_EXTENSION(KVM_CAP_VM_TYPES)", "KVM_GET_SUPPORTED_CPUID");
            });
            assertThat(TdxBringUp.report(outcome)).last().asString().startsWith("FAILED KVM_CREATE_VM");
        }
    }

    /**
     * 10,000 cycles of open /dev/kvm → KVM_CREATE_VM → close both: no fd may leak. Not a timing test
     * (about a second here: VM creation dominates).
     */
    @Test
    void tenThousandVmCyclesLeakNoFd() {
        long before = RealKvm.openFdCount();
        try (DeviceBackend b = new DeviceBackend()) {
            for (int i = 0; i < 10_000; i++) {
                try (Kvm kvm = Kvm.open(b); VmFd vm = kvm.createVm()) {
                    assertThat(vm.fd()).isNotNegative();
                }
            }
            assertThat(b.openDescriptors()).isEmpty();
        }
        assertThat(RealKvm.openFdCount()).isEqualTo(before);
    }
}
