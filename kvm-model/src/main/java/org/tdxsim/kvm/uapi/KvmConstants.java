package org.tdxsim.kvm.uapi;

/**
 * uapi constants of KVM used by the TDX flow. Every value is from kvm-tdx-uapi.md §1 ("Capability /
 * type constants" table and the sub-command table), which cites {@code include/uapi/linux/kvm.h},
 * {@code arch/x86/include/uapi/asm/kvm.h} and {@code arch/x86/include/asm/kvm_host.h}.
 */
public final class KvmConstants {
    private KvmConstants() {}

    /** {@code KVM_API_VERSION}, the result of KVM_GET_API_VERSION (§1). */
    public static final int KVM_API_VERSION = 12;
    /** {@code KVM_MAX_CPUID_ENTRIES} ({@code asm/kvm_host.h}, §1 [S16]). */
    public static final int KVM_MAX_CPUID_ENTRIES = 256;

    // ---- capabilities (KVM_CHECK_EXTENSION / KVM_ENABLE_CAP), §1
    /** {@code KVM_CAP_MAX_VCPUS}; per-VM for TDX: min(KVM_MAX_VCPUS, num_present_cpus()). */
    public static final int KVM_CAP_MAX_VCPUS = 66;
    /** {@code KVM_CAP_SPLIT_IRQCHIP}; TDX vCPU creation requires it. */
    public static final int KVM_CAP_SPLIT_IRQCHIP = 121;
    /** {@code KVM_CAP_EXIT_HYPERCALL}. */
    public static final int KVM_CAP_EXIT_HYPERCALL = 201;
    /** {@code KVM_CAP_MEMORY_ATTRIBUTES}. */
    public static final int KVM_CAP_MEMORY_ATTRIBUTES = 233;
    /** {@code KVM_CAP_GUEST_MEMFD}. */
    public static final int KVM_CAP_GUEST_MEMFD = 234;
    /** {@code KVM_CAP_VM_TYPES}: returns the {@code supported_vm_types} bitmask. */
    public static final int KVM_CAP_VM_TYPES = 235;
    /** {@code KVM_CAP_X86_APIC_BUS_CYCLES_NS}. */
    public static final int KVM_CAP_X86_APIC_BUS_CYCLES_NS = 237;

    // ---- VM types (arch/x86/include/uapi/asm/kvm.h), §1
    public static final int KVM_X86_DEFAULT_VM = 0;
    public static final int KVM_X86_SW_PROTECTED_VM = 1;
    public static final int KVM_X86_SEV_VM = 2;
    public static final int KVM_X86_SEV_ES_VM = 3;
    public static final int KVM_X86_SNP_VM = 4;
    /** {@code KVM_X86_TDX_VM}. */
    public static final int KVM_X86_TDX_VM = 5;

    // ---- flags, §1
    /** {@code KVM_MEM_GUEST_MEMFD}, in {@code kvm_userspace_memory_region2.flags}. */
    public static final int KVM_MEM_GUEST_MEMFD = 1 << 2;
    /** {@code KVM_MEMORY_ATTRIBUTE_PRIVATE}, in {@code kvm_memory_attributes.attributes}. */
    public static final long KVM_MEMORY_ATTRIBUTE_PRIVATE = 1L << 3;
    /** {@code KVM_CPUID_FLAG_SIGNIFCANT_INDEX} (sic, the uapi spelling). */
    public static final int KVM_CPUID_FLAG_SIGNIFCANT_INDEX = 1 << 0;
    /** {@code KVM_CPUID_FLAG_STATEFUL_FUNC}. */
    public static final int KVM_CPUID_FLAG_STATEFUL_FUNC = 1 << 1;
    /** {@code KVM_CPUID_FLAG_STATE_READ_NEXT}. */
    public static final int KVM_CPUID_FLAG_STATE_READ_NEXT = 1 << 2;
    /** {@code KVM_TDX_MEASURE_MEMORY_REGION}, the only flag of KVM_TDX_INIT_MEM_REGION. */
    public static final int KVM_TDX_MEASURE_MEMORY_REGION = 1 << 0;

    // ---- enum kvm_tdx_cmd_id, §1 sub-command table (see also KvmTdxCmdId)
    public static final int KVM_TDX_CAPABILITIES = 0;
    public static final int KVM_TDX_INIT_VM = 1;
    public static final int KVM_TDX_INIT_VCPU = 2;
    public static final int KVM_TDX_INIT_MEM_REGION = 3;
    public static final int KVM_TDX_FINALIZE_VM = 4;
    public static final int KVM_TDX_GET_CPUID = 5;
    /** {@code KVM_TDX_CMD_NR_MAX}: one past the last id. */
    public static final int KVM_TDX_CMD_NR_MAX = 6;

    // ---- run-time exits, §1
    /** {@code KVM_EXIT_TDX}. */
    public static final int KVM_EXIT_TDX = 40;
    /** {@code KVM_SYSTEM_EVENT_TDX_FATAL}. */
    public static final int KVM_SYSTEM_EVENT_TDX_FATAL = 7;

    /** x86 page size; KVM_TDX_INIT_MEM_REGION works in 4 KiB pages (§3.3). */
    public static final long PAGE_SIZE = 4096;
}
