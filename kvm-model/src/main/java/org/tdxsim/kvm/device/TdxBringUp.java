package org.tdxsim.kvm.device;

import com.google.common.collect.ImmutableList;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
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
import org.tdxsim.kvm.uapi.KvmTdxCapabilities;
import org.tdxsim.kvm.uapi.KvmTdxInitMemRegion;
import org.tdxsim.kvm.uapi.KvmTdxInitVm;
import org.tdxsim.kvm.uapi.KvmUserspaceMemoryRegion2;

/**
 * The whole TD build, up to a finalized TD, through the typed client on any backend: the checklist of
 * uapi §9 in the order §6 documents. On a TDX host with the {@link DeviceBackend} it builds a real TD;
 * on the simulated kernel the same bytes reach the model; on a host without TDX it stops at
 * {@code KVM_CREATE_VM} with the kernel's EINVAL and the backend's reason.
 *
 * <ol>
 *   <li>KVM_CHECK_EXTENSION(KVM_CAP_VM_TYPES), KVM_CREATE_VM(KVM_X86_TDX_VM);
 *   <li>KVM_TDX_CAPABILITIES (QEMU's growing buffer); KVM_CHECK_EXTENSION(KVM_CAP_MAX_VCPUS) on the VM;
 *       KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP, 24 pins, QEMU's IOAPIC) — required before TDX vCPUs;
 *   <li>KVM_TDX_INIT_VM: attributes {@code SEPT_VE_DISABLE} (bit 28, QEMU's default) if supported;
 *       XFAM = the XCR0|XSS bits KVM supports ∩ {@code supported_xfam} (KVM ORs the module's fixed-1
 *       bits itself, uapi §2 td_params); CPUID = KVM_GET_SUPPORTED_CPUID filtered by the capabilities'
 *       leaves and ANDed with their masks (as the selftests do, uapi §7.2), with 0x80000008
 *       EAX[23:16] = GuestPhysBits 48 or 52 (§4.1: 52 only if KVM's supported CPUID says 52);
 *   <li>per vCPU: KVM_CREATE_VCPU, KVM_TDX_GET_CPUID → KVM_SET_CPUID2 (same table: keeps
 *       GuestPhysBits in step with INIT_VM, §4.5) → KVM_TDX_INIT_VCPU(initial RCX);
 *   <li>private memory: KVM_CREATE_GUEST_MEMFD, KVM_SET_USER_MEMORY_REGION2 with
 *       {@code KVM_MEM_GUEST_MEMFD} (shared side: page-aligned user memory, mmap'd on the device
 *       backend), KVM_SET_MEMORY_ATTRIBUTES(PRIVATE) over the slot;
 *   <li>KVM_TDX_INIT_MEM_REGION of one measured page at GPA 0 from a page-aligned source;
 *   <li>KVM_TDX_FINALIZE_VM.
 * </ol>
 * Every fd and all memory are released when {@link #run} returns.
 */
public final class TdxBringUp {

    /** {@code TDX_TD_ATTR_SEPT_VE_DISABLE}, TD attribute bit 28 (uapi §2 "Other arch constants"). */
    public static final long TD_ATTR_SEPT_VE_DISABLE = 1L << 28;
    /** IOAPIC pins for KVM_CAP_SPLIT_IRQCHIP, as QEMU's pc machines use. */
    public static final int IOAPIC_PINS = 24;

    private TdxBringUp() {}

    /**
     * What to build.
     *
     * @param vcpus number of vCPUs (ids 0..n-1)
     * @param memoryBytes size of the private memory slot at GPA 0 (page multiple)
     * @param initialRcx KVM_TDX_INIT_VCPU's {@code data} (QEMU passes the TD HOB GPA)
     */
    public record Options(int vcpus, long memoryBytes, long initialRcx) {
        public Options {
            if (vcpus < 1 || memoryBytes < KvmConstants.PAGE_SIZE || memoryBytes % KvmConstants.PAGE_SIZE != 0) {
                throw new IllegalArgumentException("need >= 1 vCPU and a page-multiple memory size, got " + vcpus
                        + " vCPUs, " + memoryBytes + " bytes");
            }
        }

        /** One vCPU, 2 MiB, RCX 0. */
        public static Options defaults() {
            return new Options(1, 2L << 20, 0);
        }
    }

    /** One completed step: the uapi call and what it returned. */
    public record Step(String call, String result) {
        @Override
        public String toString() {
            return call + ": " + result;
        }
    }

    /** How far the build got. */
    public sealed interface Outcome {
        ImmutableList<Step> steps();
    }

    /** The TD was finalized (KVM_TDX_FINALIZE_VM succeeded). */
    public record Finalized(ImmutableList<Step> steps) implements Outcome {}

    /** A call failed; {@code reason} is the KvmException's one line (errno, hw_error, explanation). */
    public record Stopped(ImmutableList<Step> steps, String failedCall, String reason) implements Outcome {
        @Override
        public String toString() {
            return "stopped at " + failedCall + ": " + reason;
        }
    }

    /** Runs the flow on {@code backend} (left open; every fd it creates is closed). */
    public static Outcome run(KvmBackend backend, Options options) {
        List<Step> steps = new ArrayList<>();
        String[] current = {"open(/dev/kvm)"};
        try (Kvm kvm = Kvm.open(backend)) {
            current[0] = "KVM_CHECK_EXTENSION(KVM_CAP_VM_TYPES)";
            long types = Integer.toUnsignedLong(kvm.checkExtension(KvmConstants.KVM_CAP_VM_TYPES));
            steps.add(new Step(current[0], VmType.describe(types)));
            current[0] = "KVM_GET_SUPPORTED_CPUID";
            KvmCpuid2 supported = kvm.getSupportedCpuid(KvmConstants.KVM_MAX_CPUID_ENTRIES);
            steps.add(new Step(current[0], supported.entries().size() + " entries"));
            current[0] = "KVM_CREATE_VM(KVM_X86_TDX_VM)";
            try (VmFd vm = kvm.createVm(KvmConstants.KVM_X86_TDX_VM)) {
                steps.add(new Step(current[0], "VM fd " + vm.fd()));
                buildTd(backend, vm, supported, options, steps, current);
            }
            return new Finalized(ImmutableList.copyOf(steps));
        } catch (KvmException e) {
            return new Stopped(ImmutableList.copyOf(steps), current[0], e.getMessage());
        }
    }

    private static void buildTd(KvmBackend backend, VmFd vm, KvmCpuid2 supported, Options o, List<Step> steps,
            String[] current) {
        current[0] = "KVM_TDX_CAPABILITIES";
        KvmTdxCapabilities caps = QemuProtocols.tdxCapabilities(vm);
        steps.add(new Step(current[0], String.format("supported_attrs 0x%X, supported_xfam 0x%X, %d CPUID configs",
                caps.supportedAttrs(), caps.supportedXfam(), caps.cpuid().entries().size())));
        current[0] = "KVM_CHECK_EXTENSION(KVM_CAP_MAX_VCPUS) on the VM";
        int maxVcpus = vm.checkExtension(KvmConstants.KVM_CAP_MAX_VCPUS);
        steps.add(new Step(current[0], Integer.toString(maxVcpus)));
        current[0] = "KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP)";
        vm.enableSplitIrqchip(IOAPIC_PINS);
        steps.add(new Step(current[0], IOAPIC_PINS + " IOAPIC pins"));

        current[0] = "KVM_TDX_INIT_VM";
        KvmTdxInitVm init = initVm(caps, supported);
        QemuProtocols.tdxInitVm(vm, init);
        steps.add(new Step(current[0], String.format("attributes 0x%X, xfam 0x%X, %d CPUID entries, GuestPhysBits %d",
                init.attributes(), init.xfam(), init.cpuid().entries().size(), guestPhysBits(init.cpuid()))));

        List<VcpuFd> vcpus = new ArrayList<>();
        try (Arena arena = backend.memory().openArena()) {
            for (int id = 0; id < o.vcpus(); id++) {
                current[0] = "KVM_CREATE_VCPU(" + id + ")";
                VcpuFd vcpu = vm.createVcpu(id);
                vcpus.add(vcpu);
                current[0] = "KVM_TDX_GET_CPUID(vCPU " + id + ")";
                KvmCpuid2 tdCpuid = QemuProtocols.tdxGetCpuid(vcpu);
                current[0] = "KVM_SET_CPUID2(vCPU " + id + ")";
                vcpu.setCpuid2(tdCpuid);
                current[0] = "KVM_TDX_INIT_VCPU(vCPU " + id + ")";
                vcpu.tdxInitVcpu(o.initialRcx());
                steps.add(new Step("vCPU " + id, "created, KVM_TDX_GET_CPUID " + tdCpuid.entries().size()
                        + " entries → KVM_SET_CPUID2, KVM_TDX_INIT_VCPU(rcx 0x" + Long.toHexString(o.initialRcx()) + ")"));
            }

            current[0] = "KVM_CREATE_GUEST_MEMFD";
            try (GuestMemfd gmem = vm.createGuestMemfd(o.memoryBytes())) {
                steps.add(new Step(current[0], o.memoryBytes() + " bytes, fd " + gmem.fd()));
                MemorySegment shared = arena.allocate(o.memoryBytes(), KvmConstants.PAGE_SIZE);
                current[0] = "KVM_SET_USER_MEMORY_REGION2";
                vm.setUserMemoryRegion2(KvmUserspaceMemoryRegion2.of(0, KvmConstants.KVM_MEM_GUEST_MEMFD, 0,
                        o.memoryBytes(), shared.address(), 0, gmem.fd()));
                steps.add(new Step(current[0], String.format("slot 0, GPA 0..0x%X, KVM_MEM_GUEST_MEMFD, userspace 0x%X",
                        o.memoryBytes(), shared.address())));
                current[0] = "KVM_SET_MEMORY_ATTRIBUTES(PRIVATE)";
                vm.setMemoryAttributes(new KvmMemoryAttributes(0, o.memoryBytes(),
                        KvmConstants.KVM_MEMORY_ATTRIBUTE_PRIVATE, 0));
                steps.add(new Step(current[0], String.format("GPA 0..0x%X", o.memoryBytes())));

                current[0] = "KVM_TDX_INIT_MEM_REGION";
                MemorySegment source = arena.allocate(KvmConstants.PAGE_SIZE, KvmConstants.PAGE_SIZE);
                source.fill((byte) 0xF4); // HLT: recognisable content for the measured page
                KvmTdxInitMemRegion left = QemuProtocols.tdxInitMemRegion(vcpus.getFirst(),
                        new KvmTdxInitMemRegion(source.address(), 0, 1), true);
                steps.add(new Step(current[0], String.format("1 page from 0x%X to GPA 0, measured; nr_pages left %d",
                        source.address(), left.nrPages())));

                current[0] = "KVM_TDX_FINALIZE_VM";
                vm.tdxFinalizeVm();
                steps.add(new Step(current[0], "TD runnable"));
            }
        } finally {
            for (VcpuFd v : vcpus) {
                v.close();
            }
        }
    }

    /**
     * The KVM_TDX_INIT_VM request built from the capabilities and KVM's supported CPUID (the
     * selftests' recipe, uapi §7.2 / §9 step 4).
     */
    public static KvmTdxInitVm initVm(KvmTdxCapabilities caps, KvmCpuid2 supported) {
        long attributes = caps.supportedAttrs() & TD_ATTR_SEPT_VE_DISABLE;
        long xcr0 = supported.find(0xD, 0).map(e -> Integer.toUnsignedLong(e.edx()) << 32 | Integer.toUnsignedLong(e.eax()))
                .orElse(0L);
        long xss = supported.find(0xD, 1).map(e -> Integer.toUnsignedLong(e.edx()) << 32 | Integer.toUnsignedLong(e.ecx()))
                .orElse(0L);
        long xfam = (xcr0 | xss) & caps.supportedXfam();
        int gpaBits = supported.find(0x8000_0008, 0).map(e -> e.eax() >>> 16 & 0xFF).filter(g -> g == 52).orElse(48);
        List<KvmCpuidEntry2> entries = new ArrayList<>();
        boolean have80000008 = false;
        for (KvmCpuidEntry2 mask : caps.cpuid().entries()) {
            KvmCpuidEntry2 s = supported.find(mask.function(), mask.index()).orElse(null);
            if (s == null) {
                continue;
            }
            int eax = s.eax() & mask.eax();
            if (mask.function() == 0x8000_0008) {
                eax = eax & ~0x00FF_0000 | gpaBits << 16;
                have80000008 = true;
            }
            entries.add(new KvmCpuidEntry2(s.function(), s.index(), s.flags(), eax, s.ebx() & mask.ebx(),
                    s.ecx() & mask.ecx(), s.edx() & mask.edx()));
        }
        if (!have80000008) {
            // INIT_VM needs this leaf for the GPAW (uapi §4.1); KVM reads only EAX[23:16] of it.
            entries.add(new KvmCpuidEntry2(0x8000_0008, 0, 0, gpaBits << 16, 0, 0, 0));
        }
        return KvmTdxInitVm.of(attributes, xfam, KvmCpuid2.of(entries));
    }

    private static int guestPhysBits(KvmCpuid2 cpuid) {
        return cpuid.find(0x8000_0008, 0).map(e -> e.eax() >>> 16 & 0xFF).orElse(0);
    }

    /** Convenience: the flow on this host's /dev/kvm with default options. */
    public static Outcome onThisHost() {
        try (DeviceBackend backend = new DeviceBackend()) {
            return run(backend, Options.defaults());
        }
    }

    /** The outcome as report lines. */
    public static ImmutableList<String> report(Outcome outcome) {
        List<String> lines = new ArrayList<>();
        outcome.steps().forEach(s -> lines.add("ok " + s));
        switch (outcome) {
            case Finalized f -> lines.add("TD finalized");
            case Stopped s -> lines.add("FAILED " + s.failedCall() + ": " + s.reason());
        }
        return ImmutableList.copyOf(lines);
    }
}
