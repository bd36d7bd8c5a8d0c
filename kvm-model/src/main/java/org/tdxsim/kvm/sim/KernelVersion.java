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
     * back for it; INIT_VM/FINALIZE/INIT_VCPU/INIT_MEM_REGION fail -EBUSY while a vCPU creation is in
     * flight; INIT_MEM_REGION adds the page while mapping (no {@code nr_premapped}, so no FINALIZE
     * -EINVAL for it) and a TDH.MR.EXTEND failure bugs the VM.
     */
    V6_19("6.19"),
    /**
     * The latest tree read (§8): 6.19 plus INIT_MEM_REGION rejecting {@code source_addr == 0} with
     * -EINVAL and no {@code kvm_mmu_reload} (June 2026 patch, release not confirmed [S26]), and
     * INIT_VM rejecting a {@code cpuid.nent} that changed between its two reads (July 2026 fix [S25];
     * only reachable by a concurrent writer, which this single-threaded model never has).
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
