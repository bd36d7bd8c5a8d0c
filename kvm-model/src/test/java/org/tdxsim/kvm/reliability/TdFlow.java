package org.tdxsim.kvm.reliability;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.tdxsim.kvm.GuestMemfd;
import org.tdxsim.kvm.Kvm;
import org.tdxsim.kvm.QemuProtocols;
import org.tdxsim.kvm.VcpuFd;
import org.tdxsim.kvm.VmFd;
import org.tdxsim.kvm.sim.SimulatedKernel;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.kvm.uapi.KvmMemoryAttributes;
import org.tdxsim.kvm.uapi.KvmTdxCapabilities;
import org.tdxsim.kvm.uapi.KvmTdxInitMemRegion;
import org.tdxsim.kvm.uapi.KvmTdxInitVm;
import org.tdxsim.kvm.uapi.KvmUserspaceMemoryRegion2;
import org.tdxsim.module.TdxModule;
import org.tdxsim.module.profile.ModuleProfiles;

/**
 * The documented TD creation flow (kvm-tdx-uapi.md §6, §7.1, §9) over the public typed client, step by
 * step, so reliability tests can build well-formed TDs, stop anywhere and check the kernel is clean.
 */
final class TdFlow implements AutoCloseable {
    static final long SEPT_VE_DISABLE = 1L << 28;
    static final long MEM_BASE = 0x80_0000;
    static final long HOB_GPA = 0xFFFF_E000L;

    final SimulatedKernel kernel;
    final Kvm kvm;
    final Arena arena;
    VmFd vm;
    KvmTdxCapabilities caps;
    KvmCpuid2 initCpuid;
    final List<VcpuFd> vcpus = new ArrayList<>();
    GuestMemfd gmem;

    TdFlow(SimulatedKernel kernel) {
        this.kernel = kernel;
        this.kvm = Kvm.open(kernel);
        this.arena = kernel.memory().openArena();
    }

    /** A simulated 6.16 kernel over module 2.0.08 on the default platform. */
    static SimulatedKernel kernel() {
        return SimulatedKernel.create(SimulatedKernel.Config.defaults().withModule(ModuleProfiles.builtIn("2.0.08")));
    }

    static TdxModule module(SimulatedKernel k) {
        return k.module().orElseThrow();
    }

    TdFlow createVm() {
        vm = kvm.createVm(KvmConstants.KVM_X86_TDX_VM);
        vm.enableSplitIrqchip(24);
        caps = QemuProtocols.tdxCapabilities(vm);
        initCpuid = filter(kvm.getSupportedCpuid(KvmConstants.KVM_MAX_CPUID_ENTRIES), caps);
        return this;
    }

    /** QEMU {@code tdx_filter_cpuid}: keep the leaves CAPABILITIES lists, AND with their masks (§5.3). */
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

    KvmTdxInitVm initVmRequest() {
        return KvmTdxInitVm.of(SEPT_VE_DISABLE & caps.supportedAttrs(), caps.supportedXfam(), initCpuid);
    }

    TdFlow initVm() {
        QemuProtocols.tdxInitVm(vm, initVmRequest());
        return this;
    }

    /** CREATE_VCPU → GET_CPUID → SET_CPUID2 → INIT_VCPU (§6 selftests order). */
    VcpuFd vcpu(int id) {
        VcpuFd v = vm.createVcpu(id);
        vcpus.add(v);
        v.setCpuid2(QemuProtocols.tdxGetCpuid(v));
        v.tdxInitVcpu(HOB_GPA);
        return v;
    }

    /** guest_memfd-backed memslot of {@code pages} at {@link #MEM_BASE}, all PRIVATE. */
    TdFlow privateMemory(int pages) {
        long size = pages * 4096L;
        gmem = vm.createGuestMemfd(size);
        MemorySegment shared = arena.allocate(size, 4096);
        vm.setUserMemoryRegion2(KvmUserspaceMemoryRegion2.of(0, KvmConstants.KVM_MEM_GUEST_MEMFD, MEM_BASE, size,
                shared.address(), 0, gmem.fd()));
        vm.setMemoryAttributes(new KvmMemoryAttributes(MEM_BASE, size, KvmConstants.KVM_MEMORY_ATTRIBUTE_PRIVATE, 0));
        return this;
    }

    /** A source buffer of {@code pages} pages filled with {@code pattern}. */
    MemorySegment source(int pages, long pattern) {
        MemorySegment src = arena.allocate(pages * 4096L, 4096);
        for (long i = 0; i < src.byteSize(); i += 8) {
            src.set(ValueLayout.JAVA_LONG, i, pattern ^ i);
        }
        return src;
    }

    KvmTdxInitMemRegion initMemRegion(long gpa, int pages, boolean measure) {
        return QemuProtocols.tdxInitMemRegion(vcpus.getFirst(),
                new KvmTdxInitMemRegion(source(pages, 0x5A5A_0000_0000_0000L ^ gpa).address(), gpa, pages), measure);
    }

    /** The whole flow: VM, {@code nVcpus} vCPUs, 16 private pages of which 4 are added and measured, FINALIZE. */
    TdFlow all(int nVcpus) {
        createVm().initVm();
        for (int i = 0; i < nVcpus; i++) {
            vcpu(i);
        }
        privateMemory(16);
        initMemRegion(MEM_BASE, 4, true);
        vm.tdxFinalizeVm();
        return this;
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
