package org.tdxsim.kvm.sim;

/**
 * Which kernel's KVM TDX behaviour the simulated kernel reproduces. The baseline is Linux 6.16, the
 * first release with KVM TDX (kvm-tdx-uapi.md header); later releases differ in the ABI-visible ways
 * listed in §8.
 */
public enum KernelVersion {
    /**
     * Linux 6.16 (default): the VM path copies {@code kvm_tdx_cmd} back for every known id, including
     * CAPABILITIES; FINALIZE_VM refuses while INIT_MEM_REGION left mapped-but-not-added pages
     * ({@code nr_premapped}); INIT_MEM_REGION reloads the vCPU MMU ({@code kvm_mmu_reload}) (§3, §4.5).
     */
    V6_16("6.16"),
    /**
     * Linux 6.19 (§8): CAPABILITIES is handled before any locking and the command is <em>not</em> copied
     * back for it (observable with a read-only command: 6.16 -EFAULT, 6.19 success); every other TDX
     * sub-command on the VM and vCPU fds — INIT_VM, FINALIZE, INIT_VCPU, INIT_MEM_REGION, GET_CPUID and
     * unknown ids — fails -EBUSY while a vCPU creation is in flight ({@code tdx_acquire_vm_state_locks});
     * on a vCPU fd the command is read before the TD-state check; INIT_MEM_REGION adds the page while
     * mapping it, so busy is retried by the fault loop instead of returned, there is no
     * {@code nr_premapped} (no FINALIZE -EINVAL for it), and TDH.MEM.PAGE.ADD / TDH.MR.EXTEND failures bug
     * the VM.
     */
    V6_19("6.19"),
    /**
     * The latest tree read (§8): 6.19 plus INIT_MEM_REGION rejecting {@code source_addr == 0} with
     * -EINVAL and no {@code kvm_mmu_reload} (June 2026 patch, release not confirmed [S26]), and
     * INIT_VM rejecting a {@code cpuid.nent} that changed between its two reads (July 2026 fix [S25];
     * only reachable by a user thread rewriting the struct during the ioctl, which the simulated kernel's
     * back-to-back reads leave no room for).
     */
    LATEST("latest");

    private final String label;

    KernelVersion(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** True from 6.19 on (§8 rows marked 6.19). */
    public boolean isAtLeast619() {
        return this != V6_16;
    }

    @Override
    public String toString() {
        return label;
    }
}
