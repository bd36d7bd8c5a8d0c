package org.tdxsim.kvm.device;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import com.google.common.collect.ImmutableSortedMap;
import com.google.common.collect.ImmutableSortedSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.tdxsim.kvm.Kvm;
import org.tdxsim.kvm.KvmBackend;
import org.tdxsim.kvm.KvmException;
import org.tdxsim.kvm.VcpuFd;
import org.tdxsim.kvm.VmFd;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.Ioctls;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;

/**
 * What this host offers a VMM that wants TDX: access to {@code /dev/kvm}, the KVM API version, the VM
 * types ({@code KVM_CAP_VM_TYPES}), the capabilities the TDX flow needs, KVM's supported CPUID, the TSC
 * KVM gives vCPUs, and the host facts KVM does not report (CPU vendor and signature from
 * {@code /proc/cpuinfo}, raw CPUID and MSRs where {@code /dev/cpu/0/*} is readable, topology, the TDX
 * KeyID count, {@code kvm_intel.tdx}) — and, from all of it, whether TDX is available and why not.
 *
 * <p>The probe never throws for a host problem: a missing device, a refused ioctl or an unreadable file
 * leaves its field empty and, for KVM calls, adds a line to {@link #problems()}.
 *
 * @param device the KVM device path
 * @param access the open(2) of the device
 * @param apiVersion KVM_GET_API_VERSION (12 on every kernel with this API, uapi §1)
 * @param vmTypesMask KVM_CHECK_EXTENSION(KVM_CAP_VM_TYPES) on the system fd
 * @param capabilities KVM_CHECK_EXTENSION on the system fd for the capabilities the TDX flow uses
 *     (uapi §1 table), by uapi name, in that order
 * @param supportedCpuid KVM_GET_SUPPORTED_CPUID: KVM's filtered view of CPUID, what it can give a
 *     guest — not the raw CPUID of the host
 * @param tscKhz KVM_GET_TSC_KHZ on a vCPU of a default VM: the TSC frequency KVM gives vCPUs by default
 *     (the host's TSC unless scaled)
 * @param cpuInfo {@code /proc/cpuinfo}, CPU 0
 * @param rawCpuid raw CPUID of CPU 0 through {@code /dev/cpu/0/cpuid} ({@link CpuidDevice})
 * @param msrs MSRs of CPU 0 read through {@code /dev/cpu/0/msr}, by address ({@link #PROBED_MSRS})
 * @param kvmModules loaded KVM vendor modules ({@code /sys/module/kvm_*})
 * @param kvmIntelTdx {@code /sys/module/kvm_intel/parameters/tdx}
 * @param kernelRelease {@code /proc/sys/kernel/osrelease}
 * @param packages distinct physical package ids in sysfs
 * @param logicalProcessors CPUs in sysfs
 * @param tdxKeyIds the misc cgroup capacity of resource {@code tdx} (number of TDX private KeyIDs KVM
 *     can hand out), present only on a TDX host
 * @param problems one line per KVM call that failed during the probe
 * @param tdx the verdict
 */
public record HostProbe(
        String device,
        KvmAccess access,
        OptionalInt apiVersion,
        OptionalLong vmTypesMask,
        ImmutableMap<String, Integer> capabilities,
        Optional<KvmCpuid2> supportedCpuid,
        OptionalLong tscKhz,
        Optional<CpuInfo> cpuInfo,
        Optional<ImmutableList<KvmCpuidEntry2>> rawCpuid,
        ImmutableSortedMap<Integer, Long> msrs,
        ImmutableSortedSet<String> kvmModules,
        Optional<String> kvmIntelTdx,
        Optional<String> kernelRelease,
        OptionalInt packages,
        OptionalInt logicalProcessors,
        OptionalLong tdxKeyIds,
        ImmutableList<String> problems,
        TdxSupport tdx) {

    /**
     * {@code KVM_GET_TSC_KHZ = _IO(KVMIO, 0xa3)}. Not in the uapi digest's table; value from
     * {@code include/uapi/linux/kvm.h} (checked against this machine's {@code /usr/include/linux/kvm.h}),
     * computed with {@link Ioctls#io}. Distinct from KVM_ENABLE_CAP, which is {@code _IOW} of the same nr.
     */
    public static final long KVM_GET_TSC_KHZ = Ioctls.io(Ioctls.KVMIO, 0xA3);

    /**
     * MSRs read when {@code /dev/cpu/0/msr} is readable: IA32_MKTME_KEYID_PARTITIONING (0x87, the HKID
     * split, abi §7.4), IA32_ARCH_CAPABILITIES (0x10A), IA32_MISC_ENABLE (0x1A0),
     * IA32_VMX_EPT_VPID_CAP (0x48C, 4/5-level EPT) — the MSRs the platform profiles carry.
     */
    public static final ImmutableList<Integer> PROBED_MSRS = ImmutableList.of(0x87, 0x10A, 0x1A0, 0x48C);

    /** The capabilities reported, by name (uapi §1 "Capability / type constants"). */
    static final ImmutableMap<String, Integer> CAPABILITIES = ImmutableMap.<String, Integer>builder()
            .put("KVM_CAP_VM_TYPES", KvmConstants.KVM_CAP_VM_TYPES)
            .put("KVM_CAP_MAX_VCPUS", KvmConstants.KVM_CAP_MAX_VCPUS)
            .put("KVM_CAP_SPLIT_IRQCHIP", KvmConstants.KVM_CAP_SPLIT_IRQCHIP)
            .put("KVM_CAP_EXIT_HYPERCALL", KvmConstants.KVM_CAP_EXIT_HYPERCALL)
            .put("KVM_CAP_MEMORY_ATTRIBUTES", KvmConstants.KVM_CAP_MEMORY_ATTRIBUTES)
            .put("KVM_CAP_GUEST_MEMFD", KvmConstants.KVM_CAP_GUEST_MEMFD)
            .put("KVM_CAP_X86_APIC_BUS_CYCLES_NS", KvmConstants.KVM_CAP_X86_APIC_BUS_CYCLES_NS)
            .buildOrThrow();

    /** Probes this host's {@code /dev/kvm} with a fresh device backend, closed afterwards. */
    public static HostProbe probe() {
        try (DeviceBackend backend = new DeviceBackend()) {
            return probe(backend, HostFiles.system());
        }
    }

    /**
     * Probes {@code backend}'s {@code /dev/kvm} and the host files. Every fd it opens is closed before
     * it returns; the backend itself stays open (the caller's).
     */
    public static HostProbe probe(KvmBackend backend, HostFiles files) {
        List<String> problems = new ArrayList<>();
        KvmAccess access;
        OptionalInt api = OptionalInt.empty();
        OptionalLong vmTypes = OptionalLong.empty();
        Map<String, Integer> caps = new LinkedHashMap<>();
        Optional<KvmCpuid2> cpuid = Optional.empty();
        OptionalLong tsc = OptionalLong.empty();
        Kvm kvm;
        try {
            kvm = Kvm.open(backend, DeviceBackend.DEV_KVM);
            access = new KvmAccess.Accessible(DeviceBackend.DEV_KVM);
        } catch (KvmException e) {
            kvm = null;
            access = KvmAccess.of(DeviceBackend.DEV_KVM, -e.errno());
        }
        if (kvm != null) {
            try (Kvm k = kvm) {
                api = attempt(problems, () -> OptionalInt.of(k.getApiVersion()), OptionalInt.empty());
                for (var c : CAPABILITIES.entrySet()) {
                    attempt(problems, () -> caps.put(c.getKey(), k.checkExtension(c.getValue())), null);
                }
                Integer mask = caps.get("KVM_CAP_VM_TYPES");
                vmTypes = mask == null ? OptionalLong.empty() : OptionalLong.of(Integer.toUnsignedLong(mask));
                cpuid = attempt(problems, () -> Optional.of(k.getSupportedCpuid(KvmConstants.KVM_MAX_CPUID_ENTRIES)),
                        Optional.empty());
                tsc = attempt(problems, () -> defaultVcpuTscKhz(k), OptionalLong.empty());
            }
        }
        Optional<CpuInfo> cpu = files.cpuInfo();
        Optional<KvmCpuid2> kvmCpuid = cpuid;
        Optional<String> vendor = cpu.map(CpuInfo::vendorId).or(() -> vendorOf(kvmCpuid));
        Optional<String> tdxParam = files.moduleParameter("kvm_intel", "tdx");
        TdxSupport tdx = TdxSupport.decide(access, vmTypes, vendor, cpu, files.moduleLoaded("kvm_intel"), tdxParam);
        TreeMap<Integer, Long> msrs = new TreeMap<>();
        for (int msr : PROBED_MSRS) {
            files.msr(0, msr).ifPresent(v -> msrs.put(msr, v));
        }
        return new HostProbe(DeviceBackend.DEV_KVM, access, api, vmTypes, ImmutableMap.copyOf(caps), cpuid, tsc, cpu,
                CpuidDevice.read(files, 0), ImmutableSortedMap.copyOfSorted(msrs), files.kvmVendorModules(),
                tdxParam, files.kernelRelease(), files.packages(), files.logicalProcessors(),
                files.miscCapacity("tdx"), ImmutableList.copyOf(problems), tdx);
    }

    /** KVM_GET_TSC_KHZ on vCPU 0 of a throw-away default VM. */
    private static OptionalLong defaultVcpuTscKhz(Kvm kvm) {
        try (VmFd vm = kvm.createVm(); VcpuFd vcpu = vm.createVcpu(0)) {
            long khz = vcpu.rawIoctl(KVM_GET_TSC_KHZ, 0);
            if (khz < 0) {
                throw new IllegalStateException("KVM_GET_TSC_KHZ: " + Errno.nameOf((int) -khz));
            }
            return khz == 0 ? OptionalLong.empty() : OptionalLong.of(khz);
        }
    }

    private interface Call<T> {
        T call();
    }

    private static <T> T attempt(List<String> problems, Call<T> call, T fallback) {
        try {
            return call.call();
        } catch (KvmException | IllegalStateException e) {
            problems.add(e.getMessage());
            return fallback;
        }
    }

    // ---- KVM's view, decoded

    /** The named VM types in {@link #vmTypesMask()}. */
    public ImmutableSet<VmType> vmTypes() {
        return VmType.decode(vmTypesMask.orElse(0));
    }

    /** KVM's CPUID leaf {@code (function, index)}, if the supported list has it. */
    public Optional<KvmCpuidEntry2> kvmLeaf(int function, int index) {
        return supportedCpuid.flatMap(c -> c.find(function, index));
    }

    /** The vendor string in KVM's CPUID leaf 0 (EBX, EDX, ECX). */
    public Optional<String> kvmVendor() {
        return vendorOf(supportedCpuid);
    }

    /** KVM's CPUID.0:EAX: the highest basic leaf KVM reports. */
    public OptionalInt kvmMaxBasicLeaf() {
        return kvmLeaf(0, 0).map(e -> OptionalInt.of(e.eax())).orElse(OptionalInt.empty());
    }

    /** KVM's CPUID.80000000:EAX. */
    public OptionalInt kvmMaxExtendedLeaf() {
        return kvmLeaf(0x8000_0000, 0).map(e -> OptionalInt.of(e.eax())).orElse(OptionalInt.empty());
    }

    /**
     * KVM's CPUID 0x80000008 EAX[23:16], "GuestPhysBits": since 6.10 the maximum addressable GPA, 0 if
     * TDP is off, capped at 48 when KVM's TDP has fewer than 5 levels (uapi §4.2).
     */
    public OptionalInt kvmGuestPhysBits() {
        return kvmLeaf(0x8000_0008, 0).map(e -> OptionalInt.of(e.eax() >>> 16 & 0xFF)).orElse(OptionalInt.empty());
    }

    private static Optional<String> vendorOf(Optional<KvmCpuid2> cpuid) {
        return cpuid.flatMap(c -> c.find(0, 0)).map(e -> vendorString(e.ebx(), e.edx(), e.ecx()));
    }

    /** CPUID leaf 0's vendor: 12 ASCII bytes from EBX, EDX, ECX (little-endian). */
    static String vendorString(int ebx, int edx, int ecx) {
        byte[] b = new byte[12];
        int[] regs = {ebx, edx, ecx};
        for (int r = 0; r < 3; r++) {
            for (int i = 0; i < 4; i++) {
                b[4 * r + i] = (byte) (regs[r] >>> (8 * i));
            }
        }
        return new String(b, java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** Display family/model/stepping from a CPUID.1:EAX signature (SDM CPUID leaf 1 rules). */
    static int[] familyModelStepping(int signature) {
        int base = signature >>> 8 & 0xF;
        int family = base == 0xF ? base + (signature >>> 20 & 0xFF) : base;
        int model = signature >>> 4 & 0xF;
        if (base == 6 || base == 0xF) {
            model |= (signature >>> 16 & 0xF) << 4;
        }
        return new int[] {family, model, signature & 0xF};
    }

    // ---- cross-checks

    /**
     * One comparison between KVM's view and the host's own.
     *
     * @param fact what is compared
     * @param kvm KVM's value
     * @param host the host's value and where it came from
     * @param agrees whether they are consistent (the rule is in {@link #crossChecks()})
     */
    public record CrossCheck(String fact, String kvm, String host, boolean agrees) {
        @Override
        public String toString() {
            return fact + ": " + (agrees ? "agrees" : "DISAGREES") + " (KVM " + kvm + ", " + host + ")";
        }
    }

    /**
     * KVM's CPUID against {@code /proc/cpuinfo} (and raw CPUID when readable). Rules: the vendor string
     * and the family/model/stepping signature must be equal (KVM passes CPUID leaves 0 and 1 EAX
     * through); KVM's max basic leaf must be at least 1 and at most the host's {@code cpuid level} (KVM
     * caps it to the leaves it knows); KVM's MAXPHYADDR (0x80000008 EAX[7:0]) must be at least the
     * kernel's {@code address sizes} physical bits (with TDP KVM reports the raw MAXPHYADDR, which
     * memory-encryption KeyID bits can make larger than the kernel's reduced value, uapi §4.2).
     */
    public ImmutableList<CrossCheck> crossChecks() {
        List<CrossCheck> out = new ArrayList<>();
        if (supportedCpuid.isEmpty() || cpuInfo.isEmpty()) {
            return ImmutableList.of();
        }
        CpuInfo c = cpuInfo.get();
        kvmVendor().ifPresent(v -> out.add(new CrossCheck("vendor", v, "/proc/cpuinfo " + c.vendorId(),
                v.equals(c.vendorId()))));
        kvmLeaf(1, 0).ifPresent(l1 -> {
            int[] fms = familyModelStepping(l1.eax());
            String kvm = String.format("family %d model %d stepping %d (0x%08X)", fms[0], fms[1], fms[2], l1.eax());
            String host = "/proc/cpuinfo family " + str(c.family()) + " model " + str(c.model()) + " stepping "
                    + str(c.stepping());
            boolean agrees = c.family().equals(OptionalInt.of(fms[0])) && c.model().equals(OptionalInt.of(fms[1]))
                    && c.stepping().equals(OptionalInt.of(fms[2]));
            out.add(new CrossCheck("signature", kvm, host, agrees));
        });
        kvmMaxBasicLeaf().ifPresent(max -> out.add(new CrossCheck("max basic leaf", hex(max),
                "/proc/cpuinfo cpuid level " + str(c.cpuidLevel()),
                max >= 1 && c.cpuidLevel().isPresent() && max <= c.cpuidLevel().getAsInt())));
        kvmLeaf(0x8000_0008, 0).ifPresent(l -> {
            int phys = l.eax() & 0xFF;
            out.add(new CrossCheck("MAXPHYADDR", Integer.toString(phys),
                    "/proc/cpuinfo " + str(c.physicalAddressBits()) + " bits physical",
                    c.physicalAddressBits().isPresent() && phys >= c.physicalAddressBits().getAsInt()));
        });
        rawCpuid.ifPresent(raw -> raw.stream().filter(e -> e.function() == 0).findFirst().ifPresent(r0 -> {
            String rawVendor = vendorString(r0.ebx(), r0.edx(), r0.ecx());
            out.add(new CrossCheck("raw CPUID vendor", kvmVendor().orElse("?"), "/dev/cpu/0/cpuid " + rawVendor,
                    rawVendor.equals(kvmVendor().orElse(""))));
        }));
        return ImmutableList.copyOf(out);
    }

    private static String str(OptionalInt v) {
        return v.isPresent() ? Integer.toString(v.getAsInt()) : "?";
    }

    private static String hex(int v) {
        return "0x" + Integer.toHexString(v);
    }

    // ---- report

    /** The probe as report lines (what the CLI prints). */
    public ImmutableList<String> reportLines() {
        List<String> lines = new ArrayList<>();
        lines.add(access.describe());
        kernelRelease.ifPresent(r -> lines.add("kernel: " + r));
        lines.add("KVM modules: " + (kvmModules.isEmpty() ? "none listed in /sys/module" : String.join(", ", kvmModules))
                + kvmIntelTdx.map(t -> "; kvm_intel.tdx=" + t).orElse(""));
        apiVersion.ifPresent(v -> lines.add("KVM_GET_API_VERSION: " + v
                + (v == KvmConstants.KVM_API_VERSION ? "" : " (expected " + KvmConstants.KVM_API_VERSION + ")")));
        vmTypesMask.ifPresent(m -> lines.add(String.format("KVM_CAP_VM_TYPES: 0x%X %s", m, VmType.describe(m))));
        if (!capabilities.isEmpty()) {
            List<String> cs = new ArrayList<>();
            capabilities.forEach((k, v) -> {
                if (!k.equals("KVM_CAP_VM_TYPES")) {
                    cs.add(k + "=" + v);
                }
            });
            lines.add("KVM_CHECK_EXTENSION: " + String.join(", ", cs));
        }
        supportedCpuid.ifPresent(c -> lines.add("KVM_GET_SUPPORTED_CPUID: " + c.entries().size()
                + " entries (KVM's filtered view of CPUID, not raw CPUID); vendor " + kvmVendor().orElse("?")
                + ", max basic leaf " + (kvmMaxBasicLeaf().isPresent() ? hex(kvmMaxBasicLeaf().getAsInt()) : "?")
                + ", max extended leaf " + (kvmMaxExtendedLeaf().isPresent() ? hex(kvmMaxExtendedLeaf().getAsInt()) : "?")
                + ", GuestPhysBits " + str(kvmGuestPhysBits()) + (kvmGuestPhysBits().equals(OptionalInt.of(0))
                        ? " (0: KVM runs without TDP)" : "")));
        tscKhz.ifPresent(t -> lines.add("TSC: " + t + " kHz (KVM_GET_TSC_KHZ of a default vCPU)"));
        cpuInfo.ifPresentOrElse(c -> lines.add("CPU (/proc/cpuinfo): " + c.vendorId() + " family " + str(c.family())
                        + " model " + str(c.model()) + " stepping " + str(c.stepping()) + ", \"" + c.modelName()
                        + "\", cpuid level " + str(c.cpuidLevel()) + ", address sizes " + str(c.physicalAddressBits())
                        + "/" + str(c.virtualAddressBits()) + (c.underHypervisor() ? ", running under a hypervisor" : "")
                        + (c.ept5Level() ? ", VMX ept_5level" : "")),
                () -> lines.add("CPU: /proc/cpuinfo not readable"));
        lines.add("raw CPUID (/dev/cpu/0/cpuid): " + rawCpuid.map(r -> r.size() + " entries")
                .orElse("not readable (needs root and the x86 cpuid driver)"));
        lines.add("MSRs (/dev/cpu/0/msr): " + (msrs.isEmpty() ? "not readable (needs root and the msr driver)"
                : msrs.entrySet().stream().map(e -> String.format("0x%X=0x%016X", e.getKey(), e.getValue()))
                        .reduce((a, b) -> a + ", " + b).orElse("")));
        lines.add("topology: " + str(packages) + " package(s), " + str(logicalProcessors) + " logical processors");
        tdxKeyIds.ifPresent(k -> lines.add("TDX private KeyIDs (misc cgroup 'tdx'): " + k));
        crossChecks().forEach(cc -> lines.add("cross-check " + cc));
        problems.forEach(p -> lines.add("problem: " + p));
        lines.add(tdx.describe());
        return ImmutableList.copyOf(lines);
    }

    @Override
    public String toString() {
        return String.join(System.lineSeparator(), reportLines());
    }
}
