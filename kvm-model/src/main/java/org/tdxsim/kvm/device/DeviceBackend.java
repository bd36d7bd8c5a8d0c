package org.tdxsim.kvm.device;

import com.google.common.base.Suppliers;
import com.google.common.collect.ImmutableSortedSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.tdxsim.kvm.KvmBackend;
import org.tdxsim.kvm.KvmExplainer;
import org.tdxsim.kvm.UserMemory;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.Ioctls;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.module.profile.ModuleProfiles;
import org.tdxsim.module.status.TdxStatus;

/**
 * The hardware transport: the same {@code open/close/ioctl} the simulated kernel answers, issued on
 * the real {@code /dev/kvm} through {@code java.lang.foreign} (see {@link Libc} for the calling
 * discipline: variadic ioctl, errno captured by the linker, a confined arena per call). The typed
 * client encodes every argument to the bytes the kernel reads, so this class moves a request number
 * and an {@code unsigned long} and knows no struct.
 *
 * <p>File descriptors: every fd this backend hands out — from {@link #open} and from the ioctls that
 * return a new fd ({@code KVM_CREATE_VM}, {@code KVM_CREATE_VCPU}, {@code KVM_CREATE_GUEST_MEMFD},
 * uapi §1) — is recorded with its kind until {@link #close(int)}; {@link #close()} closes whatever is
 * still open. Each fd is closed exactly once: it is forgotten before close(2) runs.
 *
 * <p>Explanations ({@link KvmExplainer}): the kernel returns only a number, but for the failures a user
 * hits first the backend can say why from what it knows, without touching the failed call's errno
 * (already captured): {@code KVM_CREATE_VM} with a type the host lacks (it asks KVM_CAP_VM_TYPES on the
 * same fd and, for {@code KVM_X86_TDX_VM}, runs the {@link TdxSupport} chain), an ioctl issued on the
 * wrong kind of fd, a TDX sub-command on a VM that is not a TD, and {@code EBADF}.
 *
 * <p>After {@link #close()} every call returns {@code -EBADF} (no fd of a closed backend is valid).
 * Calls may come from any thread.
 */
public final class DeviceBackend implements KvmBackend, KvmExplainer {

    /** The KVM system device. */
    public static final String DEV_KVM = "/dev/kvm";

    /** What an fd this backend handed out refers to. */
    enum FdKind {
        SYSTEM("/dev/kvm"), VM("VM"), VCPU("vCPU"), GUEST_MEMFD("guest_memfd"), OTHER("non-KVM");

        final String label;

        FdKind(String label) {
            this.label = label;
        }
    }

    /** An open fd: its kind and, for VMs and their children, the VM type it was created with. */
    record FdInfo(FdKind kind, long vmType) {}

    private final HostFiles host;
    private final DeviceMemory memory = new DeviceMemory();
    private final Map<Integer, FdInfo> openFds = new ConcurrentHashMap<>();
    private final Map<Integer, String> lastExplanation = new ConcurrentHashMap<>();
    private final Supplier<Optional<CpuInfo>> cpuInfo;
    private volatile boolean closed;

    /** A backend on this host's {@code /dev/kvm}. */
    public DeviceBackend() {
        this(HostFiles.system());
    }

    /** A backend whose explanations read host facts (cpuinfo, sysfs) from {@code host}. */
    public DeviceBackend(HostFiles host) {
        this.host = host;
        this.cpuInfo = Suppliers.memoize(host::cpuInfo);
    }

    @Override
    public String name() {
        return "device";
    }

    /** open(2) with {@code O_RDWR | O_CLOEXEC} (as QEMU and kvm-ioctls open /dev/kvm). */
    @Override
    public int open(String path) {
        if (closed) {
            return Errno.EBADF.negated();
        }
        int fd = Libc.open(path, Libc.O_RDWR | Libc.O_CLOEXEC);
        if (fd >= 0) {
            openFds.put(fd, new FdInfo(DEV_KVM.equals(path) ? FdKind.SYSTEM : FdKind.OTHER, -1));
        }
        return fd;
    }

    @Override
    public int close(int fd) {
        // Forget first: once close(2) has run the number may be reused by another open.
        openFds.remove(fd);
        lastExplanation.remove(fd);
        return Libc.close(fd);
    }

    @Override
    public long ioctl(int fd, long request, long arg) {
        if (closed) {
            return Errno.EBADF.negated();
        }
        long rc = Libc.ioctl(fd, request, arg);
        if (rc >= 0) {
            lastExplanation.remove(fd);
            FdInfo child = childOf(fd, request, arg);
            if (child != null) {
                openFds.put((int) rc, child);
            }
        } else {
            Optional<String> why = explain(fd, request, arg, (int) -rc);
            if (why.isPresent()) {
                lastExplanation.put(fd, why.get());
            } else {
                lastExplanation.remove(fd);
            }
        }
        return rc;
    }

    /** The fd a successful fd-creating ioctl returned, described; null for other ioctls (uapi §1). */
    private FdInfo childOf(int fd, long request, long arg) {
        FdInfo parent = openFds.get(fd);
        long vmType = parent == null ? -1 : parent.vmType();
        if (request == Ioctls.KVM_CREATE_VM) {
            return new FdInfo(FdKind.VM, arg);
        }
        if (request == Ioctls.KVM_CREATE_VCPU) {
            return new FdInfo(FdKind.VCPU, vmType);
        }
        if (request == Ioctls.KVM_CREATE_GUEST_MEMFD) {
            return new FdInfo(FdKind.GUEST_MEMFD, vmType);
        }
        return null;
    }

    @Override
    public UserMemory memory() {
        return memory;
    }

    @Override
    public Optional<String> lastExplanation(int fd) {
        return Optional.ofNullable(lastExplanation.get(fd));
    }

    /**
     * The name of a TDX module status: the real module's version is not known to this backend, so the
     * newest built-in module profile names it (as the typed client does for backends without one).
     */
    @Override
    public Optional<String> statusName(long status) {
        return Optional.of(TdxStatus.of(status).describe(ModuleProfiles.latest()));
    }

    /** The fds this backend opened and has not closed yet, ascending (for leak checks and reports). */
    public ImmutableSortedSet<Integer> openDescriptors() {
        return ImmutableSortedSet.copyOf(openFds.keySet());
    }

    /**
     * Closes every fd still open. Order does not matter to the kernel: a vCPU or guest_memfd fd holds a
     * reference on its VM, which is destroyed when the last of them is closed.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int fd : ImmutableSortedSet.copyOf(openFds.keySet()).descendingSet()) {
            close(fd);
        }
    }

    @Override
    public String toString() {
        return "DeviceBackend[" + DEV_KVM + ", open fds " + openDescriptors() + "]";
    }

    // ---- explanations (computed only after a failure; the failed call's errno is already captured)

    private Optional<String> explain(int fd, long request, long arg, int errno) {
        FdInfo info = openFds.get(fd);
        if (errno == Errno.EBADF.number()) {
            return Optional.of(info == null ? "fd " + fd + " is not open (never opened here, or already closed)"
                    : "fd " + fd + " was handed out as a " + info.kind().label
                            + " fd but is no longer open (closed outside this backend?)");
        }
        if (info == null || (errno != Errno.EINVAL.number() && errno != Errno.ENOTTY.number())) {
            return Optional.empty();
        }
        if (request == Ioctls.KVM_CREATE_VM && info.kind() == FdKind.SYSTEM && errno == Errno.EINVAL.number()) {
            return explainCreateVm(fd, arg);
        }
        if (request == Ioctls.KVM_MEMORY_ENCRYPT_OP && info.vmType() != KvmConstants.KVM_X86_TDX_VM
                && (info.kind() == FdKind.VM || info.kind() == FdKind.VCPU)) {
            // uapi §3.1: ENOTTY on a non-TD VM fd; EINVAL (Intel) or ENOTTY (no vendor hook) on its vCPUs.
            String what = info.kind() == FdKind.VM ? "VM fd " + fd + " is a " + vmTypeName(info.vmType()) + " VM"
                    : "vCPU fd " + fd + " belongs to a " + vmTypeName(info.vmType()) + " VM";
            return Optional.of(what + ", not a TD (KVM_X86_TDX_VM): KVM has no TDX command handler for it");
        }
        Optional<FdKind> expected = expectedKind(request);
        if (expected.isPresent() && expected.get() != info.kind()
                && !(request == Ioctls.KVM_CHECK_EXTENSION && info.kind() == FdKind.VM)
                && !(request == Ioctls.KVM_SET_TSC_KHZ && info.kind() == FdKind.VCPU)) {
            return Optional.of(Ioctls.describe(request) + " is a " + expected.get().label + " ioctl but fd " + fd
                    + " is a " + info.kind().label + " fd");
        }
        return Optional.empty();
    }

    /** KVM_CREATE_VM(type) refused with EINVAL: is the type among KVM_CAP_VM_TYPES (uapi §1 [S8])? */
    private Optional<String> explainCreateVm(int systemFd, long type) {
        long mask = Libc.ioctl(systemFd, Ioctls.KVM_CHECK_EXTENSION, KvmConstants.KVM_CAP_VM_TYPES);
        if (mask < 0) {
            return Optional.empty();
        }
        if (type >= 0 && type < 32 && (mask & (1L << type)) != 0) {
            return Optional.empty(); // offered, so the refusal has another cause this backend cannot see
        }
        String head = vmTypeName(type) + "=" + type + " is not among this host's KVM VM types "
                + VmType.describe(mask);
        if (type != KvmConstants.KVM_X86_TDX_VM) {
            return Optional.of(head);
        }
        Optional<CpuInfo> cpu = cpuInfo.get();
        TdxSupport tdx = TdxSupport.decide(new KvmAccess.Accessible(DEV_KVM), OptionalLong.of(mask),
                cpu.map(CpuInfo::vendorId), cpu, host.moduleLoaded("kvm_intel"),
                host.moduleParameter("kvm_intel", "tdx"));
        return Optional.of(tdx instanceof TdxSupport.Unsupported u ? head + " — " + u.explanation() : head);
    }

    private static String vmTypeName(long type) {
        for (VmType t : VmType.values()) {
            if (t.type() == type) {
                return t.uapiName();
            }
        }
        return "VM type " + type;
    }

    /** The fd kind an ioctl is issued on ("issued on" column of uapi §1); empty if not listed. */
    private static Optional<FdKind> expectedKind(long request) {
        if (request == Ioctls.KVM_GET_API_VERSION || request == Ioctls.KVM_CREATE_VM
                || request == Ioctls.KVM_CHECK_EXTENSION || request == Ioctls.KVM_GET_VCPU_MMAP_SIZE
                || request == Ioctls.KVM_GET_SUPPORTED_CPUID) {
            return Optional.of(FdKind.SYSTEM);
        }
        if (request == Ioctls.KVM_CREATE_VCPU || request == Ioctls.KVM_SET_USER_MEMORY_REGION2
                || request == Ioctls.KVM_SET_TSC_KHZ || request == Ioctls.KVM_ENABLE_CAP
                || request == Ioctls.KVM_SET_MEMORY_ATTRIBUTES || request == Ioctls.KVM_CREATE_GUEST_MEMFD) {
            return Optional.of(FdKind.VM);
        }
        if (request == Ioctls.KVM_RUN || request == Ioctls.KVM_SET_MSRS || request == Ioctls.KVM_SET_CPUID2
                || request == Ioctls.KVM_GET_CPUID2) {
            return Optional.of(FdKind.VCPU);
        }
        return Optional.empty();
    }
}
