package org.tdxsim.module;

import com.google.common.collect.ImmutableList;
import java.util.Optional;
import org.tdxsim.module.profile.ModuleProfile;

/**
 * A place in a leaf's handler where the real TDX module can fail for a reason the host cannot
 * arrange on demand — a lock held by a concurrent SEAMCALL, PCONFIG busy, no entropy from RDSEED —
 * and the status it then returns. {@link FaultInjector} arms these so the failure paths of the host
 * kernel can be driven deterministically; the handler checks the point exactly where the module
 * makes that check, so every earlier check still wins and nothing has been changed when the failure
 * is returned (the module's "ALL_CHECKS_PASSED" comes after all of them).
 *
 * <p>Only statuses a leaf can really return are listed. Sources:
 * <ul>
 *   <li>Lock contention on an explicit page operand → {@code TDX_OPERAND_BUSY | operand}: the
 *       {@code check_and_lock_explicit_4k_private_hpa} helper ([M1.5.01] {@code helpers.c}), used by
 *       every leaf for its TDR/TDVPR/new-page operands; the implicit TDR of a vCPU leaf →
 *       {@code |TDR} ({@code lock_and_map_implicit_tdr}); the OP_STATE lock →
 *       {@code |OP_STATE} ({@code check_state_map_tdcs_and_lock}, 1.5+). These are the lock sites
 *       of this model's handlers ({@link Checks}); verified in the module source for TDH.MNG.CREATE,
 *       TDH.MNG.KEY.CONFIG, TDH.MNG.ADDCX, TDH.MEM.PAGE.ADD and TDH.MR.FINALIZE.</li>
 *   <li>KOT lock → {@code TDX_OPERAND_BUSY | KOT} (abi §7.4; {@code tdh_mng_create.c},
 *       {@code tdh_mng_vpflushdone.c}, {@code tdh_mng_key_freeid.c}, {@code tdh_phymem_cache_wb.c}).</li>
 *   <li>PCONFIG ({@code program_mktme_keys}, [M1.5.01] {@code helpers.c}): device busy →
 *       {@code TDX_OPERAND_BUSY | KET}, entropy error → {@code TDX_KEY_GENERATION_FAILED}
 *       (abi §1.1 TDH.SYS.KEY.CONFIG row, §7.4 TDH.MNG.KEY.CONFIG).</li>
 *   <li>{@code TDX_RND_NO_ENTROPY}: TDH.MNG.CREATE generating TD_UUID (abi §7.4), and TDH.MNG.ADDCX
 *       generating the migration key when the page added is the MIN_NUM_TDCS_PAGES-th ([M1.5.01] and
 *       [M2.0] {@code tdh_mng_add_cx.c}; read for this facility, not in the abi digest). 1.0 has no
 *       such status (abi §2.2), so these points do not exist there.</li>
 *   <li>Global-lock contention → {@code TDX_SYS_BUSY} (abi §7.1) in TDH.SYS.INIT, TDH.SYS.LP.INIT,
 *       TDH.SYS.CONFIG and TDH.SYS.KEY.CONFIG.</li>
 * </ul>
 */
public enum FaultPoint {
    SYS_INIT_GLOBAL_LOCK(Leaf.TDH_SYS_INIT, "TDX_SYS_BUSY", null, "the module's global lock is held"),
    SYS_LP_INIT_GLOBAL_LOCK(Leaf.TDH_SYS_LP_INIT, "TDX_SYS_BUSY", null, "the module's global lock is held"),
    SYS_CONFIG_GLOBAL_LOCK(Leaf.TDH_SYS_CONFIG, "TDX_SYS_BUSY", null, "the module's global lock is held"),
    SYS_KEY_CONFIG_GLOBAL_LOCK(Leaf.TDH_SYS_KEY_CONFIG, "TDX_SYS_BUSY", null, "the module's global lock is held"),
    SYS_KEY_CONFIG_KET(Leaf.TDH_SYS_KEY_CONFIG, "TDX_OPERAND_BUSY", "KET",
            "PCONFIG found the memory encryption engine busy (MKTME_DEVICE_BUSY)"),
    SYS_KEY_CONFIG_ENTROPY(Leaf.TDH_SYS_KEY_CONFIG, "TDX_KEY_GENERATION_FAILED", null,
            "PCONFIG could not generate a random key (MKTME_ENTROPY_ERROR)"),

    MNG_CREATE_TDR(Leaf.TDH_MNG_CREATE, "TDX_OPERAND_BUSY", "RCX", "the TDR page is locked by a concurrent SEAMCALL"),
    MNG_CREATE_KOT(Leaf.TDH_MNG_CREATE, "TDX_OPERAND_BUSY", "KOT", "the Key Ownership Table is locked"),
    MNG_CREATE_ENTROPY(Leaf.TDH_MNG_CREATE, "TDX_RND_NO_ENTROPY", null,
            "no entropy to generate TD_UUID (RDSEED failed)"),

    MNG_KEY_CONFIG_TDR(Leaf.TDH_MNG_KEY_CONFIG, "TDX_OPERAND_BUSY", "RCX", "the TDR is locked by a concurrent SEAMCALL"),
    MNG_KEY_CONFIG_KET(Leaf.TDH_MNG_KEY_CONFIG, "TDX_OPERAND_BUSY", "KET",
            "PCONFIG found the memory encryption engine busy (MKTME_DEVICE_BUSY)"),
    MNG_KEY_CONFIG_ENTROPY(Leaf.TDH_MNG_KEY_CONFIG, "TDX_KEY_GENERATION_FAILED", null,
            "PCONFIG could not generate a random key (MKTME_ENTROPY_ERROR)"),

    MNG_ADDCX_TDR(Leaf.TDH_MNG_ADDCX, "TDX_OPERAND_BUSY", "RDX", "the TDR is locked by a concurrent SEAMCALL"),
    MNG_ADDCX_PAGE(Leaf.TDH_MNG_ADDCX, "TDX_OPERAND_BUSY", "RCX", "the new TDCX page is locked by a concurrent SEAMCALL"),
    MNG_ADDCX_ENTROPY(Leaf.TDH_MNG_ADDCX, "TDX_RND_NO_ENTROPY", null,
            "no entropy to generate the migration key (only when the MIN_NUM_TDCS_PAGES-th page is added)"),

    MNG_INIT_TDR(Leaf.TDH_MNG_INIT, "TDX_OPERAND_BUSY", "RCX", "the TDR is locked by a concurrent SEAMCALL"),

    VP_CREATE_TDR(Leaf.TDH_VP_CREATE, "TDX_OPERAND_BUSY", "RDX", "the TDR is locked by a concurrent SEAMCALL"),
    VP_CREATE_OP_STATE(Leaf.TDH_VP_CREATE, "TDX_OPERAND_BUSY", "OP_STATE", "TDCS.OP_STATE is locked"),
    VP_CREATE_PAGE(Leaf.TDH_VP_CREATE, "TDX_OPERAND_BUSY", "RCX", "the new TDVPR page is locked by a concurrent SEAMCALL"),

    VP_ADDCX_TDVPR(Leaf.TDH_VP_ADDCX, "TDX_OPERAND_BUSY", "RDX", "the TDVPR is locked by a concurrent SEAMCALL"),
    VP_ADDCX_TDR(Leaf.TDH_VP_ADDCX, "TDX_OPERAND_BUSY", "TDR", "the owner TDR is locked by a concurrent SEAMCALL"),
    VP_ADDCX_OP_STATE(Leaf.TDH_VP_ADDCX, "TDX_OPERAND_BUSY", "OP_STATE", "TDCS.OP_STATE is locked"),
    VP_ADDCX_PAGE(Leaf.TDH_VP_ADDCX, "TDX_OPERAND_BUSY", "RCX", "the new TDCX page is locked by a concurrent SEAMCALL"),

    VP_INIT_TDVPR(Leaf.TDH_VP_INIT, "TDX_OPERAND_BUSY", "RCX", "the TDVPR is locked by a concurrent SEAMCALL"),
    VP_INIT_TDR(Leaf.TDH_VP_INIT, "TDX_OPERAND_BUSY", "TDR", "the owner TDR is locked by a concurrent SEAMCALL"),
    VP_INIT_OP_STATE(Leaf.TDH_VP_INIT, "TDX_OPERAND_BUSY", "OP_STATE", "TDCS.OP_STATE is locked"),

    MEM_SEPT_ADD_TDR(Leaf.TDH_MEM_SEPT_ADD, "TDX_OPERAND_BUSY", "RDX", "the TDR is locked by a concurrent SEAMCALL"),
    MEM_SEPT_ADD_OP_STATE(Leaf.TDH_MEM_SEPT_ADD, "TDX_OPERAND_BUSY", "OP_STATE", "TDCS.OP_STATE is locked"),
    MEM_SEPT_ADD_PAGE(Leaf.TDH_MEM_SEPT_ADD, "TDX_OPERAND_BUSY", "R8",
            "the new S-EPT page is locked by a concurrent SEAMCALL"),

    MEM_PAGE_ADD_TDR(Leaf.TDH_MEM_PAGE_ADD, "TDX_OPERAND_BUSY", "RDX", "the TDR is locked by a concurrent SEAMCALL"),
    MEM_PAGE_ADD_PAGE(Leaf.TDH_MEM_PAGE_ADD, "TDX_OPERAND_BUSY", "R8", "the target page is locked by a concurrent SEAMCALL"),

    MR_EXTEND_TDR(Leaf.TDH_MR_EXTEND, "TDX_OPERAND_BUSY", "RDX", "the TDR is locked by a concurrent SEAMCALL"),
    MR_FINALIZE_TDR(Leaf.TDH_MR_FINALIZE, "TDX_OPERAND_BUSY", "RCX", "the TDR is locked by a concurrent SEAMCALL"),

    VP_FLUSH_TDVPR(Leaf.TDH_VP_FLUSH, "TDX_OPERAND_BUSY", "RCX", "the TDVPR is locked by a concurrent SEAMCALL"),
    VP_FLUSH_TDR(Leaf.TDH_VP_FLUSH, "TDX_OPERAND_BUSY", "TDR", "the owner TDR is locked by a concurrent SEAMCALL"),
    MNG_VPFLUSHDONE_TDR(Leaf.TDH_MNG_VPFLUSHDONE, "TDX_OPERAND_BUSY", "RCX", "the TDR is locked by a concurrent SEAMCALL"),
    MNG_VPFLUSHDONE_KOT(Leaf.TDH_MNG_VPFLUSHDONE, "TDX_OPERAND_BUSY", "KOT", "the Key Ownership Table is locked"),
    PHYMEM_CACHE_WB_WBCACHE(Leaf.TDH_PHYMEM_CACHE_WB, "TDX_OPERAND_BUSY", "WBCACHE",
            "TDH.PHYMEM.CACHE.WB is already running on this package"),
    PHYMEM_CACHE_WB_KOT(Leaf.TDH_PHYMEM_CACHE_WB, "TDX_OPERAND_BUSY", "KOT", "the Key Ownership Table is locked"),
    MNG_KEY_FREEID_TDR(Leaf.TDH_MNG_KEY_FREEID, "TDX_OPERAND_BUSY", "RCX", "the TDR is locked by a concurrent SEAMCALL"),
    MNG_KEY_FREEID_KOT(Leaf.TDH_MNG_KEY_FREEID, "TDX_OPERAND_BUSY", "KOT", "the Key Ownership Table is locked"),
    PHYMEM_PAGE_RECLAIM_PAGE(Leaf.TDH_PHYMEM_PAGE_RECLAIM, "TDX_OPERAND_BUSY", "RCX",
            "the page is locked by a concurrent SEAMCALL");

    private final Leaf leaf;
    private final String status;
    private final Optional<String> operand;
    private final String cause;

    FaultPoint(Leaf leaf, String status, String operand, String cause) {
        this.leaf = leaf;
        this.status = status;
        this.operand = Optional.ofNullable(operand);
        this.cause = cause;
    }

    public Leaf leaf() {
        return leaf;
    }

    /** The status name, e.g. {@code TDX_OPERAND_BUSY}. */
    public String status() {
        return status;
    }

    /** The operand id name in bits 31:0, e.g. {@code KOT}, if the status carries one. */
    public Optional<String> operand() {
        return operand;
    }

    /** What really makes the module fail here. */
    public String cause() {
        return cause;
    }

    /** The status as written in the abi digest: {@code TDX_OPERAND_BUSY|KOT} or {@code TDX_RND_NO_ENTROPY}. */
    public String statusSpec() {
        return status + operand.map(o -> "|" + o).orElse("");
    }

    /** True if {@code profile}'s module version defines this point's status and operand. */
    public boolean availableIn(ModuleProfile profile) {
        return profile.hasStatus(status) && operand.map(o -> profile.findOperandId(o).isPresent()).orElse(true)
                && profile.leafNumbers().containsValue(leaf.number());
    }

    /** The RAX value this point returns on {@code profile}'s module. */
    public long rax(ModuleProfile profile) {
        return operand.map(o -> profile.status(status, o)).orElseGet(() -> profile.status(status));
    }

    /** Every point of {@code leaf}, in handler order. */
    public static ImmutableList<FaultPoint> of(Leaf leaf) {
        ImmutableList.Builder<FaultPoint> b = ImmutableList.builder();
        for (FaultPoint p : values()) {
            if (p.leaf == leaf) {
                b.add(p);
            }
        }
        return b.build();
    }

    /** The lock-contention point of leaf number {@code leaf} at operand {@code operand}, if one is listed. */
    static Optional<FaultPoint> busyAt(int leaf, String operand) {
        for (FaultPoint p : values()) {
            if (p.leaf.number() == leaf && p.status.equals("TDX_OPERAND_BUSY") && p.operand.orElse("").equals(operand)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return leaf.specName() + " → " + statusSpec();
    }
}
