package org.tdxsim.cli.explain;

import com.google.common.collect.ImmutableList;
import java.util.List;
import java.util.Locale;

/**
 * The errno each KVM TDX ioctl returns, per check, in the kernel's order: a transcription of
 * kvm-tdx-uapi.md §3 (6.16 baseline, with the later deltas of §8 marked by {@code since}). This is
 * the text behind {@code tdxsim explain --errno … --ioctl …}; the simulated kernel
 * ({@code org.tdxsim.kvm.sim}) implements the same checks, this table only describes them.
 *
 * <p>Where the spec says an errno was not verified (keyid allocation, cgroup charge,
 * {@code kvm_gmem_populate}; kvm-tdx-uapi.md §11) the row says so.
 */
public final class KernelChecks {
    private KernelChecks() {}

    /** The sub-command dispatch: applies before any TDX sub-command's own checks. */
    public static final String DISPATCH = "KVM_MEMORY_ENCRYPT_OP";

    private static KernelCheck c(String ioctl, int step, String errno, String condition, String function, String source) {
        return new KernelCheck(ioctl, step, errno, condition, function, "6.16", source);
    }

    private static KernelCheck later(String ioctl, int step, String errno, String condition, String function,
            String since, String source) {
        return new KernelCheck(ioctl, step, errno, condition, function, since, source);
    }

    private static final ImmutableList<KernelCheck> ALL = ImmutableList.of(
            // §3.1 dispatch layer
            c(DISPATCH, 1, "ENOTTY", "KVM_MEMORY_ENCRYPT_OP on a VM fd and the vendor module has no mem_enc_ioctl hook", "x86.c", "§3.1"),
            c(DISPATCH, 2, "ENOTTY", "VM-fd sub-command on a VM that is not a TD (not created with type KVM_X86_TDX_VM = 5)", "vt_mem_enc_ioctl", "§3.1"),
            c(DISPATCH, 2, "EINVAL", "vCPU-fd sub-command on a vCPU of a VM that is not a TD", "vt_vcpu_mem_enc_ioctl", "§3.1"),
            c(DISPATCH, 3, "EFAULT", "VM path: the 24-byte struct kvm_tdx_cmd could not be copied from user memory", "tdx.c", "§3.1"),
            c(DISPATCH, 3, "EINVAL", "vCPU path: the TD has not been through KVM_TDX_INIT_VM (no HKID assigned) or is already finalized (RUNNABLE); checked before the cmd is read", "tdx_vcpu_ioctl", "§3.1"),
            c(DISPATCH, 4, "EINVAL", "kvm_tdx_cmd.hw_error is not 0 on input (it is output only)", "tdx.c", "§3.1"),
            c(DISPATCH, 5, "EINVAL", "kvm_tdx_cmd.id is not a sub-command of this fd kind (VM: 0, 1, 4; vCPU: 2, 3, 5)", "tdx.c", "§3.1"),
            c(DISPATCH, 6, "EFAULT", "VM path: copying the cmd back (with hw_error) to user memory failed", "tdx.c", "§3.1"),

            // §3.3 KVM_TDX_CAPABILITIES
            c("KVM_TDX_CAPABILITIES", 1, "EINVAL", "kvm_tdx_cmd.flags != 0", "tdx.c", "§3.3"),
            c("KVM_TDX_CAPABILITIES", 2, "ENOMEM", "allocating the header + num_cpuid_config entries failed", "tdx.c", "§3.3"),
            c("KVM_TDX_CAPABILITIES", 3, "EFAULT", "reading cpuid.nent from user memory failed", "tdx.c", "§3.3"),
            c("KVM_TDX_CAPABILITIES", 4, "E2BIG", "cpuid.nent is smaller than the module's number of CPUID_CONFIG leaves; nent is NOT updated, so grow the buffer blindly (QEMU starts at 6 and doubles)", "tdx.c", "§3.3"),
            c("KVM_TDX_CAPABILITIES", 5, "EIO", "supported_attrs or supported_xfam came out 0 (the module's fixed-1 bits are not all supported by KVM)", "tdx.c", "§3.3, §5.1"),
            c("KVM_TDX_CAPABILITIES", 6, "EFAULT", "copying the 2056-byte header and the entries to user memory failed", "tdx.c", "§3.3"),

            // §3.3 KVM_TDX_INIT_VM
            c("KVM_TDX_INIT_VM", 1, "EINVAL", "the TD is not UNINITIALIZED (KVM_TDX_INIT_VM already succeeded once)", "tdx.c", "§3.3"),
            c("KVM_TDX_INIT_VM", 2, "EINVAL", "kvm_tdx_cmd.flags != 0", "tdx.c", "§3.3"),
            c("KVM_TDX_INIT_VM", 3, "EFAULT", "copying the 264-byte struct kvm_tdx_init_vm header or its CPUID entries from user memory failed", "tdx.c", "§3.3"),
            c("KVM_TDX_INIT_VM", 3, "E2BIG", "cpuid.nent > KVM_MAX_CPUID_ENTRIES (256)", "tdx.c", "§3.3"),
            later("KVM_TDX_INIT_VM", 3, "EINVAL", "cpuid.nent changed between the kernel's two reads (a racing writer)", "tdx.c", "7.1.5 / kvm-x86 fixes Jul 2026", "§8"),
            c("KVM_TDX_INIT_VM", 4, "EINVAL", "reserved[12] is not all zero, or cpuid.padding != 0", "tdx.c", "§3.3"),
            c("KVM_TDX_INIT_VM", 5, "EBUSY", "vCPUs were already created (kvm->created_vcpus != 0)", "setup_tdparams", "§3.3"),
            later("KVM_TDX_INIT_VM", 5, "EBUSY", "a vCPU creation is in flight (created_vcpus != online_vcpus)", "tdx.c", "6.19", "§8"),
            c("KVM_TDX_INIT_VM", 5, "EINVAL", "attributes has a bit outside KVM_TDX_CAPABILITIES.supported_attrs (KVM supports only SEPT_VE_DISABLE, bit 28)", "setup_tdparams", "§3.3, §5.2"),
            c("KVM_TDX_INIT_VM", 5, "EINVAL", "xfam has a bit outside KVM_TDX_CAPABILITIES.supported_xfam", "setup_tdparams", "§3.3, §5.2"),
            c("KVM_TDX_INIT_VM", 6, "EINVAL", "no CPUID entry for leaf 0x80000008, or its EAX[23:16] (GuestPhysBits) is not 48 or 52", "setup_tdparams_eptp_controls", "§3.3, §4.1"),
            c("KVM_TDX_INIT_VM", 6, "EINVAL", "GuestPhysBits 52 but the host has no 5-level EPT", "setup_tdparams_eptp_controls", "§3.3, §4.1"),
            c("KVM_TDX_INIT_VM", 7, "EINVAL", "CPUID leaf 0x7.0 has TSX (EBX HLE bit 4 / RTM bit 11) or WAITPKG (ECX bit 5) set", "setup_tdparams_cpuids", "§3.3, §5.3"),
            c("KVM_TDX_INIT_VM", 7, "EINVAL", "a CPUID entry matches no CPUID_CONFIG leaf of the TDX module (copy_cnt != nent): pass only leaves KVM_TDX_CAPABILITIES lists", "setup_tdparams_cpuids", "§3.3, §5.3"),
            c("KVM_TDX_INIT_VM", 8, "ENOMEM", "allocating TDR/TDCS pages failed", "__tdx_td_init", "§3.3"),
            c("KVM_TDX_INIT_VM", 8, "EIO", "not every CPU package has an online CPU", "__tdx_td_init", "§3.3"),
            c("KVM_TDX_INIT_VM", 8, "EAGAIN", "TDH.MNG.CREATE/ADDCX returned TDX_RND_NO_ENTROPY; retry (QEMU retries up to 10000 times)", "__tdx_td_init", "§3.2, §3.3"),
            c("KVM_TDX_INIT_VM", 8, "EINVAL", "TDH.MNG.INIT rejected TD_PARAMS with class TDX_OPERAND_INVALID; the raw status is in hw_error (run: tdxsim explain <hw_error>)", "__tdx_td_init", "§3.2, §3.3"),
            c("KVM_TDX_INIT_VM", 8, "EIO", "any other SEAMCALL failure during TD creation (kernel WARN); hw_error stays 0", "__tdx_td_init", "§3.2, §3.3"),
            c("KVM_TDX_INIT_VM", 8, "(errno not verified)", "HKID (keyid) allocation or misc-cgroup charge failed; the errno propagates, its value is not confirmed by the spec", "__tdx_td_init", "§3.3, §11"),

            // §3.3 KVM_TDX_INIT_VCPU
            c("KVM_TDX_INIT_VCPU", 1, "EINVAL", "kvm_tdx_cmd.flags != 0, or the vCPU is already INITIALIZED", "tdx.c", "§3.3"),
            c("KVM_TDX_INIT_VCPU", 2, "EINVAL", "setting the x2APIC base failed: the vCPU's CPUID (KVM_SET_CPUID2) lacks X2APIC, so call KVM_SET_CPUID2 with X2APIC first (derived)", "kvm_apic_set_base", "§3.3"),
            c("KVM_TDX_INIT_VCPU", 3, "EIO", "TDH.VP.CREATE / TDH.VP.ADDCX / TDH.VP.INIT failed (the VM is marked bugged)", "tdx.c", "§3.3"),
            c("KVM_TDX_INIT_VCPU", 3, "ENOMEM", "allocating TDVPR/TDCX pages failed", "tdx.c", "§3.3"),

            // §3.3 KVM_TDX_INIT_MEM_REGION
            c("KVM_TDX_INIT_MEM_REGION", 1, "EINVAL", "this vCPU is not INITIALIZED (KVM_TDX_INIT_VCPU not done), or the TD is already RUNNABLE (finalized)", "tdx.c", "§3.3"),
            c("KVM_TDX_INIT_MEM_REGION", 2, "EINVAL", "flags has a bit other than KVM_TDX_MEASURE_MEMORY_REGION (bit 0)", "tdx.c", "§3.3"),
            c("KVM_TDX_INIT_MEM_REGION", 2, "EFAULT", "copying struct kvm_tdx_init_mem_region from user memory failed", "tdx.c", "§3.3"),
            c("KVM_TDX_INIT_MEM_REGION", 3, "EINVAL", "source_addr or gpa not 4 KiB aligned, nr_pages == 0, gpa + nr_pages*4K wraps, or the first/last GPA has the shared bit set (not private)", "tdx.c", "§3.3"),
            later("KVM_TDX_INIT_MEM_REGION", 3, "EINVAL", "source_addr == 0", "tdx.c", "patch Jun 2026 (release not confirmed)", "§8"),
            c("KVM_TDX_INIT_MEM_REGION", 4, "EINTR", "a signal is pending; the struct was written back with the progress, call again", "tdx.c", "§3.3"),
            c("KVM_TDX_INIT_MEM_REGION", 4, "EBUSY", "TDH.MEM.PAGE.ADD returned a BUSY status", "tdx.c", "§3.3"),
            c("KVM_TDX_INIT_MEM_REGION", 4, "EIO", "kvm_gmem_populate populated != 1 page, TDH.MEM.PAGE.ADD failed otherwise, or TDH.MR.EXTEND failed", "tdx.c", "§3.3"),
            c("KVM_TDX_INIT_MEM_REGION", 4, "(errno not verified)", "kvm_gmem_populate failed (range not guest_memfd-backed or not marked private with KVM_SET_MEMORY_ATTRIBUTES); its errno passes through", "kvm_gmem_populate", "§3.3, §11"),

            // §3.3 KVM_TDX_FINALIZE_VM
            c("KVM_TDX_FINALIZE_VM", 1, "EINVAL", "the TD has not been through KVM_TDX_INIT_VM, or is already RUNNABLE", "tdx.c", "§3.3"),
            c("KVM_TDX_FINALIZE_VM", 2, "EINVAL", "pages were mapped by KVM_TDX_INIT_MEM_REGION but not added (nr_premapped != 0)", "tdx.c", "§3.3 (6.16 only; removed in 6.19)"),
            c("KVM_TDX_FINALIZE_VM", 3, "EBUSY", "TDH.MR.FINALIZE returned TDX_OPERAND_BUSY; hw_error holds the status", "tdx.c", "§3.2"),
            c("KVM_TDX_FINALIZE_VM", 3, "EIO", "TDH.MR.FINALIZE failed with another status (hw_error holds it; the VM is bugged)", "tdx.c", "§3.2"),

            // §3.3 KVM_TDX_GET_CPUID
            c("KVM_TDX_GET_CPUID", 1, "EFAULT", "copying the 8-byte kvm_cpuid2 header from user memory failed", "tdx.c", "§3.3"),
            c("KVM_TDX_GET_CPUID", 1, "ENOMEM", "allocating the entry buffer failed", "tdx.c", "§3.3"),
            c("KVM_TDX_GET_CPUID", 2, "EIO", "reading leaf 0 or leaf 0x80000000 through TDH.MNG.RD failed", "tdx.c", "§3.3"),
            c("KVM_TDX_GET_CPUID", 3, "E2BIG", "nent is smaller than the number of entries; nent IS updated to the required count, retry with it", "tdx.c", "§3.3"),
            c("KVM_TDX_GET_CPUID", 4, "EFAULT", "copying the entries to user memory failed", "tdx.c", "§3.3"),

            // §3.3 "Other ioctls touched by the flow", §1
            c("KVM_CREATE_VM", 1, "EINVAL", "type >= 32 or not in KVM_CAP_VM_TYPES (TDX, type 5, needs kvm_intel.tdx=1 and a working TDX module)", "kvm_arch_init_vm", "§1"),
            c("KVM_CREATE_VCPU", 1, "EIO", "the TD is not exactly INITIALIZED: KVM_TDX_INIT_VM not done yet, or the TD is already finalized", "tdx.c", "§3.3"),
            c("KVM_CREATE_VCPU", 2, "EINVAL", "the irqchip is not split (enable KVM_CAP_SPLIT_IRQCHIP before creating vCPUs)", "tdx.c", "§3.3"),
            c("KVM_SET_CPUID2", 1, "E2BIG", "nent > 256", "cpuid.c", "§3.3"),
            c("KVM_SET_CPUID2", 2, "EINVAL", "leaf 0x80000008 EAX[15:8] not in {0, 48, 57}, or the vCPU already ran and the table differs", "cpuid.c", "§3.3"),
            c("KVM_GET_SUPPORTED_CPUID", 1, "E2BIG", "nent < 1, or the buffer is smaller than the supported table", "cpuid.c", "§3.3"),
            c("KVM_RUN", 1, "EINVAL", "the vCPU is not INITIALIZED or the TD is not finalized (RUNNABLE) (6.16; errno after the later rework not re-verified)", "tdx_vcpu_pre_run", "§3.3"),
            c("KVM_SET_TSC_KHZ", 1, "(errno not stated)", "on the VM fd only before any vCPU exists", "x86.c", "§3.3"));

    /** All rows. */
    public static ImmutableList<KernelCheck> all() {
        return ALL;
    }

    /** The ioctl / sub-command names the table knows, in table order. */
    public static ImmutableList<String> ioctls() {
        return ALL.stream().map(KernelCheck::ioctl).distinct().collect(ImmutableList.toImmutableList());
    }

    /** Rows of {@code ioctl} (exact uapi name, case-insensitive) that return {@code errno}, in check order. */
    public static List<KernelCheck> producing(String errno, String ioctl) {
        String e = errno.toUpperCase(Locale.ROOT);
        return ALL.stream()
                .filter(k -> k.ioctl().equalsIgnoreCase(ioctl) && k.errno().equals(e))
                .toList();
    }

    /** True for the TDX sub-commands that go through {@link #DISPATCH}. */
    public static boolean isTdxSubCommand(String ioctl) {
        return ioctl.toUpperCase(Locale.ROOT).startsWith("KVM_TDX_");
    }
}
