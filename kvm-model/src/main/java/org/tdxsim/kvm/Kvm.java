package org.tdxsim.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;
import org.tdxsim.kvm.uapi.Ioctls;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;

/**
 * The {@code /dev/kvm} system fd (rust-vmm {@code Kvm}, {@code ioctls/system.rs}). Methods are named
 * after their ioctls; every struct argument is encoded into an arena of {@link KvmBackend#memory()}
 * and passed by address, so both backends receive the same bytes.
 */
public final class Kvm extends FdHandle {

    private Kvm(KvmBackend backend, int fd) {
        super(backend, fd);
    }

    /** Opens {@code /dev/kvm} on {@code backend}. */
    public static Kvm open(KvmBackend backend) {
        return open(backend, "/dev/kvm");
    }

    /** Opens {@code path} (normally {@code /dev/kvm}); {@code -errno} from open(2) becomes a KvmException. */
    public static Kvm open(KvmBackend backend, String path) {
        int fd = backend.open(path);
        if (fd < 0) {
            throw new KvmException(KvmError.of(-fd, "open(" + path + ")", Optional.empty()));
        }
        return new Kvm(backend, fd);
    }

    /** KVM_GET_API_VERSION; {@link KvmConstants#KVM_API_VERSION} (12) on every kernel with this API. */
    public int getApiVersion() {
        return (int) ioctl(Ioctls.KVM_GET_API_VERSION, 0);
    }

    /** KVM_CHECK_EXTENSION on the system fd: 0 if unsupported, else a cap-specific value. */
    public int checkExtension(int cap) {
        return (int) ioctl(Ioctls.KVM_CHECK_EXTENSION, Integer.toUnsignedLong(cap));
    }

    /** KVM_GET_VCPU_MMAP_SIZE. */
    public int getVcpuMmapSize() {
        return (int) ioctl(Ioctls.KVM_GET_VCPU_MMAP_SIZE, 0);
    }

    /**
     * KVM_GET_SUPPORTED_CPUID with a buffer of {@code maxEntries} entries ({@code nent = maxEntries}).
     * The kernel's limits apply unchanged ({@code nent < 1} or too small → -E2BIG, no needed count
     * reported); nothing is pre-checked here.
     */
    public KvmCpuid2 getSupportedCpuid(int maxEntries) {
        try (Arena a = backend.memory().openArena()) {
            MemorySegment buf = KvmCpuid2.FAM.allocate(a, capacityFor(maxEntries));
            KvmCpuid2.FAM.setCount(buf, maxEntries);
            ioctl(Ioctls.KVM_GET_SUPPORTED_CPUID, buf.address());
            return KvmCpuid2.decode(buf);
        }
    }

    /** KVM_CREATE_VM with {@code KVM_X86_DEFAULT_VM}. */
    public VmFd createVm() {
        return createVm(KvmConstants.KVM_X86_DEFAULT_VM);
    }

    /** KVM_CREATE_VM({@code type}); {@code KVM_X86_TDX_VM} (5) for a TD. */
    public VmFd createVm(long type) {
        int vmfd = (int) ioctl(Ioctls.KVM_CREATE_VM, type);
        return new VmFd(backend, vmfd);
    }
}
