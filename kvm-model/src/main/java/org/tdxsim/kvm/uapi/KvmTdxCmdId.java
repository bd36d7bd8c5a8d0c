package org.tdxsim.kvm.uapi;

import java.util.Optional;

/**
 * {@code enum kvm_tdx_cmd_id}: the TDX sub-commands multiplexed over KVM_MEMORY_ENCRYPT_OP, with the
 * fd kind each is issued on (kvm-tdx-uapi.md §1, "TDX sub-commands" table).
 */
public enum KvmTdxCmdId {
    KVM_TDX_CAPABILITIES(KvmConstants.KVM_TDX_CAPABILITIES, false),
    KVM_TDX_INIT_VM(KvmConstants.KVM_TDX_INIT_VM, false),
    KVM_TDX_INIT_VCPU(KvmConstants.KVM_TDX_INIT_VCPU, true),
    KVM_TDX_INIT_MEM_REGION(KvmConstants.KVM_TDX_INIT_MEM_REGION, true),
    KVM_TDX_FINALIZE_VM(KvmConstants.KVM_TDX_FINALIZE_VM, false),
    KVM_TDX_GET_CPUID(KvmConstants.KVM_TDX_GET_CPUID, true);

    private final int id;
    private final boolean onVcpuFd;

    KvmTdxCmdId(int id, boolean onVcpuFd) {
        this.id = id;
        this.onVcpuFd = onVcpuFd;
    }

    /** The numeric {@code kvm_tdx_cmd.id}. */
    public int id() {
        return id;
    }

    /** True for sub-commands issued on a vCPU fd, false for VM-fd ones. */
    public boolean onVcpuFd() {
        return onVcpuFd;
    }

    /** The sub-command with this id, if it is one of the six. */
    public static Optional<KvmTdxCmdId> fromId(int id) {
        for (KvmTdxCmdId c : values()) {
            if (c.id == id) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
