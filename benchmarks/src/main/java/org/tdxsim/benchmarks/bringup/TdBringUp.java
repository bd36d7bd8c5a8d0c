package org.tdxsim.benchmarks.bringup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.tdxsim.kvm.GuestMemfd;
import org.tdxsim.kvm.Kvm;
import org.tdxsim.kvm.KvmBackend;
import org.tdxsim.kvm.QemuProtocols;
import org.tdxsim.kvm.VcpuFd;
import org.tdxsim.kvm.VmFd;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmMemoryAttributes;
import org.tdxsim.kvm.uapi.KvmTdxCapabilities;
import org.tdxsim.kvm.uapi.KvmTdxInitMemRegion;
import org.tdxsim.kvm.uapi.KvmTdxInitVm;
import org.tdxsim.kvm.uapi.KvmUserspaceMemoryRegion2;

/**
 * The measured TD bring-up (issue #7 target 1), through the typed client on any backend:
 *
 * <ol>
 *   <li>KVM_CREATE_VM(KVM_X86_TDX_VM), KVM_TDX_CAPABILITIES (QEMU's growing buffer),
 *       KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP) (KVM refuses TDX vCPUs without it, uapi §9),
 *       KVM_TDX_INIT_VM;
 *   <li>per vCPU: KVM_CREATE_VCPU, KVM_TDX_GET_CPUID, KVM_SET_CPUID2, KVM_TDX_INIT_VCPU;
 *   <li>the private memory the initial image needs (uapi §9): KVM_CREATE_GUEST_MEMFD,
 *       KVM_SET_USER_MEMORY_REGION2(KVM_MEM_GUEST_MEMFD), KVM_SET_MEMORY_ATTRIBUTES(PRIVATE);
 *   <li>KVM_TDX_INIT_MEM_REGION of {@code pages} measured pages at GPA 0, KVM_TDX_FINALIZE_VM;
 *   <li>{@link Td#close()}: every vCPU fd, the guest_memfd and the VM fd.
 * </ol>
 *
 * <p>What a VMM computes once per process is done once in {@link #prepare}: the KVM_TDX_INIT_VM
 * request (the selftests' recipe from KVM_GET_SUPPORTED_CPUID and the capabilities, uapi §7.2) and
 * the user memory (the slot's shared side and the source pages). The KVM_TDX_CAPABILITIES call stays
 * in every bring-up because QEMU issues it per VM.
 */
public final class TdBringUp implements AutoCloseable {

    /** IOAPIC pins for KVM_CAP_SPLIT_IRQCHIP, as QEMU's pc machines use. */
    static final int IOAPIC_PINS = 24;

    private final KvmBackend backend;
    private final Kvm kvm;
    private final Arena arena;
    private final KvmTdxInitVm initVm;
    private final int vcpus;
    private final int pages;
    private final MemorySegment shared;
    private final MemorySegment source;
    private final int maxVcpus;

    private TdBringUp(KvmBackend backend, Kvm kvm, Arena arena, KvmTdxInitVm initVm, int vcpus, int pages,
            int maxVcpus) {
        this.backend = backend;
        this.kvm = kvm;
        this.arena = arena;
        this.initVm = initVm;
        this.vcpus = vcpus;
        this.pages = pages;
        this.maxVcpus = maxVcpus;
        long bytes = pages * KvmConstants.PAGE_SIZE;
        this.shared = arena.allocate(bytes, KvmConstants.PAGE_SIZE);
        this.source = arena.allocate(bytes, KvmConstants.PAGE_SIZE);
        source.fill((byte) 0xF4); // HLT: any content is measured the same way
    }

    /**
     * Opens {@code /dev/kvm} on {@code backend}, builds the INIT_VM request from one throw-away TD's
     * capabilities, and allocates the user memory. The arena is confined: use from one thread.
     */
    public static TdBringUp prepare(KvmBackend backend, int vcpus, int pages) {
        if (vcpus < 1 || pages < 1) {
            throw new IllegalArgumentException("need >= 1 vCPU and >= 1 page, got " + vcpus + ", " + pages);
        }
        Kvm kvm = Kvm.open(backend);
        try {
            KvmCpuid2 supported = kvm.getSupportedCpuid(KvmConstants.KVM_MAX_CPUID_ENTRIES);
            KvmTdxInitVm init;
            int max;
            try (VmFd probe = kvm.createVm(KvmConstants.KVM_X86_TDX_VM)) {
                init = initVmRequest(QemuProtocols.tdxCapabilities(probe), supported);
                max = probe.checkExtension(KvmConstants.KVM_CAP_MAX_VCPUS);
            }
            return new TdBringUp(backend, kvm, backend.memory().openArena(), init, vcpus, pages, max);
        } catch (RuntimeException e) {
            kvm.close();
            throw e;
        }
    }

    /** KVM_CAP_MAX_VCPUS of a TD on this backend (the most vCPUs {@link #build} can create). */
    public int maxVcpus() {
        return maxVcpus;
    }

    public int vcpus() {
        return vcpus;
    }

    /** One bring-up, up to a finalized TD left open; the caller closes it. */
    public Td build() {
        VmFd vm = kvm.createVm(KvmConstants.KVM_X86_TDX_VM);
        Td td = new Td(vm);
        try {
            KvmTdxCapabilities caps = QemuProtocols.tdxCapabilities(vm);
            if (caps.supportedXfam() == 0) {
                throw new IllegalStateException("KVM_TDX_CAPABILITIES reported no XFAM bits");
            }
            vm.enableSplitIrqchip(IOAPIC_PINS);
            QemuProtocols.tdxInitVm(vm, initVm);
            for (int id = 0; id < vcpus; id++) {
                VcpuFd vcpu = vm.createVcpu(id);
                td.vcpus.add(vcpu);
                vcpu.setCpuid2(QemuProtocols.tdxGetCpuid(vcpu));
                vcpu.tdxInitVcpu(0);
            }
            long bytes = pages * KvmConstants.PAGE_SIZE;
            td.gmem = vm.createGuestMemfd(bytes);
            vm.setUserMemoryRegion2(KvmUserspaceMemoryRegion2.of(0, KvmConstants.KVM_MEM_GUEST_MEMFD, 0, bytes,
                    shared.address(), 0, td.gmem.fd()));
            vm.setMemoryAttributes(new KvmMemoryAttributes(0, bytes, KvmConstants.KVM_MEMORY_ATTRIBUTE_PRIVATE, 0));
            QemuProtocols.tdxInitMemRegion(td.vcpus.getFirst(), new KvmTdxInitMemRegion(source.address(), 0, pages),
                    true);
            vm.tdxFinalizeVm();
            return td;
        } catch (RuntimeException e) {
            td.close();
            throw e;
        }
    }

    /** {@link #build} then close: the whole measured sequence. */
    public void buildAndClose() {
        build().close();
    }

    @Override
    public void close() {
        try {
            kvm.close();
        } finally {
            arena.close();
        }
    }

    /** A finalized TD: its VM fd, vCPU fds and guest_memfd. */
    public static final class Td implements AutoCloseable {
        private final VmFd vm;
        private final List<VcpuFd> vcpus = new ArrayList<>();
        private GuestMemfd gmem;

        Td(VmFd vm) {
            this.vm = vm;
        }

        public VmFd vm() {
            return vm;
        }

        public int vcpuCount() {
            return vcpus.size();
        }

        /** Closes the vCPUs, the guest_memfd, then the VM (the order QEMU's teardown uses). */
        @Override
        public void close() {
            for (VcpuFd v : vcpus) {
                v.close();
            }
            if (gmem != null) {
                gmem.close();
            }
            vm.close();
        }
    }

    /**
     * The KVM_TDX_INIT_VM request: attributes SEPT_VE_DISABLE if supported; XFAM = KVM's XCR0|XSS ∩
     * supported_xfam; CPUID = KVM_GET_SUPPORTED_CPUID filtered by the capabilities' leaves and masks
     * (selftests recipe, uapi §7.2) with 0x80000008 EAX[23:16] GuestPhysBits 48, or 52 where KVM
     * reports 52 (uapi §4.1).
     */
    static KvmTdxInitVm initVmRequest(KvmTdxCapabilities caps, KvmCpuid2 supported) {
        return org.tdxsim.kvm.device.TdxBringUp.initVm(caps, supported); // the same recipe as the device flow
    }

    @Override
    public String toString() {
        return "TD bring-up on " + backend.name() + ": " + vcpus + " vCPUs, " + pages + " pages";
    }
}
