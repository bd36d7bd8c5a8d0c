package org.tdxsim.kvm.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.Ioctls;
import org.tdxsim.kvm.uapi.KvmConstants;

/**
 * The FFM transport on the real /dev/kvm, at the SPI level (raw request numbers, raw results): what
 * the kernel returns must arrive unchanged, errno included, and every fd must be accounted for. Error
 * paths follow kvm-ioctls' bad-fd tests (field-notes §4a).
 */
class DeviceBackendTest {

    @BeforeEach
    void needsKvm() {
        RealKvm.assumeAccessible();
    }

    @Test
    void apiVersionIs12() {
        try (DeviceBackend b = new DeviceBackend()) {
            int kvm = b.open(DeviceBackend.DEV_KVM);
            assertThat(b.ioctl(kvm, Ioctls.KVM_GET_API_VERSION, 0)).isEqualTo(KvmConstants.KVM_API_VERSION);
        }
    }

    /** uapi §1 [S8]: KVM_CREATE_VM(type) succeeds iff bit {@code type} of KVM_CAP_VM_TYPES is set. */
    @Test
    void createVmAcceptsExactlyTheAdvertisedTypes() {
        try (DeviceBackend b = new DeviceBackend()) {
            int kvm = b.open(DeviceBackend.DEV_KVM);
            long mask = b.ioctl(kvm, Ioctls.KVM_CHECK_EXTENSION, KvmConstants.KVM_CAP_VM_TYPES);
            assertThat(mask).as("KVM_CAP_VM_TYPES").isPositive();
            assertThat(mask & 1).as("KVM_X86_DEFAULT_VM is always offered").isEqualTo(1);
            for (VmType t : VmType.values()) {
                long vm = b.ioctl(kvm, Ioctls.KVM_CREATE_VM, t.type());
                boolean offered = (mask & (1L << t.type())) != 0;
                if (offered) {
                    assertThat(vm).as("KVM_CREATE_VM(%s), offered", t).isNotNegative();
                    assertThat(b.close((int) vm)).isZero();
                } else {
                    assertThat(vm).as("KVM_CREATE_VM(%s), not offered", t).isEqualTo(Errno.EINVAL.negated());
                }
            }
        }
    }

    @Test
    void defaultVmAndVcpuAreCreatedTrackedAndClosed() {
        try (DeviceBackend b = new DeviceBackend()) {
            int kvm = b.open(DeviceBackend.DEV_KVM);
            long vm = b.ioctl(kvm, Ioctls.KVM_CREATE_VM, KvmConstants.KVM_X86_DEFAULT_VM);
            assertThat(vm).isNotNegative();
            long vcpu = b.ioctl((int) vm, Ioctls.KVM_CREATE_VCPU, 0);
            assertThat(vcpu).isNotNegative();
            assertThat(b.openDescriptors()).containsExactlyInAnyOrder(kvm, (int) vm, (int) vcpu);
            // a second vCPU with the same id: the kernel's EEXIST, not a new fd
            assertThat(b.ioctl((int) vm, Ioctls.KVM_CREATE_VCPU, 0)).isEqualTo(Errno.EEXIST.negated());
            assertThat(b.close((int) vcpu)).isZero();
            assertThat(b.close((int) vm)).isZero();
            assertThat(b.openDescriptors()).containsExactly(kvm);
        }
    }

    /** errno comes from the call that failed (captured by the linker), so two failures in a row differ. */
    @Test
    void errnoIsCapturedPerCall() {
        try (DeviceBackend b = new DeviceBackend()) {
            int kvm = b.open(DeviceBackend.DEV_KVM);
            long vm = b.ioctl(kvm, Ioctls.KVM_CREATE_VM, 0);
            assertThat(b.ioctl(-1, Ioctls.KVM_GET_API_VERSION, 0)).isEqualTo(Errno.EBADF.negated());
            // x86 KVM's VM-ioctl dispatcher answers unknown requests with ENOTTY
            assertThat(b.ioctl((int) vm, Ioctls.KVM_GET_API_VERSION, 0)).isEqualTo(Errno.ENOTTY.negated());
            assertThat(b.ioctl(-1, Ioctls.KVM_GET_API_VERSION, 0)).isEqualTo(Errno.EBADF.negated());
            // a struct pointer the kernel cannot read: copy_from_user fails
            assertThat(b.ioctl(kvm, Ioctls.KVM_GET_SUPPORTED_CPUID, 0)).isEqualTo(Errno.EFAULT.negated());
        }
    }

    @Test
    void badFdGivesEbadfWithExplanation() {
        try (DeviceBackend b = new DeviceBackend()) {
            int kvm = b.open(DeviceBackend.DEV_KVM);
            assertThat(b.close(kvm)).isZero();
            assertThat(b.ioctl(kvm, Ioctls.KVM_GET_API_VERSION, 0)).isEqualTo(Errno.EBADF.negated());
            assertThat(b.lastExplanation(kvm)).hasValueSatisfying(s -> assertThat(s).contains("not open"));
            assertThat(b.close(kvm)).as("second close of the same fd").isEqualTo(Errno.EBADF.negated());
            assertThat(b.close(-1)).isEqualTo(Errno.EBADF.negated());
        }
    }

    @Test
    void wrongIoctlForTheFdGivesEnotty() {
        try (DeviceBackend b = new DeviceBackend()) {
            int kvm = b.open(DeviceBackend.DEV_KVM);
            int vm = (int) b.ioctl(kvm, Ioctls.KVM_CREATE_VM, 0);
            assertThat(b.ioctl(vm, Ioctls.KVM_GET_SUPPORTED_CPUID, 0)).isEqualTo(Errno.ENOTTY.negated());
            assertThat(b.lastExplanation(vm)).hasValue(
                    "KVM_GET_SUPPORTED_CPUID is a /dev/kvm ioctl but fd " + vm + " is a VM fd");
            // a success on the same fd clears the explanation
            assertThat(b.ioctl(vm, Ioctls.KVM_CHECK_EXTENSION, KvmConstants.KVM_CAP_MAX_VCPUS)).isPositive();
            assertThat(b.lastExplanation(vm)).isEmpty();
            // a file that is not KVM at all: the VFS's ENOTTY
            int devNull = b.open("/dev/null");
            assertThat(devNull).isNotNegative();
            assertThat(b.ioctl(devNull, Ioctls.KVM_GET_API_VERSION, 0)).isEqualTo(Errno.ENOTTY.negated());
        }
    }

    /**
     * uapi §3.1: KVM_MEMORY_ENCRYPT_OP on a VM fd that is not a TD is refused with ENOTTY. On an AMD
     * host with SEV the same request with id 0 would be KVM_SEV_INIT, so that host is skipped.
     */
    @Test
    void tdxCommandOnADefaultVmIsRefused() {
        try (DeviceBackend b = new DeviceBackend()) {
            int kvm = b.open(DeviceBackend.DEV_KVM);
            long mask = b.ioctl(kvm, Ioctls.KVM_CHECK_EXTENSION, KvmConstants.KVM_CAP_VM_TYPES);
            assumeTrue((mask & 0b11100) == 0, "skipped: this host offers SEV VM types, where command id 0 is KVM_SEV_INIT");
            int vm = (int) b.ioctl(kvm, Ioctls.KVM_CREATE_VM, 0);
            try (var arena = b.memory().openArena()) {
                var cmd = arena.allocate(24, 8); // kvm_tdx_cmd{id 0 = KVM_TDX_CAPABILITIES, flags 0, data 0, hw_error 0}
                assertThat(b.ioctl(vm, Ioctls.KVM_MEMORY_ENCRYPT_OP, cmd.address())).isEqualTo(Errno.ENOTTY.negated());
            }
            assertThat(b.lastExplanation(vm)).hasValueSatisfying(s -> assertThat(s)
                    .contains("KVM_X86_DEFAULT_VM").contains("not a TD"));
        }
    }

    @Test
    void openOfAMissingDeviceGivesEnoent() {
        try (DeviceBackend b = new DeviceBackend()) {
            assertThat(b.open("/dev/kvm-does-not-exist")).isEqualTo(Errno.ENOENT.negated());
            assertThat(b.openDescriptors()).isEmpty();
        }
    }

    @Test
    void closingTheBackendClosesWhatIsLeftAndRefusesFurtherCalls() {
        long before = RealKvm.openFdCount();
        DeviceBackend b = new DeviceBackend();
        int kvm = b.open(DeviceBackend.DEV_KVM);
        long vm = b.ioctl(kvm, Ioctls.KVM_CREATE_VM, 0);
        b.ioctl((int) vm, Ioctls.KVM_CREATE_VCPU, 0);
        assertThat(RealKvm.openFdCount()).isEqualTo(before + 3);
        b.close();
        assertThat(b.openDescriptors()).isEmpty();
        assertThat(RealKvm.openFdCount()).isEqualTo(before);
        assertThat(b.ioctl(kvm, Ioctls.KVM_GET_API_VERSION, 0)).isEqualTo(Errno.EBADF.negated());
        assertThat(b.open(DeviceBackend.DEV_KVM)).isEqualTo(Errno.EBADF.negated());
        b.close(); // idempotent
    }
}
