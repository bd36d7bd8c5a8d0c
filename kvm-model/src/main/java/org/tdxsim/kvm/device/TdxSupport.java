package org.tdxsim.kvm.device;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * Whether this host's KVM can create TDX VMs and, if not, the first reason in the chain
 * device → KVM → CPU vendor → kvm_intel → {@code tdx} parameter. KVM advertises TDX only through the
 * {@code KVM_CAP_VM_TYPES} bit {@code KVM_X86_TDX_VM} (5), which VMX sets only if {@code enable_tdx}
 * (module parameter {@code kvm_intel.tdx}) survived hardware setup (uapi §1 [S7][S8]); the other
 * facts only explain a missing bit.
 */
public sealed interface TdxSupport {

    /** One line for reports. */
    String describe();

    /** {@code KVM_CAP_VM_TYPES} has the {@code KVM_X86_TDX_VM} bit. */
    record Supported() implements TdxSupport {
        @Override
        public String describe() {
            return "TDX: available (KVM_CAP_VM_TYPES has KVM_X86_TDX_VM)";
        }
    }

    /**
     * Why not, as a category and a one-line explanation (the cause only; reports list the VM types
     * KVM does offer next to it).
     */
    record Unsupported(Reason reason, String explanation) implements TdxSupport {
        @Override
        public String describe() {
            return "TDX: not available — " + explanation;
        }
    }

    /** The first missing link. */
    enum Reason {
        /** /dev/kvm cannot be opened (see {@link KvmAccess}). */
        NO_KVM_ACCESS,
        /** KVM_CHECK_EXTENSION(KVM_CAP_VM_TYPES) gave 0 or failed: a KVM without VM types. */
        NO_VM_TYPES,
        /** The CPU is not an Intel CPU. */
        NOT_INTEL,
        /** Intel, but the kvm_intel module is not loaded. */
        KVM_INTEL_NOT_LOADED,
        /** kvm_intel has no {@code tdx} parameter: a kernel built without KVM TDX. */
        KERNEL_WITHOUT_KVM_TDX,
        /** {@code kvm_intel.tdx=N}: off, or turned off because TDX setup failed. */
        KVM_INTEL_TDX_OFF,
        /** The parameter says on but the bit is missing; not expected from the kernel source. */
        INCONSISTENT
    }

    /**
     * The decision, from the facts the probe gathered.
     *
     * @param access the open(2) of /dev/kvm
     * @param vmTypesMask KVM_CHECK_EXTENSION(KVM_CAP_VM_TYPES) if it succeeded
     * @param vendor the CPU vendor string (/proc/cpuinfo, else KVM's CPUID leaf 0)
     * @param cpuInfo /proc/cpuinfo, for the 'hypervisor' (this host is a guest) and
     *     'tdx_host_platform' (firmware enabled TDX) flags
     * @param kvmIntelLoaded whether /sys/module/kvm_intel exists
     * @param kvmIntelTdx the text of /sys/module/kvm_intel/parameters/tdx, if present
     */
    static TdxSupport decide(KvmAccess access, OptionalLong vmTypesMask, Optional<String> vendor,
            Optional<CpuInfo> cpuInfo, boolean kvmIntelLoaded, Optional<String> kvmIntelTdx) {
        boolean underHypervisor = cpuInfo.map(CpuInfo::underHypervisor).orElse(false);
        if (access instanceof KvmAccess.Unavailable u) {
            return new Unsupported(Reason.NO_KVM_ACCESS, u.reason());
        }
        long mask = vmTypesMask.orElse(0);
        if ((mask & (1L << VmType.TDX.type())) != 0) {
            return new Supported();
        }
        String nested = underHypervisor ? " (and this host is itself a guest: CPU flag 'hypervisor')" : "";
        if (mask == 0) {
            return new Unsupported(Reason.NO_VM_TYPES, "KVM_CHECK_EXTENSION(KVM_CAP_VM_TYPES) reports no VM"
                    + " types: this kernel's KVM predates VM types, and KVM TDX needs Linux 6.16 or later");
        }
        String v = vendor.orElse("unknown vendor");
        if (!CpuInfo.INTEL.equals(v)) {
            return new Unsupported(Reason.NOT_INTEL,
                    "not an Intel host (" + v + "): TDX is an Intel CPU feature" + nested);
        }
        if (!kvmIntelLoaded) {
            return new Unsupported(Reason.KVM_INTEL_NOT_LOADED,
                    "the kvm_intel module is not loaded" + nested);
        }
        if (kvmIntelTdx.isEmpty()) {
            return new Unsupported(Reason.KERNEL_WITHOUT_KVM_TDX, "kvm_intel has no 'tdx' parameter: this"
                    + " kernel was built without KVM TDX support (first released in Linux 6.16)" + nested);
        }
        String param = kvmIntelTdx.get().trim();
        if (param.equals("N") || param.equals("0")) {
            if (cpuInfo.isPresent() && !cpuInfo.get().tdxHostPlatform()) {
                return new Unsupported(Reason.KVM_INTEL_TDX_OFF, "kvm_intel.tdx=" + param + " and the CPU flag"
                        + " 'tdx_host_platform' is missing: the firmware has not enabled TDX (a BIOS setup"
                        + " option)" + nested);
            }
            return new Unsupported(Reason.KVM_INTEL_TDX_OFF, "kvm_intel.tdx=" + param + ": load kvm_intel with"
                    + " tdx=1; if it already was, TDX setup failed at load (TDX off in the BIOS, no TDX module"
                    + " loaded: see 'dmesg | grep -i tdx') and KVM turned the parameter off" + nested);
        }
        return new Unsupported(Reason.INCONSISTENT, "kvm_intel.tdx=" + param
                + " but KVM_CAP_VM_TYPES lacks KVM_X86_TDX_VM" + nested);
    }
}
