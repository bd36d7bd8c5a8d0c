package org.tdxsim.conformance;

import static org.junit.jupiter.api.Assumptions.abort;

import com.google.common.collect.ImmutableList;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.tdxsim.kvm.FdHandle;
import org.tdxsim.kvm.GuestMemfd;
import org.tdxsim.kvm.Kvm;
import org.tdxsim.kvm.KvmBackend;
import org.tdxsim.kvm.KvmException;
import org.tdxsim.kvm.QemuProtocols;
import org.tdxsim.kvm.VcpuFd;
import org.tdxsim.kvm.VmFd;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.kvm.uapi.KvmMemoryAttributes;
import org.tdxsim.kvm.uapi.KvmUserspaceMemoryRegion2;
import org.tdxsim.kvm.uapi.KvmTdxCapabilities;
import org.tdxsim.kvm.uapi.KvmTdxInitVm;

/**
 * The fixture every check runs on: one freshly opened backend of a {@link Target} and {@code /dev/kvm}
 * on it, helpers that build the usual TD set-up through the typed client only, and the JUnit
 * assumptions that skip a check — with the host's reason — when the host lacks what it needs.
 * Closes every fd it handed out, then the backend.
 */
public final class Host implements AutoCloseable {

    /** CPUID leaf of the address widths (uapi §4.1). */
    public static final int LEAF_ADDR_WIDTHS = 0x80000008;
    /** ATTRIBUTES.SEPT_VE_DISABLE, the only TD attribute KVM supports (uapi §5.1). */
    public static final long ATTR_SEPT_VE_DISABLE = 1L << 28;
    /** XFAM fixed-1 bits (x87, SSE), TDX_XFAM_FIXED1 = 0x3 (abi §4.1 row 9). */
    public static final long XFAM_FIXED1 = 0x3;
    /** IOAPIC pins QEMU gives the split irqchip. */
    static final int IOAPIC_PINS = 24;

    private final Target target;
    private final KvmBackend backend;
    private final Kvm kvm;
    private final Deque<FdHandle> handles = new ArrayDeque<>();
    private final Deque<Arena> arenas = new ArrayDeque<>();
    private KvmTdxCapabilities caps;
    private int nextVcpuId;

    private Host(Target target, KvmBackend backend, Kvm kvm) {
        this.target = target;
        this.backend = backend;
        this.kvm = kvm;
    }

    /** Opens the target's backend and {@code /dev/kvm} on it; skips the check if that is impossible. */
    public static Host open(Target target) {
        KvmBackend backend;
        try {
            backend = target.open();
        } catch (RuntimeException e) {
            return abort("cannot open the " + target.backend() + " backend: " + e.getMessage());
        }
        try {
            return new Host(target, backend, Kvm.open(backend));
        } catch (KvmException e) {
            backend.close();
            return abort("host has no usable /dev/kvm: " + e.error().describe());
        }
    }

    public Target target() {
        return target;
    }

    public KvmBackend backend() {
        return backend;
    }

    public Kvm kvm() {
        return kvm;
    }

    /** KVM_CHECK_EXTENSION(KVM_CAP_VM_TYPES): the bitmask of VM types (0 on kernels without the cap). */
    public int vmTypes() {
        return kvm.checkExtension(KvmConstants.KVM_CAP_VM_TYPES);
    }

    /** True when KVM offers {@code KVM_X86_TDX_VM} (uapi §1: bit 5 of KVM_CAP_VM_TYPES). */
    public boolean hasTdx() {
        return (vmTypes() & (1 << KvmConstants.KVM_X86_TDX_VM)) != 0;
    }

    /** Skips the check unless the host offers TDX VMs, saying why not. */
    public void assumeTdx() {
        if (!hasTdx()) {
            abort(noTdxReason());
        }
    }

    /** Why TDX checks are skipped on this host. */
    public String noTdxReason() {
        return String.format("host KVM has no TDX VM type (KVM_CAP_VM_TYPES = 0x%x)", vmTypes())
                + target.bringUp().map(r -> ": " + r).orElse("");
    }

    /** Skips unless the target is simulated (needs module/platform data or TDCS access). */
    public void assumeSimulated(String what) {
        if (!target.simulated()) {
            abort(what + " needs the module's data tables, which only the simulated target has");
        }
    }

    /** Registers a handle for closing at the end of the check. */
    public <T extends FdHandle> T track(T handle) {
        handles.push(handle);
        return handle;
    }

    /** KVM_CREATE_VM(KVM_X86_TDX_VM) after {@link #assumeTdx()}, nothing else (no irqchip). */
    public VmFd createBareTd() {
        assumeTdx();
        return track(kvm.createVm(KvmConstants.KVM_X86_TDX_VM));
    }

    /** KVM_CREATE_VM(KVM_X86_TDX_VM) after {@link #assumeTdx()}, with the split irqchip enabled. */
    public VmFd createTd() {
        assumeTdx();
        VmFd vm = track(kvm.createVm(KvmConstants.KVM_X86_TDX_VM));
        vm.enableSplitIrqchip(IOAPIC_PINS);
        return vm;
    }

    /** KVM_TDX_CAPABILITIES (QEMU's growing buffer), read once per host on a throw-away TD. */
    public KvmTdxCapabilities caps() {
        if (caps == null) {
            assumeTdx();
            try (VmFd vm = kvm.createVm(KvmConstants.KVM_X86_TDX_VM)) {
                caps = QemuProtocols.tdxCapabilities(vm);
            }
        }
        return caps;
    }

    /** The capability entry for (function, index), if the module lists the leaf. */
    public Optional<KvmCpuidEntry2> capsEntry(int function, int index) {
        for (KvmCpuidEntry2 e : caps().cpuid().entries()) {
            if (e.function() == function && e.index() == index) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** The 0x80000008 entry requesting {@code guestPhysBits} (EAX[23:16]) and {@code eax70} (EAX[7:0]). */
    public static KvmCpuidEntry2 addrWidths(int guestPhysBits, int eax70) {
        return new KvmCpuidEntry2(LEAF_ADDR_WIDTHS, 0, 0, (guestPhysBits & 0xFF) << 16 | (eax70 & 0xFF), 0, 0, 0);
    }

    /**
     * The smallest valid request: ATTRIBUTES = SEPT_VE_DISABLE if supported (QEMU's default), XFAM = the
     * fixed-1 bits, and one CPUID entry, 0x80000008 with GuestPhysBits = {@code guestPhysBits}: the only
     * entry KVM requires (uapi §4.1); every configurable bit left 0 (abi §5.2).
     */
    public KvmTdxInitVm request(int guestPhysBits) {
        return request(List.of(addrWidths(guestPhysBits, 0)));
    }

    /** A request with these CPUID entries and the default attributes/XFAM of {@link #request(int)}. */
    public KvmTdxInitVm request(List<KvmCpuidEntry2> entries) {
        return KvmTdxInitVm.of(caps().supportedAttrs() & ATTR_SEPT_VE_DISABLE, XFAM_FIXED1,
                KvmCpuid2.of(ImmutableList.copyOf(entries)));
    }

    /** A TD after a successful KVM_TDX_INIT_VM with GuestPhysBits 48 (valid on every TDX host). */
    public VmFd initializedTd() {
        return initializedTd(48);
    }

    /** A TD after a successful KVM_TDX_INIT_VM with {@code guestPhysBits}. */
    public VmFd initializedTd(int guestPhysBits) {
        VmFd vm = createTd();
        KvmAssert.succeeds("set-up: KVM_TDX_INIT_VM with GuestPhysBits " + guestPhysBits,
                () -> QemuProtocols.tdxInitVm(vm, request(guestPhysBits)));
        return vm;
    }

    /** KVM_CREATE_VCPU with the next id. */
    public VcpuFd createVcpu(VmFd vm) {
        return track(vm.createVcpu(nextVcpuId++));
    }

    /**
     * A vCPU through the selftests' order (uapi §7.2, §6 notes): KVM_CREATE_VCPU → KVM_TDX_GET_CPUID →
     * KVM_SET_CPUID2 (same table: X2APIC, GuestPhysBits) → KVM_TDX_INIT_VCPU.
     */
    public VcpuFd initializedVcpu(VmFd vm) {
        VcpuFd v = createVcpu(vm);
        KvmAssert.succeeds("set-up: KVM_TDX_GET_CPUID → KVM_SET_CPUID2 → KVM_TDX_INIT_VCPU", () -> {
            KvmCpuid2 cpuid = QemuProtocols.tdxGetCpuid(v);
            v.setCpuid2(cpuid);
            v.tdxInitVcpu(0);
        });
        return v;
    }

    /** A finalized TD: INIT_VM, one initialized vCPU, KVM_TDX_FINALIZE_VM. */
    public VmFd finalizedTd() {
        VmFd vm = initializedTd();
        initializedVcpu(vm);
        KvmAssert.succeeds("set-up: KVM_TDX_FINALIZE_VM", vm::tdxFinalizeVm);
        return vm;
    }

    /** Page-aligned user memory that lives until the check ends (source pages, shared mappings). */
    public MemorySegment userPages(long pages) {
        Arena a = backend.memory().openArena();
        arenas.push(a);
        return a.allocate(pages * KvmConstants.PAGE_SIZE, KvmConstants.PAGE_SIZE);
    }

    /**
     * Private guest memory at {@code gpa} the way the uapi doc asks for INIT_MEM_REGION (uapi §3.3 step 4,
     * §9 item 6): a guest_memfd, KVM_SET_USER_MEMORY_REGION2 with KVM_MEM_GUEST_MEMFD, and
     * KVM_SET_MEMORY_ATTRIBUTES(PRIVATE) over the range.
     */
    public void privateMemory(VmFd vm, int slot, long gpa, long pages) {
        long size = pages * KvmConstants.PAGE_SIZE;
        GuestMemfd gmem = track(vm.createGuestMemfd(size));
        MemorySegment shared = userPages(pages);
        vm.setUserMemoryRegion2(KvmUserspaceMemoryRegion2.of(slot, KvmConstants.KVM_MEM_GUEST_MEMFD, gpa, size,
                shared.address(), 0, gmem.fd()));
        vm.setMemoryAttributes(new KvmMemoryAttributes(gpa, size, KvmConstants.KVM_MEMORY_ATTRIBUTE_PRIVATE, 0));
    }

    /** TDCS fields of the TD behind {@code vm}, if the target can read them. */
    public Optional<TdInspector.Tdcs> tdcs(VmFd vm) {
        return target.inspector().flatMap(i -> i.tdcs(backend, vm.fd()));
    }

    /** Skips unless TDCS is readable on this target. */
    public TdInspector.Tdcs requireTdcs(VmFd vm) {
        return tdcs(vm).orElseGet(() -> abort(
                "TDCS fields are not readable on this backend (KVM has no uapi to read a production TD's TDCS)"));
    }

    /** KVM_GET_SUPPORTED_CPUID's 0x80000008 EAX (what KVM advertises to VMMs, uapi §4.2), if listed. */
    public Optional<Integer> supportedAddrWidthsEax() {
        KvmCpuid2 s = kvm.getSupportedCpuid(KvmConstants.KVM_MAX_CPUID_ENTRIES);
        return s.find(LEAF_ADDR_WIDTHS, 0).map(KvmCpuidEntry2::eax);
    }

    /**
     * Whether the host has 5-level EPT: the platform profile on a simulated target; on a device, read
     * from what KVM_GET_SUPPORTED_CPUID advertises (uapi §4.2: GuestPhysBits = MAXPHYADDR, capped at 48
     * when the TDP level is below 5), which decides only when MAXPHYADDR exceeds 48.
     */
    public Optional<Boolean> ept5Level() {
        if (target.platform().isPresent()) {
            return Optional.of(target.platform().get().ept5Level());
        }
        return supportedAddrWidthsEax().flatMap(eax -> {
            int phys = eax & 0xFF;
            int guest = (eax >>> 16) & 0xFF;
            if (phys > 48 && guest == phys) {
                return Optional.of(true);
            }
            if (phys > 48 && guest == 48) {
                return Optional.of(false);
            }
            return Optional.empty();
        });
    }

    /** Skips unless the host's 5-level EPT support is {@code wanted}, with the reason. */
    public void assumeEpt5Level(boolean wanted) {
        Optional<Boolean> has = ept5Level();
        if (has.isEmpty()) {
            abort("cannot tell whether the host has 5-level EPT (KVM_GET_SUPPORTED_CPUID MAXPHYADDR ≤ 48)");
        }
        if (has.get() != wanted) {
            abort(wanted ? "host has no 5-level EPT" : "host has 5-level EPT");
        }
    }

    @Override
    public void close() {
        while (!handles.isEmpty()) {
            try {
                handles.pop().close();
            } catch (KvmException ignored) {
                // closing is best effort; the backend close below releases everything
            }
        }
        while (!arenas.isEmpty()) {
            arenas.pop().close();
        }
        try {
            kvm.close();
        } catch (KvmException ignored) {
            // see above
        }
        backend.close();
    }
}
