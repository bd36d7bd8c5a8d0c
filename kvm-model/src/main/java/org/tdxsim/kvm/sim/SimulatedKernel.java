package org.tdxsim.kvm.sim;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import com.google.common.collect.ImmutableList;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.tdxsim.kvm.KvmBackend;
import org.tdxsim.kvm.KvmExplainer;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.Ioctls;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.kvm.uapi.KvmCreateGuestMemfd;
import org.tdxsim.kvm.uapi.KvmEnableCap;
import org.tdxsim.kvm.uapi.KvmMemoryAttributes;
import org.tdxsim.kvm.uapi.KvmUserspaceMemoryRegion2;
import org.tdxsim.module.TdxModule;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.ModuleProfiles;
import org.tdxsim.module.status.TdxStatus;

/**
 * A simulated Linux kernel with KVM and KVM's TDX support, over the simulated TDX module: the
 * {@link KvmBackend} that decodes the very bytes the typed client encodes, as the kernel does.
 *
 * <p>It keeps its own fd table ({@code /dev/kvm}, VM, vCPU and guest_memfd files), its own user
 * address space ({@link SimUserMemory}: any address outside a live arena allocation is -EFAULT), and
 * for every ioctl runs KVM's checks in the kernel's order with the kernel's errno. Every failure
 * records the kernel's reason as the fd's {@linkplain #lastExplanation explanation}.
 *
 * <p>Sources: kvm-tdx-uapi.md (cited per method as §n) for everything TDX; generic KVM rules outside
 * that digest ({@code kvm_main.c}, {@code x86.c}, {@code cpuid.c}, {@code guest_memfd.c}) are named
 * where used and listed in the package documentation as modelling choices.
 *
 * <p>Locking: the fd table has its own lock; every ioctl on a VM, its vCPUs or its guest_memfds runs
 * under that VM's lock ({@code kvm->lock}, here also standing in for {@code vcpu->mutex} and
 * {@code slots_lock}, so a VM's ioctls are serialized — coarser than the kernel, which lets different
 * vCPUs' ioctls run in parallel). KVM_CREATE_VCPU drops the VM lock between its two steps as
 * {@code kvm_vm_ioctl_create_vcpu} drops {@code kvm->lock}: {@code created_vcpus++} first, then
 * {@code kvm_arch_vcpu_create} unlocked, then under the lock again the vCPU goes online. Another
 * thread can act on the VM inside that window; {@link #setVcpuCreationHook} lets a test hold a
 * creation there (6.16 lets INIT_VCPU/INIT_MEM_REGION/FINALIZE proceed, 6.19 answers -EBUSY, §8).
 * Explanations are kept per fd, the last one written wins when threads share an fd.
 */
public final class SimulatedKernel implements KvmBackend, KvmExplainer {

    /**
     * {@code KVM_MAX_VCPUS} with the default {@code CONFIG_KVM_MAX_NR_VCPUS} (1024; 4096 with MAXSMP).
     * Not in the spec digest.
     */
    static final int KVM_MAX_VCPUS = 1024;
    /** {@code KVM_MAX_VCPU_IDS} = KVM_MAX_VCPUS × {@code KVM_VCPU_ID_RATIO} (4). */
    static final long KVM_MAX_VCPU_IDS = KVM_MAX_VCPUS * 4L;
    /** {@code MAX_NR_RESERVED_IOAPIC_PINS} (= KVM_MAX_IRQ_ROUTES, 4096) for KVM_CAP_SPLIT_IRQCHIP. */
    static final long MAX_NR_RESERVED_IOAPIC_PINS = 4096;
    /** {@code KVM_MEM_SLOTS_NUM} on x86 (SHRT_MAX). */
    static final int KVM_MEM_SLOTS_NUM = 32767;
    /** {@code KVM_HC_MAP_GPA_RANGE} (include/uapi/linux/kvm_para.h), the only KVM_CAP_EXIT_HYPERCALL bit. */
    static final int KVM_HC_MAP_GPA_RANGE = 12;
    /** {@code KVM_MEM_LOG_DIRTY_PAGES}, {@code KVM_MEM_READONLY}. */
    static final int KVM_MEM_LOG_DIRTY_PAGES = 1;
    static final int KVM_MEM_READONLY = 2;
    /** x86 {@code KVM_GET_VCPU_MMAP_SIZE}: kvm_run page + PIO data page + coalesced MMIO ring page. */
    static final int VCPU_MMAP_SIZE = 3 * 4096;
    /** APIC base MSR (Intel SDM Vol. 3A §11.4.4): default base 0xFEE00000, BSP bit 8, EXTD bit 10, EN bit 11. */
    static final long APIC_DEFAULT_PHYS_BASE = 0xFEE00000L;
    static final long MSR_IA32_APICBASE_BSP = 1L << 8;
    static final long X2APIC_ENABLE = 1L << 10;
    static final long MSR_IA32_APICBASE_ENABLE = 1L << 11;

    /**
     * Settings of the simulated host.
     *
     * @param module the TDX module version loaded
     * @param platform the host CPU
     * @param kernelVersion which kernel's KVM behaviour to reproduce
     * @param gpawPolicy how INIT_VM chooses the GPAW / EPT level
     * @param tdxParam the {@code kvm_intel.tdx} module parameter (true: the operator enabled TDX)
     */
    public record Config(ModuleProfile module, PlatformProfile platform, KernelVersion kernelVersion,
                         GpawPolicy gpawPolicy, boolean tdxParam) {

        /** Newest built-in module, the default platform, 6.16, the upstream GPAW rule, TDX enabled. */
        public static Config defaults() {
            return new Config(ModuleProfiles.latest(), PlatformProfiles.defaultPlatform(), KernelVersion.V6_16,
                    GpawPolicy.UPSTREAM, true);
        }

        public Config withModule(ModuleProfile m) {
            return new Config(m, platform, kernelVersion, gpawPolicy, tdxParam);
        }

        public Config withPlatform(PlatformProfile p) {
            return new Config(module, p, kernelVersion, gpawPolicy, tdxParam);
        }

        public Config withKernelVersion(KernelVersion v) {
            return new Config(module, platform, v, gpawPolicy, tdxParam);
        }

        public Config withGpawPolicy(GpawPolicy g) {
            return new Config(module, platform, kernelVersion, g, tdxParam);
        }

        public Config withTdxParam(boolean on) {
            return new Config(module, platform, kernelVersion, gpawPolicy, on);
        }
    }

    /**
     * Test hook run by KVM_CREATE_VCPU in its unlocked window, where {@code created_vcpus} already
     * counts the vCPU and {@code online_vcpus} does not, with no lock held. A test blocks here (e.g. on
     * a latch) to act on the VM from another thread; the creation goes on when the hook returns.
     */
    @FunctionalInterface
    public interface VcpuCreationHook {
        /** Called twice per creation that gets that far: once per {@link Phase}. */
        void inFlight(long vcpuId, Phase phase);

        /** Where in the window the creation is. */
        enum Phase {
            /** Right after {@code created_vcpus++}: {@code tdx_vcpu_create}'s checks have not run yet. */
            BEFORE_ARCH_CREATE,
            /** {@code kvm_arch_vcpu_create} succeeded; next the vCPU goes online under the VM lock. */
            BEFORE_ONLINE
        }
    }

    private static final VcpuCreationHook NO_HOOK = (id, phase) -> { };

    /** What an open fd refers to. */
    sealed interface OpenFile permits DevKvm, VmFile, VcpuFile, GmemFile {}

    record DevKvm() implements OpenFile {}

    record VmFile(KvmVm vm) implements OpenFile {}

    record VcpuFile(KvmVcpu vcpu) implements OpenFile {}

    record GmemFile(GuestMemfdFile gmem) implements OpenFile {}

    private final Config config;
    private final SimUserMemory memory = new SimUserMemory();
    private final TreeMap<Integer, OpenFile> fds = new TreeMap<>();
    private final Map<Integer, String> explanations = new HashMap<>();
    private final TdxHost.Bringup bringup;
    private final Optional<TdxHost> tdx;
    private final Tdx tdxOps;
    private final TeardownLog teardownLog = new TeardownLog();
    /** Guards {@link #fds}, {@link #explanations} and {@link #closed}; never held while taking a VM lock. */
    private final Object fdLock = new Object();
    private boolean closed;
    private volatile VcpuCreationHook vcpuCreationHook = NO_HOOK;

    private SimulatedKernel(Config config) {
        this.config = config;
        this.bringup = TdxHost.bringUp(config.module(), config.platform(), config.tdxParam(), config.gpawPolicy());
        this.tdx = bringup instanceof TdxHost.Enabled(TdxHost h) ? Optional.of(h) : Optional.empty();
        this.tdxOps = new Tdx(this);
    }

    /** A kernel with {@link Config#defaults()}. */
    public static SimulatedKernel create() {
        return new SimulatedKernel(Config.defaults());
    }

    public static SimulatedKernel create(Config config) {
        return new SimulatedKernel(config);
    }

    /** A kernel with the given module version and platform, other settings default. */
    public static SimulatedKernel create(ModuleProfile module, PlatformProfile platform) {
        return new SimulatedKernel(Config.defaults().withModule(module).withPlatform(platform));
    }

    public Config config() {
        return config;
    }

    /** True if KVM offers TDX ({@code KVM_X86_TDX_VM} in KVM_CAP_VM_TYPES). */
    public boolean tdxEnabled() {
        return tdx.isPresent();
    }

    /** Why TDX is not offered (bring-up failed, platform, policy), when it is not. */
    public Optional<String> tdxDisabledReason() {
        return bringup instanceof TdxHost.Disabled(String reason, var m) ? Optional.of(reason) : Optional.empty();
    }

    /** The simulated TDX module, if one was loaded (even when KVM then left TDX disabled). */
    public Optional<TdxModule> module() {
        return switch (bringup) {
            case TdxHost.Enabled(TdxHost h) -> Optional.of(h.module);
            case TdxHost.Disabled(String r, Optional<TdxModule> m) -> m;
        };
    }

    /** The SEAMCALLs KVM issued while tearing TDs down (for tests and the CLI's trace). */
    public TeardownLog teardownLog() {
        return teardownLog;
    }

    /** TDX guest KeyIDs currently allocated by KVM. */
    public int keyidsInUse() {
        return tdx.map(TdxHost::keyidsInUse).orElse(0);
    }

    /** Number of open fds. */
    public int openFds() {
        synchronized (fdLock) {
            return fds.size();
        }
    }

    /**
     * Installs the {@link VcpuCreationHook} every later KVM_CREATE_VCPU runs in its unlocked window
     * (replacing any previous one). For tests of concurrent VM-wide ioctls.
     */
    public void setVcpuCreationHook(VcpuCreationHook hook) {
        vcpuCreationHook = java.util.Objects.requireNonNull(hook);
    }

    /** Removes the {@link VcpuCreationHook}. */
    public void clearVcpuCreationHook() {
        vcpuCreationHook = NO_HOOK;
    }

    @Override
    public String name() {
        return "sim";
    }

    @Override
    public SimUserMemory memory() {
        return memory;
    }

    @Override
    public Optional<String> lastExplanation(int fd) {
        synchronized (fdLock) {
            return Optional.ofNullable(explanations.get(fd));
        }
    }

    @Override
    public Optional<String> statusName(long status) {
        return Optional.of(TdxStatus.of(status).describe(config.module()));
    }

    /** A read-only view of the VM behind a VM or vCPU fd (for tests: state, bugged, HKID). */
    public Optional<VmView> vmView(int fd) {
        KvmVm vm = switch (file(fd)) {
            case VmFile(KvmVm v) -> v;
            case VcpuFile(KvmVcpu v) -> v.vm;
            case null, default -> null;
        };
        if (vm == null) {
            return Optional.empty();
        }
        vm.lock.lock();
        try {
            return Optional.of(VmView.of(vm));
        } finally {
            vm.lock.unlock();
        }
    }

    private OpenFile file(int fd) {
        synchronized (fdLock) {
            return fds.get(fd);
        }
    }

    // ================================================================ syscalls

    @Override
    public int open(String path) {
        synchronized (fdLock) {
            if (closed) {
                return Errno.EBADF.negated();
            }
        }
        if (!"/dev/kvm".equals(path)) {
            return Errno.ENOENT.negated();
        }
        return install(new DevKvm());
    }

    @Override
    public int close(int fd) {
        OpenFile f;
        synchronized (fdLock) {
            f = fds.remove(fd);
            explanations.remove(fd);
        }
        if (f == null) {
            return Errno.EBADF.negated();
        }
        switch (f) {
            case DevKvm d -> { }
            case VmFile(KvmVm vm) -> putVm(vm);
            case VcpuFile(KvmVcpu v) -> {
                v.fdOpen = false;
                putVm(v.vm);
            }
            case GmemFile(GuestMemfdFile g) -> {
                g.fdOpen = false;
                putVm(g.vm);
            }
        }
        return 0;
    }

    @Override
    public long ioctl(int fd, long request, long arg) {
        OpenFile f = file(fd);
        if (f == null) {
            return Errno.EBADF.negated();
        }
        String why = null;
        long r;
        try {
            r = switch (f) {
                case DevKvm d -> devIoctl(request, arg);
                case VmFile(KvmVm vm) -> underVmLock(vm, () -> vmIoctl(vm, fd, request, arg));
                case VcpuFile(KvmVcpu v) -> underVmLock(v.vm, () -> vcpuIoctl(v, request, arg));
                case GmemFile g -> throw KernelError.of(Errno.ENOTTY, "a guest_memfd has no ioctls");
            };
        } catch (KernelError e) {
            why = e.explanation();
            r = e.errno.negated();
        }
        synchronized (fdLock) {
            if (why == null) {
                explanations.remove(fd);
            } else if (fds.containsKey(fd)) {
                explanations.put(fd, why);
            }
        }
        return r;
    }

    /** An ioctl body that may fail with a {@link KernelError}. */
    @FunctionalInterface
    private interface Body {
        long run();
    }

    /** Runs {@code body} holding the VM's lock once (KVM_CREATE_VCPU drops and retakes it inside). */
    private static long underVmLock(KvmVm vm, Body body) {
        vm.lock.lock();
        try {
            return body.run();
        } finally {
            vm.lock.unlock();
        }
    }

    /** Closes every fd still open (tearing down their VMs). Idempotent. */
    @Override
    public void close() {
        List<Integer> open;
        synchronized (fdLock) {
            open = ImmutableList.copyOf(fds.descendingKeySet());
        }
        for (Integer fd : open) {
            close(fd);
        }
        synchronized (fdLock) {
            closed = true;
        }
    }

    private int install(OpenFile f) {
        synchronized (fdLock) {
            int fd = 3;
            while (fds.containsKey(fd)) {
                fd++;
            }
            fds.put(fd, f);
            return fd;
        }
    }

    /** {@code kvm_put_kvm}: the last reference destroys the VM (under its lock). */
    private void putVm(KvmVm vm) {
        vm.lock.lock();
        try {
            putVmLocked(vm);
        } finally {
            vm.lock.unlock();
        }
    }

    private void putVmLocked(KvmVm vm) {
        vm.refs--;
        if (vm.refs == 0 && !vm.destroyed) {
            vm.destroyed = true;
            if (vm.isTd()) {
                tdxOps.destroyVm(vm);
            }
        }
    }

    // ================================================================ user memory

    /** {@code copy_from_user}, or -EFAULT with the address in the explanation. */
    MemorySegment copyFromUser(long address, long length, String what) {
        return memory.copyFromUser(address, length).orElseThrow(() -> KernelError.of(Errno.EFAULT,
                "copy_from_user of %d bytes of %s at 0x%x faulted (not in a live user allocation)", length, what, address));
    }

    /** {@code copy_to_user}, or -EFAULT. */
    void copyToUser(long address, MemorySegment bytes, String what) {
        if (!memory.copyToUser(address, bytes)) {
            throw KernelError.of(Errno.EFAULT, "copy_to_user of %d bytes of %s at 0x%x faulted (not in a live user allocation)",
                    bytes.byteSize(), what, address);
        }
    }

    /** {@code get_user} of a u32. */
    int getUserU32(long address, String what) {
        return copyFromUser(address, 4, what).get(JAVA_INT, 0);
    }

    Config cfg() {
        return config;
    }

    Optional<TdxHost> tdx() {
        return tdx;
    }

    TeardownLog log() {
        return teardownLog;
    }

    // ================================================================ /dev/kvm (kvm_dev_ioctl, kvm_arch_dev_ioctl)

    private long devIoctl(long request, long arg) {
        if (request == Ioctls.KVM_GET_API_VERSION) {
            if (arg != 0) {
                throw KernelError.of(Errno.EINVAL, "KVM_GET_API_VERSION takes no argument (arg 0x%x)", arg);
            }
            return KvmConstants.KVM_API_VERSION;
        }
        if (request == Ioctls.KVM_CREATE_VM) {
            return createVm(arg);
        }
        if (request == Ioctls.KVM_CHECK_EXTENSION) {
            return checkExtension(null, arg);
        }
        if (request == Ioctls.KVM_GET_VCPU_MMAP_SIZE) {
            if (arg != 0) {
                throw KernelError.of(Errno.EINVAL, "KVM_GET_VCPU_MMAP_SIZE takes no argument (arg 0x%x)", arg);
            }
            return VCPU_MMAP_SIZE;
        }
        if (request == Ioctls.KVM_GET_SUPPORTED_CPUID) {
            return getSupportedCpuid(arg);
        }
        throw KernelError.of(Errno.EINVAL, "%s is not a /dev/kvm ioctl (kvm_arch_dev_ioctl default)", Ioctls.describe(request));
    }

    /** {@code kvm_caps.supported_vm_types}: DEFAULT always, TDX when bring-up enabled it (§1). */
    long supportedVmTypes() {
        return (1L << KvmConstants.KVM_X86_DEFAULT_VM) | (tdx.isPresent() ? 1L << KvmConstants.KVM_X86_TDX_VM : 0);
    }

    /** {@code kvm_dev_ioctl_create_vm} → {@code kvm_arch_init_vm} (+ {@code tdx_vm_init}). */
    private long createVm(long type) {
        if (type < 0 || type >= 32 || (supportedVmTypes() & (1L << type)) == 0) {
            String why = type == KvmConstants.KVM_X86_TDX_VM ? " (TDX is not enabled: "
                    + tdxDisabledReason().orElse("?") + ")" : "";
            throw KernelError.of(Errno.EINVAL, "VM type %d is not in supported_vm_types 0x%x%s", type,
                    supportedVmTypes(), why);
        }
        long tscKhz = config.platform().tscHz() / 1000;
        KvmVm vm = new KvmVm((int) type, KVM_MAX_VCPUS, tscKhz);
        if (vm.isTd()) {
            // tdx_vm_init: per-VM max vCPUs = min(KVM_MAX_VCPUS, num_present_cpus()) (§1 KVM_CAP_MAX_VCPUS).
            vm.maxVcpus = Math.min(KVM_MAX_VCPUS, config.platform().logicalProcessors());
        }
        return install(new VmFile(vm));
    }

    /** {@code kvm_vm_ioctl_check_extension_generic} / x86 {@code kvm_vm_ioctl_check_extension}. */
    private long checkExtension(KvmVm vm, long cap) {
        boolean privateMem = vm == null || vm.isTd();
        if (cap == KvmConstants.KVM_CAP_VM_TYPES) {
            return supportedVmTypes();
        }
        if (cap == KvmConstants.KVM_CAP_MAX_VCPUS) {
            return vm == null ? KVM_MAX_VCPUS : vm.maxVcpus;
        }
        if (cap == KvmConstants.KVM_CAP_SPLIT_IRQCHIP || cap == KvmConstants.KVM_CAP_X86_APIC_BUS_CYCLES_NS) {
            return 1;
        }
        if (cap == KvmConstants.KVM_CAP_MEMORY_ATTRIBUTES) {
            return privateMem ? KvmConstants.KVM_MEMORY_ATTRIBUTE_PRIVATE : 0;
        }
        if (cap == KvmConstants.KVM_CAP_GUEST_MEMFD) {
            return privateMem ? 1 : 0;
        }
        if (cap == KvmConstants.KVM_CAP_EXIT_HYPERCALL) {
            return 1L << KVM_HC_MAP_GPA_RANGE;
        }
        return 0;
    }

    /**
     * KVM_GET_SUPPORTED_CPUID ({@code kvm_dev_ioctl_get_cpuid}, §3.3 "Other ioctls"): header copy
     * (-EFAULT), {@code nent < 1} → -E2BIG, nent clamped to 256, too few entries for the table →
     * -E2BIG (nent not updated), entries copy (-EFAULT), then nent written back.
     */
    private long getSupportedCpuid(long arg) {
        MemorySegment hdr = copyFromUser(arg, KvmCpuid2.LAYOUT.byteSize(), "struct kvm_cpuid2");
        long nent = Integer.toUnsignedLong(hdr.get(JAVA_INT, 0));
        if (nent < 1) {
            throw KernelError.of(Errno.E2BIG, "KVM_GET_SUPPORTED_CPUID with nent 0");
        }
        nent = Math.min(nent, KvmConstants.KVM_MAX_CPUID_ENTRIES);
        ImmutableList<KvmCpuidEntry2> table = SupportedCpuid.compute(config.platform());
        if (table.size() > nent) {
            throw KernelError.of(Errno.E2BIG, "KVM_GET_SUPPORTED_CPUID has %d entries, the buffer holds %d",
                    table.size(), nent);
        }
        KvmCpuid2 out = KvmCpuid2.of(table);
        MemorySegment bytes = SimUserMemory.kernelBuffer(out.byteSize());
        out.encode(bytes);
        copyToUser(arg + 8, bytes.asSlice(8), "kvm_cpuid2.entries");
        copyToUser(arg, bytes.asSlice(0, 8), "struct kvm_cpuid2");
        return 0;
    }

    // ================================================================ VM fd (kvm_vm_ioctl, kvm_arch_vm_ioctl)

    private long vmIoctl(KvmVm vm, int fd, long request, long arg) {
        if (vm.bugged.isPresent()) {
            throw KernelError.of(Errno.EIO, "the VM is dead (KVM_BUG_ON: %s)", vm.bugged.get());
        }
        if (request == Ioctls.KVM_CREATE_VCPU) {
            return createVcpu(vm, arg);
        }
        if (request == Ioctls.KVM_CHECK_EXTENSION) {
            return checkExtension(vm, arg);
        }
        if (request == Ioctls.KVM_ENABLE_CAP) {
            KvmEnableCap cap = KvmEnableCap.decode(copyFromUser(arg, KvmEnableCap.LAYOUT.byteSize(), "struct kvm_enable_cap"));
            return enableCap(vm, cap);
        }
        if (request == Ioctls.KVM_SET_USER_MEMORY_REGION2) {
            KvmUserspaceMemoryRegion2 r = KvmUserspaceMemoryRegion2.decode(copyFromUser(arg,
                    KvmUserspaceMemoryRegion2.LAYOUT.byteSize(), "struct kvm_userspace_memory_region2"));
            return setMemoryRegion(vm, r);
        }
        if (request == Ioctls.KVM_CREATE_GUEST_MEMFD) {
            KvmCreateGuestMemfd g = KvmCreateGuestMemfd.decode(copyFromUser(arg, KvmCreateGuestMemfd.LAYOUT.byteSize(),
                    "struct kvm_create_guest_memfd"));
            return createGuestMemfd(vm, g);
        }
        if (request == Ioctls.KVM_SET_MEMORY_ATTRIBUTES) {
            KvmMemoryAttributes a = KvmMemoryAttributes.decode(copyFromUser(arg, KvmMemoryAttributes.LAYOUT.byteSize(),
                    "struct kvm_memory_attributes"));
            return setMemoryAttributes(vm, a);
        }
        if (request == Ioctls.KVM_SET_TSC_KHZ) {
            return setTscKhz(vm, arg);
        }
        if (request == Ioctls.KVM_GET_TSC_KHZ) {
            // kvm_arch_vm_ioctl: READ_ONCE(kvm->arch.default_tsc_khz); the argument is ignored (x86.c).
            return vm.defaultTscKhz;
        }
        if (request == Ioctls.KVM_MEMORY_ENCRYPT_OP) {
            if (!vm.isTd()) {
                throw KernelError.of(Errno.ENOTTY, "KVM_MEMORY_ENCRYPT_OP on a VM of type %d, not a TD (vt_mem_enc_ioctl)", vm.type);
            }
            return tdxOps.vmIoctl(vm, arg);
        }
        throw KernelError.of(Errno.ENOTTY, "%s is not a VM ioctl (kvm_arch_vm_ioctl default)", Ioctls.describe(request));
    }

    /**
     * {@code kvm_vm_ioctl_create_vcpu}, in its two locked steps. Under {@code kvm->lock}: id ≥
     * KVM_MAX_VCPU_IDS → -EINVAL (checked before the lock); created_vcpus ≥ max_vcpus → -EINVAL; then
     * {@code created_vcpus++} and the lock is dropped. Unlocked, {@code kvm_arch_vcpu_create}:
     * {@code tdx_vcpu_create} — TD not exactly INITIALIZED → -EIO, irqchip not split → -EINVAL
     * (§3.3 "Other ioctls") — and {@code kvm_set_tsc_khz(default_tsc_khz)}; the
     * {@link VcpuCreationHook} runs before and after it. Under the lock again: a duplicate id → -EEXIST; else the
     * vCPU goes online ({@code online_vcpus++}) and gets its fd. Any failure after the increment
     * undoes it ({@code created_vcpus--}), as the kernel's error path does.
     *
     * <p>Called holding {@code vm.lock} exactly once.
     */
    private long createVcpu(KvmVm vm, long id) {
        if (id < 0 || id >= KVM_MAX_VCPU_IDS) {
            throw KernelError.of(Errno.EINVAL, "vCPU id %d is not below KVM_MAX_VCPU_IDS %d", id, KVM_MAX_VCPU_IDS);
        }
        if (vm.createdVcpus >= vm.maxVcpus) {
            throw KernelError.of(Errno.EINVAL, "the VM already has max_vcpus (%d) vCPUs", vm.maxVcpus);
        }
        vm.createdVcpus++;
        KvmVcpu v = null;
        vm.lock.unlock();
        try {
            VcpuCreationHook hook = vcpuCreationHook;
            hook.inFlight(id, VcpuCreationHook.Phase.BEFORE_ARCH_CREATE);
            KvmVcpu created = kvmArchVcpuCreate(vm, id);
            hook.inFlight(id, VcpuCreationHook.Phase.BEFORE_ONLINE);
            v = created;
        } finally {
            vm.lock.lock();
            if (v == null) {
                vm.createdVcpus--;
            }
        }
        if (vm.vcpus.containsKey((int) id)) {
            vm.createdVcpus--;
            throw KernelError.of(Errno.EEXIST, "vCPU id %d already exists", id);
        }
        vm.vcpus.put((int) id, v);
        vm.refs++;
        return install(new VcpuFile(v));
    }

    /**
     * {@code kvm_arch_vcpu_create} as far as modelled, run without the VM lock (the kernel reads
     * {@code kvm_tdx->state} there unlocked too): {@code tdx_vcpu_create}'s checks, the reset APIC
     * base, and {@code kvm_set_tsc_khz(vcpu, kvm->arch.default_tsc_khz)} (x86.c).
     */
    private KvmVcpu kvmArchVcpuCreate(KvmVm vm, long id) {
        if (vm.isTd()) {
            KvmVm.TdState state = vm.tdState;
            if (state != KvmVm.TdState.INITIALIZED) {
                throw KernelError.of(Errno.EIO, "a TD's vCPUs can only be created after KVM_TDX_INIT_VM and before"
                        + " KVM_TDX_FINALIZE_VM (TD state is %s)", state);
            }
            if (!vm.irqchipSplit) {
                throw KernelError.of(Errno.EINVAL, "a TD needs KVM_CAP_SPLIT_IRQCHIP enabled before its vCPUs are created");
            }
        }
        KvmVcpu v = new KvmVcpu(vm, (int) id);
        v.apicBase = APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE | (id == 0 ? MSR_IA32_APICBASE_BSP : 0);
        v.virtualTscKhz = vm.defaultTscKhz;
        return v;
    }

    /** {@code kvm_vm_ioctl_enable_cap}: flags ≠ 0 → -EINVAL; SPLIT_IRQCHIP and APIC_BUS_CYCLES_NS modelled. */
    private long enableCap(KvmVm vm, KvmEnableCap cap) {
        if (cap.flags() != 0) {
            throw KernelError.of(Errno.EINVAL, "kvm_enable_cap.flags 0x%x must be 0", cap.flags());
        }
        if (cap.cap() == KvmConstants.KVM_CAP_SPLIT_IRQCHIP) {
            long pins = cap.args().get(0);
            if (Long.compareUnsigned(pins, MAX_NR_RESERVED_IOAPIC_PINS) > 0) {
                throw KernelError.of(Errno.EINVAL, "KVM_CAP_SPLIT_IRQCHIP with %d IOAPIC pins (max %d)", pins,
                        MAX_NR_RESERVED_IOAPIC_PINS);
            }
            if (vm.irqchipSplit) {
                throw KernelError.of(Errno.EEXIST, "the VM already has an in-kernel irqchip");
            }
            if (vm.createdVcpus != 0) {
                throw KernelError.of(Errno.EEXIST, "KVM_CAP_SPLIT_IRQCHIP after vCPUs were created");
            }
            vm.irqchipSplit = true;
            vm.nrReservedIoapicPins = pins;
            return 0;
        }
        if (cap.cap() == KvmConstants.KVM_CAP_X86_APIC_BUS_CYCLES_NS) {
            long ns = cap.args().get(0);
            if (ns == 0 || Long.compareUnsigned(ns, Long.divideUnsigned(-1L, 0xFFFFFFFFL * 128)) > 0) {
                throw KernelError.of(Errno.EINVAL, "APIC bus cycle %d ns is 0 or overflows tmict_to_ns()", ns);
            }
            if (!vm.irqchipSplit) {
                throw KernelError.of(Errno.ENXIO, "KVM_CAP_X86_APIC_BUS_CYCLES_NS needs an in-kernel local APIC");
            }
            if (vm.createdVcpus != 0) {
                throw KernelError.of(Errno.EINVAL, "KVM_CAP_X86_APIC_BUS_CYCLES_NS after vCPUs were created");
            }
            vm.apicBusCycleNs = ns;
            return 0;
        }
        throw KernelError.of(Errno.EINVAL, "capability %d cannot be enabled on this VM (not modelled)", cap.cap());
    }

    /**
     * KVM_SET_TSC_KHZ on the VM fd (x86.c, §3.3 "Other ioctls"): 0 means the host's; a value the TSC
     * scaling cannot reach → -EINVAL; only before any vCPU exists, else -EINVAL.
     */
    private long setTscKhz(KvmVm vm, long arg) {
        long khz = arg & 0xFFFFFFFFL;
        long hostKhz = config.platform().tscHz() / 1000;
        // VMX TSC scaling has 48 fractional bits: ratio < 2^16 (kvm_caps.max_guest_tsc_khz).
        long max = Math.min(0xFFFFFFFFL, hostKhz << 16);
        if (khz >= max) {
            throw KernelError.of(Errno.EINVAL, "TSC %d kHz is not below the maximum guest TSC %d kHz", khz, max);
        }
        if (khz == 0) {
            khz = hostKhz;
        }
        if (vm.createdVcpus != 0) {
            throw KernelError.of(Errno.EINVAL, "KVM_SET_TSC_KHZ on the VM only before any vCPU is created");
        }
        vm.defaultTscKhz = khz;
        return 0;
    }

    /** KVM_CREATE_GUEST_MEMFD ({@code kvm_gmem_create}): flags must be 0 (6.16), size &gt; 0 and page aligned. */
    private long createGuestMemfd(KvmVm vm, KvmCreateGuestMemfd g) {
        if (g.flags() != 0) {
            throw KernelError.of(Errno.EINVAL, "kvm_create_guest_memfd.flags 0x%x: no flag is valid", g.flags());
        }
        if (g.size() <= 0 || (g.size() & 4095) != 0) {
            throw KernelError.of(Errno.EINVAL, "guest_memfd size 0x%x is not positive and page aligned", g.size());
        }
        GuestMemfdFile f = new GuestMemfdFile(vm, g.size(), g.flags());
        vm.gmems.add(f);
        vm.refs++;
        return install(new GmemFile(f));
    }

    /** KVM_SET_USER_MEMORY_REGION2 ({@code kvm_set_memory_region}, {@code kvm_gmem_bind}). */
    private long setMemoryRegion(KvmVm vm, KvmUserspaceMemoryRegion2 m) {
        int valid = KVM_MEM_LOG_DIRTY_PAGES | (vm.isTd() ? KvmConstants.KVM_MEM_GUEST_MEMFD : 0)
                | (vm.isTd() ? 0 : KVM_MEM_READONLY);
        if ((m.flags() & KvmConstants.KVM_MEM_GUEST_MEMFD) != 0) {
            valid &= ~KVM_MEM_LOG_DIRTY_PAGES;
        }
        if ((m.flags() & ~valid) != 0) {
            throw KernelError.of(Errno.EINVAL, "memslot flags 0x%x outside the valid 0x%x for this VM", m.flags(), valid);
        }
        if ((m.memorySize() & 4095) != 0) {
            throw KernelError.of(Errno.EINVAL, "memory_size 0x%x is not page aligned", m.memorySize());
        }
        if ((m.guestPhysAddr() & 4095) != 0) {
            throw KernelError.of(Errno.EINVAL, "guest_phys_addr 0x%x is not page aligned", m.guestPhysAddr());
        }
        // access_ok(): the range must end at or below TASK_SIZE (2^47, or 2^56 with 5-level paging).
        long taskSize = 1L << (config.platform().la57() ? 56 : 47);
        if ((m.userspaceAddr() & 4095) != 0 || Long.compareUnsigned(m.userspaceAddr(), taskSize) > 0
                || Long.compareUnsigned(m.memorySize(), taskSize - m.userspaceAddr()) > 0) {
            throw KernelError.of(Errno.EINVAL, "userspace_addr 0x%x (+0x%x) is not page aligned or not a user range",
                    m.userspaceAddr(), m.memorySize());
        }
        boolean gmemFlag = (m.flags() & KvmConstants.KVM_MEM_GUEST_MEMFD) != 0;
        if (gmemFlag && ((m.guestMemfdOffset() & 4095) != 0 || m.guestMemfdOffset() + m.memorySize() < m.guestMemfdOffset())) {
            throw KernelError.of(Errno.EINVAL, "guest_memfd_offset 0x%x is not page aligned or wraps", m.guestMemfdOffset());
        }
        int asId = m.slot() >>> 16;
        int id = m.slot() & 0xFFFF;
        if (asId >= 1 || id >= KVM_MEM_SLOTS_NUM) {
            throw KernelError.of(Errno.EINVAL, "slot 0x%x: address space %d / slot %d out of range", m.slot(), asId, id);
        }
        if (m.guestPhysAddr() + m.memorySize() < m.guestPhysAddr()) {
            throw KernelError.of(Errno.EINVAL, "GPA range wraps");
        }
        Memslot old = vm.memslots.get(id);
        long baseGfn = m.guestPhysAddr() >>> 12;
        long npages = m.memorySize() >>> 12;
        if (m.memorySize() == 0) {
            if (old == null) {
                throw KernelError.of(Errno.EINVAL, "deleting slot %d, which does not exist", id);
            }
            vm.memslots.remove(id);
            return 0;
        }
        if (old != null) {
            if (gmemFlag) {
                throw KernelError.of(Errno.EINVAL, "slot %d exists; guest_memfd memslots can only be deleted", id);
            }
            if (m.userspaceAddr() != old.userspaceAddr() || npages != old.npages()
                    || ((m.flags() ^ old.flags()) & KVM_MEM_READONLY) != 0) {
                throw KernelError.of(Errno.EINVAL, "slot %d exists with a different size/address/readonly flag", id);
            }
            if (baseGfn == old.baseGfn() && m.flags() == old.flags()) {
                return 0;
            }
            if (old.canBePrivate()) {
                throw KernelError.of(Errno.EINVAL, "slot %d is backed by guest_memfd and cannot be moved", id);
            }
        }
        for (Memslot s : vm.memslots.values()) {
            if (s.id() != id && baseGfn < s.baseGfn() + s.npages() && s.baseGfn() < baseGfn + npages) {
                throw KernelError.of(Errno.EEXIST, "GPA range [0x%x, 0x%x) overlaps slot %d", m.guestPhysAddr(),
                        m.guestPhysAddr() + m.memorySize(), s.id());
            }
        }
        GuestMemfdFile gmem = null;
        if (gmemFlag) {
            gmem = gmemBind(vm, m, id, npages);
        }
        vm.memslots.put(id, new Memslot(id, m.flags(), baseGfn, npages, m.userspaceAddr(), gmem,
                gmemFlag ? m.guestMemfdOffset() >>> 12 : 0));
        return 0;
    }

    /** {@code kvm_gmem_bind}: the fd must be a guest_memfd of this VM, offset range inside it and unbound. */
    private GuestMemfdFile gmemBind(KvmVm vm, KvmUserspaceMemoryRegion2 m, int slot, long npages) {
        OpenFile f = file(m.guestMemfd());
        if (f == null) {
            throw KernelError.of(Errno.EBADF, "guest_memfd %d is not an open fd", m.guestMemfd());
        }
        if (!(f instanceof GmemFile(GuestMemfdFile g))) {
            throw KernelError.of(Errno.EINVAL, "fd %d is not a guest_memfd", m.guestMemfd());
        }
        if (g.vm != vm) {
            throw KernelError.of(Errno.EINVAL, "guest_memfd %d belongs to another VM", m.guestMemfd());
        }
        long start = m.guestMemfdOffset() >>> 12;
        if (m.guestMemfdOffset() + m.memorySize() > g.size) {
            throw KernelError.of(Errno.EINVAL, "guest_memfd range [0x%x, 0x%x) exceeds its size 0x%x",
                    m.guestMemfdOffset(), m.guestMemfdOffset() + m.memorySize(), g.size);
        }
        for (Memslot s : vm.memslots.values()) {
            if (s.gmem() == g && start < s.gmemPgoff() + s.npages() && s.gmemPgoff() < start + npages) {
                throw KernelError.of(Errno.EINVAL, "guest_memfd %d range is already bound to slot %d", m.guestMemfd(), s.id());
            }
        }
        return g;
    }

    /** KVM_SET_MEMORY_ATTRIBUTES ({@code kvm_vm_ioctl_set_mem_attributes}). */
    private long setMemoryAttributes(KvmVm vm, KvmMemoryAttributes a) {
        if (a.flags() != 0) {
            throw KernelError.of(Errno.EINVAL, "kvm_memory_attributes.flags 0x%x must be 0", a.flags());
        }
        long supported = vm.isTd() ? KvmConstants.KVM_MEMORY_ATTRIBUTE_PRIVATE : 0;
        if ((a.attributes() & ~supported) != 0) {
            throw KernelError.of(Errno.EINVAL, "attributes 0x%x not supported by this VM (supported 0x%x)",
                    a.attributes(), supported);
        }
        if (a.size() == 0 || Long.compareUnsigned(a.address() + a.size(), a.address()) < 0) {
            throw KernelError.of(Errno.EINVAL, "memory attribute range of size 0x%x at 0x%x is empty or wraps",
                    a.size(), a.address());
        }
        if ((a.address() & 4095) != 0 || (a.size() & 4095) != 0) {
            throw KernelError.of(Errno.EINVAL, "memory attribute range 0x%x+0x%x is not page aligned", a.address(), a.size());
        }
        vm.setAttributes(a.address() >>> 12, (a.address() + a.size()) >>> 12, a.attributes());
        return 0;
    }

    // ================================================================ vCPU fd (kvm_vcpu_ioctl, kvm_arch_vcpu_ioctl)

    private long vcpuIoctl(KvmVcpu v, long request, long arg) {
        if (v.vm.bugged.isPresent()) {
            throw KernelError.of(Errno.EIO, "the VM is dead (KVM_BUG_ON: %s)", v.vm.bugged.get());
        }
        if (Ioctls.type(request) != Ioctls.KVMIO) {
            throw KernelError.of(Errno.EINVAL, "ioctl 0x%x is not a KVM ioctl", request);
        }
        if (request == Ioctls.KVM_RUN) {
            if (arg != 0) {
                throw KernelError.of(Errno.EINVAL, "KVM_RUN takes no argument (arg 0x%x)", arg);
            }
            if (v.vm.isTd() && (v.tdxState != KvmVcpu.TdxState.INITIALIZED || v.vm.tdState != KvmVm.TdState.RUNNABLE)) {
                throw KernelError.of(Errno.EINVAL, "a TD vCPU runs only after KVM_TDX_INIT_VCPU and KVM_TDX_FINALIZE_VM"
                        + " (vCPU %s, TD %s)", v.tdxState, v.vm.tdState);
            }
            if (v.vm.isTd()) {
                // vcpu_enter_guest loads the MMU root first: a TDP level that disagrees with the TD's
                // shared bit is tdx_load_mmu_pgd's KVM_BUG_ON (kvm-tdx-uapi.md §4.5, derived) → -EIO
                tdxOps.kvmMmuReload(v);
            }
            throw KernelError.of(Errno.EOPNOTSUPP, "KVM_RUN past its preconditions: guest execution is not simulated");
        }
        if (request == Ioctls.KVM_SET_CPUID2) {
            return setCpuid2(v, arg);
        }
        if (request == Ioctls.KVM_GET_TSC_KHZ) {
            // kvm_arch_vcpu_ioctl: vcpu->arch.virtual_tsc_khz, set from the VM's default_tsc_khz when the
            // vCPU was created (kvm_arch_vcpu_create → kvm_set_tsc_khz); the argument is ignored (x86.c).
            return v.virtualTscKhz;
        }
        if (request == Ioctls.KVM_GET_CPUID2) {
            return getCpuid2(v, arg);
        }
        if (request == Ioctls.KVM_MEMORY_ENCRYPT_OP) {
            if (!v.vm.isTd()) {
                throw KernelError.of(Errno.EINVAL, "KVM_MEMORY_ENCRYPT_OP on a vCPU of a non-TD VM (vt_vcpu_mem_enc_ioctl)");
            }
            return tdxOps.vcpuIoctl(v, arg);
        }
        throw KernelError.of(Errno.EINVAL, "%s is not a vCPU ioctl modelled by tdxsim (kvm_arch_vcpu_ioctl default)",
                Ioctls.describe(request));
    }

    /**
     * KVM_SET_CPUID2 ({@code kvm_vcpu_ioctl_set_cpuid2}, {@code kvm_check_cpuid}; §3.3, §5.4): nent &gt;
     * 256 → -E2BIG; 0x80000008 EAX[15:8] ∉ {0, 48, 57} → -EINVAL; after the vCPU has run only an
     * identical table. No TDX-specific validation ({@code vt_vcpu_after_set_cpuid} returns early).
     */
    private long setCpuid2(KvmVcpu v, long arg) {
        MemorySegment hdr = copyFromUser(arg, 8, "struct kvm_cpuid2");
        long nent = Integer.toUnsignedLong(hdr.get(JAVA_INT, 0));
        if (nent > KvmConstants.KVM_MAX_CPUID_ENTRIES) {
            throw KernelError.of(Errno.E2BIG, "KVM_SET_CPUID2 with nent %d > KVM_MAX_CPUID_ENTRIES 256", nent);
        }
        MemorySegment all = SimUserMemory.kernelBuffer(KvmCpuid2.FAM.byteSize((int) nent));
        MemorySegment.copy(hdr, 0, all, 0, 8);
        if (nent > 0) {
            MemorySegment.copy(copyFromUser(arg + 8, 40 * nent, "kvm_cpuid2.entries"), 0, all, 8, 40 * nent);
        }
        VcpuCpuid table = new VcpuCpuid(KvmCpuid2.decode(all).entries());
        if (v.hasRun) {
            if (!table.equals(v.cpuid)) {
                throw KernelError.of(Errno.EINVAL, "the vCPU has run: only the identical CPUID table is accepted");
            }
            return 0;
        }
        table.find(0x80000008).ifPresent(e -> {
            int vaddr = (e.eax() >>> 8) & 0xFF;
            if (vaddr != 48 && vaddr != 57 && vaddr != 0) {
                throw KernelError.of(Errno.EINVAL, "CPUID 0x80000008 EAX[15:8] (linear address bits) %d is not 0, 48 or 57", vaddr);
            }
        });
        v.cpuid = table;
        return 0;
    }

    /** KVM_GET_CPUID2: nent below the table's → -E2BIG; else entries and nent written back. */
    private long getCpuid2(KvmVcpu v, long arg) {
        MemorySegment hdr = copyFromUser(arg, 8, "struct kvm_cpuid2");
        long nent = Integer.toUnsignedLong(hdr.get(JAVA_INT, 0));
        int have = v.cpuid.entries().size();
        if (nent < have) {
            throw KernelError.of(Errno.E2BIG, "KVM_GET_CPUID2 buffer holds %d entries, the vCPU has %d", nent, have);
        }
        KvmCpuid2 out = KvmCpuid2.of(v.cpuid.entries());
        MemorySegment bytes = SimUserMemory.kernelBuffer(out.byteSize());
        out.encode(bytes);
        copyToUser(arg + 8, bytes.asSlice(8), "kvm_cpuid2.entries");
        copyToUser(arg, bytes.asSlice(0, 8), "struct kvm_cpuid2");
        return 0;
    }
}
