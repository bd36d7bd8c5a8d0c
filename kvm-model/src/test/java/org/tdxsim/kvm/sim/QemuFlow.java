package org.tdxsim.kvm.sim;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.tdxsim.kvm.GuestMemfd;
import org.tdxsim.kvm.Kvm;
import org.tdxsim.kvm.KvmBackend;
import org.tdxsim.kvm.QemuProtocols;
import org.tdxsim.kvm.VcpuFd;
import org.tdxsim.kvm.VmFd;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.kvm.uapi.KvmMemoryAttributes;
import org.tdxsim.kvm.uapi.KvmTdxCapabilities;
import org.tdxsim.kvm.uapi.KvmTdxInitMemRegion;
import org.tdxsim.kvm.uapi.KvmTdxInitVm;
import org.tdxsim.kvm.uapi.KvmUserspaceMemoryRegion2;

/**
 * The QEMU-style TD creation flow (kvm-tdx-uapi.md §7.1, §9), step by step, written only against the
 * typed client so tests can stop after any step or tamper with one input.
 */
final class QemuFlow implements AutoCloseable {
    static final long SEPT_VE_DISABLE = 1L << 28;
    static final long MEM_BASE = 0x800000;

    final KvmBackend backend;
    final Kvm kvm;
    VmFd vm;
    KvmTdxCapabilities caps;
    KvmCpuid2 initCpuid;
    final List<VcpuFd> vcpus = new ArrayList<>();
    GuestMemfd gmem;
    final Arena arena;

    QemuFlow(KvmBackend backend) {
        this.backend = backend;
        this.kvm = Kvm.open(backend);
        this.arena = backend.memory().openArena();
    }

    QemuFlow createVm() {
        vm = kvm.createVm(KvmConstants.KVM_X86_TDX_VM);
        return this;
    }

    QemuFlow splitIrqchip() {
        vm.enableSplitIrqchip(24);
        return this;
    }

    QemuFlow capabilities() {
        caps = QemuProtocols.tdxCapabilities(vm);
        return this;
    }

    /** QEMU {@code tdx_filter_cpuid}: keep leaves present in the capabilities, AND with their masks. */
    static KvmCpuid2 filter(KvmCpuid2 supported, KvmTdxCapabilities caps) {
        List<KvmCpuidEntry2> out = new ArrayList<>();
        for (KvmCpuidEntry2 e : supported.entries()) {
            Optional<KvmCpuidEntry2> c = caps.cpuid().entries().stream()
                    .filter(x -> x.function() == e.function() && x.index() == e.index()).findFirst();
            c.ifPresent(m -> out.add(e.withRegisters(e.eax() & m.eax(), e.ebx() & m.ebx(), e.ecx() & m.ecx(),
                    e.edx() & m.edx())));
        }
        return KvmCpuid2.of(out);
    }

    QemuFlow buildInitCpuid() {
        initCpuid = filter(kvm.getSupportedCpuid(KvmConstants.KVM_MAX_CPUID_ENTRIES), caps);
        return this;
    }

    KvmTdxInitVm initVmRequest() {
        return KvmTdxInitVm.of(SEPT_VE_DISABLE & caps.supportedAttrs(), caps.supportedXfam(), initCpuid);
    }

    QemuFlow initVm() {
        QemuProtocols.tdxInitVm(vm, initVmRequest());
        return this;
    }

    /** Per vCPU: CREATE_VCPU → GET_CPUID → SET_CPUID2 → INIT_VCPU (the selftests' order, §6). */
    QemuFlow vcpus(int n) {
        for (int i = 0; i < n; i++) {
            VcpuFd v = vm.createVcpu(i);
            vcpus.add(v);
            KvmCpuid2 c = QemuProtocols.tdxGetCpuid(v);
            v.setCpuid2(c);
            v.tdxInitVcpu(0xFFFF_E000L);
        }
        return this;
    }

    /** A guest_memfd-backed memslot of {@code pages} pages at MEM_BASE, all PRIVATE. */
    QemuFlow privateMemory(int pages) {
        long size = pages * 4096L;
        gmem = vm.createGuestMemfd(size);
        MemorySegment shared = arena.allocate(size, 4096);
        vm.setUserMemoryRegion2(KvmUserspaceMemoryRegion2.of(0, KvmConstants.KVM_MEM_GUEST_MEMFD, MEM_BASE, size,
                shared.address(), 0, gmem.fd()));
        vm.setMemoryAttributes(new KvmMemoryAttributes(MEM_BASE, size, KvmConstants.KVM_MEMORY_ATTRIBUTE_PRIVATE, 0));
        return this;
    }

    /** INIT_MEM_REGION of {@code pages} pages of a recognizable pattern, measured. */
    KvmTdxInitMemRegion initMemRegion(int pages, boolean measure) {
        MemorySegment src = arena.allocate(pages * 4096L, 4096);
        for (long i = 0; i < src.byteSize(); i += 8) {
            src.set(ValueLayout.JAVA_LONG, i, 0x5A5A0000_00000000L | i);
        }
        return QemuProtocols.tdxInitMemRegion(vcpus.getFirst(),
                new KvmTdxInitMemRegion(src.address(), MEM_BASE, pages), measure);
    }

    QemuFlow finalizeVm() {
        vm.tdxFinalizeVm();
        return this;
    }

    /** The whole flow with {@code nVcpus} vCPUs and 4 measured pages. */
    QemuFlow all(int nVcpus) {
        createVm().splitIrqchip().capabilities().buildInitCpuid().initVm().vcpus(nVcpus).privateMemory(16);
        initMemRegion(4, true);
        return finalizeVm();
    }

    @Override
    public void close() {
        for (VcpuFd v : vcpus) {
            v.close();
        }
        if (gmem != null) {
            gmem.close();
        }
        if (vm != null) {
            vm.close();
        }
        kvm.close();
        arena.close();
    }
}
