package org.tdxsim.conformance.table;

import java.util.List;
import java.util.Optional;
import org.tdxsim.conformance.Host;
import org.tdxsim.conformance.SimHost;
import org.tdxsim.conformance.TdInspector;
import org.tdxsim.kvm.Kvm;
import org.tdxsim.kvm.KvmException;
import org.tdxsim.kvm.QemuProtocols;
import org.tdxsim.kvm.VcpuFd;
import org.tdxsim.kvm.VmFd;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.kvm.uapi.KvmTdxCapabilities;
import org.tdxsim.kvm.uapi.KvmTdxInitVm;

/**
 * Runs decision-table combinations on one simulated host (one module bring-up), through the typed
 * client only: KVM_CREATE_VM(TDX) → KVM_TDX_INIT_VM with 0x80000008 EAX = GuestPhysBits << 16 | EAX[7:0]
 * → on success KVM_CREATE_VCPU + KVM_TDX_GET_CPUID (+ TDCS where readable).
 *
 * <p>Work is reused where the semantics allow, and only there:
 * <ul>
 *   <li>a request KVM refuses itself ({@code hw_error} 0) leaves the TD UNINITIALIZED (uapi §3.3 INIT_VM:
 *       every check precedes TD creation), so the next combination runs on the same VM; after a module
 *       rejection or a success a fresh VM is created;</li>
 *   <li>KVM_TDX_GET_CPUID of an accepted TD is a function of the TD's TDCS (CPUID values, shared bit;
 *       uapi §4.4), so (when asked to) within one block and one requested EAX[7:0] it is read once per distinct TDCS
 *       (GPAW, EPTP, CONFIG_FLAGS, ATTRIBUTES, XFAM) and reused for later cells with the same TDCS. Every
 *       cell still runs its own KVM_TDX_INIT_VM and TDCS read. Without TDCS access every cell reads it.</li>
 * </ul>
 * Identical outcomes are interned (one object per distinct outcome).
 */
public final class BlockProbe implements AutoCloseable {

    private final SimHost host;
    private final Kvm kvm;
    private final Optional<String> unavailable;
    private final KvmTdxCapabilities caps;
    private VmFd vm;
    private Optional<Integer> supported;
    private final java.util.Map<Object, KvmCpuidEntry2> readBacks = new java.util.HashMap<>();
    private final java.util.Map<Outcome, Outcome> interned = new java.util.HashMap<>();
    private long getCpuidCalls;
    private long calls;

    private final boolean reuseReadBacks;

    /** A probe that reads KVM_TDX_GET_CPUID for every accepted cell. */
    public BlockProbe(SimHost host) {
        this(host, false);
    }

    /**
     * @param reuseReadBacks whether to reuse KVM_TDX_GET_CPUID per distinct TDCS (the exhaustive table) or
     *     read it for every accepted cell (the sampled properties)
     */
    public BlockProbe(SimHost host, boolean reuseReadBacks) {
        this.host = host;
        this.reuseReadBacks = reuseReadBacks;
        this.kvm = Kvm.open(host.backend());
        int types = kvm.checkExtension(KvmConstants.KVM_CAP_VM_TYPES);
        if ((types & (1 << KvmConstants.KVM_X86_TDX_VM)) == 0) {
            String why;
            try {
                kvm.createVm(KvmConstants.KVM_X86_TDX_VM).close();
                why = "KVM_CAP_VM_TYPES lacks TDX but KVM_CREATE_VM(5) succeeded";
            } catch (KvmException e) {
                why = e.error().explanation().orElseGet(() -> e.error().describe());
            }
            unavailable = Optional.of(why);
            caps = null;
        } else {
            unavailable = Optional.empty();
            try (VmFd probe = kvm.createVm(KvmConstants.KVM_X86_TDX_VM)) {
                caps = QemuProtocols.tdxCapabilities(probe);
            }
        }
    }

    /** Why TDX is unavailable on this host (bring-up refused), if it is. */
    public Optional<String> unavailable() {
        return unavailable;
    }

    /** KVM_TDX_CAPABILITIES of this host (only when TDX is available). */
    public KvmTdxCapabilities caps() {
        return caps;
    }

    /** KVM_TDX_INIT_VM calls issued so far. */
    public long calls() {
        return calls;
    }

    /** KVM_GET_SUPPORTED_CPUID's 0x80000008 EAX, if listed (what a VMM would copy, uapi §4.2); read once. */
    public Optional<Integer> supportedAddrWidthsEax() {
        if (supported == null) {
            supported = kvm.getSupportedCpuid(KvmConstants.KVM_MAX_CPUID_ENTRIES).find(Host.LEAF_ADDR_WIDTHS, 0)
                    .map(KvmCpuidEntry2::eax);
        }
        return supported;
    }

    /** The EAX[7:0] part of the 0x80000008 mask in KVM_TDX_CAPABILITIES; −1 without TDX, 0 if not listed. */
    public int capsEax70Mask() {
        if (caps == null) {
            return -1;
        }
        return caps.cpuid().entries().stream().filter(e -> e.function() == Host.LEAF_ADDR_WIDTHS)
                .findFirst().map(KvmCpuidEntry2::eax).orElse(0) & 0xFF;
    }

    /** KVM_TDX_GET_CPUID calls issued so far. */
    public long getCpuidCalls() {
        return getCpuidCalls;
    }

    /** The outcome of requesting {@code guestPhysBits} and {@code eax70}. */
    public Outcome evaluate(int guestPhysBits, int eax70) {
        Outcome o = evaluateOnce(guestPhysBits, eax70);
        return interned.computeIfAbsent(o, x -> x);
    }

    private Outcome evaluateOnce(int guestPhysBits, int eax70) {
        if (unavailable.isPresent()) {
            return new Outcome.TdxUnavailable(unavailable.get());
        }
        if (vm == null) {
            vm = kvm.createVm(KvmConstants.KVM_X86_TDX_VM);
            vm.enableSplitIrqchip(24);
        }
        KvmTdxInitVm request = KvmTdxInitVm.of(caps.supportedAttrs() & Host.ATTR_SEPT_VE_DISABLE, Host.XFAM_FIXED1,
                KvmCpuid2.of(List.of(Host.addrWidths(guestPhysBits, eax70))));
        calls++;
        try {
            vm.tdxInitVm(request);
        } catch (KvmException e) {
            if (e.hwError().isPresent() && e.hwError().getAsLong() != 0) {
                discardVm();
                long status = e.hwError().getAsLong();
                return new Outcome.ModuleRejected(e.errno(), e.errnoName(), status,
                        e.hwErrorName().orElse(String.format("0x%016X", status)),
                        e.error().explanation().orElseGet(() -> e.error().describe()));
            }
            return new Outcome.KvmRejected(e.errno(), e.errnoName(),
                    e.error().explanation().orElseGet(() -> e.error().describe()));
        }
        try {
            return accepted(eax70);
        } finally {
            discardVm();
        }
    }

    private Outcome accepted(int eax70) {
        Optional<TdInspector.Tdcs> tdcs = host.inspector().flatMap(i -> i.tdcs(host.backend(), vm.fd()));
        KvmCpuidEntry2 e = tdcs.isPresent() && reuseReadBacks
                ? readBacks.computeIfAbsent(java.util.List.of(eax70, tdcs.get()), k -> readAddrWidths())
                : readAddrWidths();
        int readBack = (e.eax() >>> 16) & 0xFF;
        int maxPa = e.eax() & 0xFF;
        int gpaw = tdcs.map(TdInspector.Tdcs::gpaw).orElse(readBack == 52 ? 1 : 0);
        // The kernel's shared bit where the backend reports it; else what GET_CPUID implies (uapi §4.4).
        int sharedBit = tdcs.map(TdInspector.Tdcs::kernelSharedBit).filter(b -> b >= 0).orElse(readBack - 1);
        return new Outcome.Accepted(gpaw, tdcs.map(TdInspector.Tdcs::eptLevels), sharedBit, readBack, maxPa,
                tdcs.isPresent());
    }

    /** KVM_CREATE_VCPU + KVM_TDX_GET_CPUID on the current TD: its 0x80000008 entry. */
    private KvmCpuidEntry2 readAddrWidths() {
        getCpuidCalls++;
        try (VcpuFd v = vm.createVcpu(0)) {
            return QemuProtocols.tdxGetCpuid(v).find(Host.LEAF_ADDR_WIDTHS, 0)
                    .orElseThrow(() -> new IllegalStateException("KVM_TDX_GET_CPUID lists no 0x80000008"));
        }
    }

    private void discardVm() {
        if (vm != null) {
            vm.close();
            vm = null;
        }
    }

    @Override
    public void close() {
        discardVm();
        kvm.close();
        host.close();
    }
}
