package org.tdxsim.module;

import java.util.Optional;

/**
 * SEAMCALL leaves this engine implements, with their numbers (RAX bits 15:0; abi §1 table — the
 * numbers are the same in every version that has the leaf). Whether a version has a leaf at all is
 * decided by the profile's {@code leafNumbers} table (e.g. TDH.SYS.RD and TDH.SYS.RDALL are absent in
 * 1.0); the dispatcher answers an absent or unimplemented leaf like the module's
 * {@code default:} case, {@code TDX_OPERAND_INVALID | RAX}.
 */
public enum Leaf {
    TDH_MNG_ADDCX(1, "TDH.MNG.ADDCX"),
    TDH_MEM_PAGE_ADD(2, "TDH.MEM.PAGE.ADD"),
    TDH_MEM_SEPT_ADD(3, "TDH.MEM.SEPT.ADD"),
    TDH_VP_ADDCX(4, "TDH.VP.ADDCX"),
    TDH_MNG_KEY_CONFIG(8, "TDH.MNG.KEY.CONFIG"),
    TDH_MNG_CREATE(9, "TDH.MNG.CREATE"),
    TDH_VP_CREATE(10, "TDH.VP.CREATE"),
    TDH_MNG_RD(11, "TDH.MNG.RD"),
    TDH_MNG_WR(13, "TDH.MNG.WR"),
    TDH_MR_EXTEND(16, "TDH.MR.EXTEND"),
    TDH_MR_FINALIZE(17, "TDH.MR.FINALIZE"),
    TDH_VP_FLUSH(18, "TDH.VP.FLUSH"),
    TDH_MNG_VPFLUSHDONE(19, "TDH.MNG.VPFLUSHDONE"),
    TDH_MNG_KEY_FREEID(20, "TDH.MNG.KEY.FREEID"),
    TDH_MNG_INIT(21, "TDH.MNG.INIT"),
    TDH_VP_INIT(22, "TDH.VP.INIT"),
    TDH_VP_RD(26, "TDH.VP.RD"),
    TDH_MNG_KEY_RECLAIMID(27, "TDH.MNG.KEY.RECLAIMID"),
    TDH_PHYMEM_PAGE_RECLAIM(28, "TDH.PHYMEM.PAGE.RECLAIM"),
    TDH_SYS_KEY_CONFIG(31, "TDH.SYS.KEY.CONFIG"),
    TDH_SYS_INFO(32, "TDH.SYS.INFO"),
    TDH_SYS_INIT(33, "TDH.SYS.INIT"),
    TDH_SYS_RD(34, "TDH.SYS.RD"),
    TDH_SYS_LP_INIT(35, "TDH.SYS.LP.INIT"),
    TDH_SYS_TDMR_INIT(36, "TDH.SYS.TDMR.INIT"),
    TDH_SYS_RDALL(37, "TDH.SYS.RDALL"),
    TDH_PHYMEM_CACHE_WB(40, "TDH.PHYMEM.CACHE.WB"),
    TDH_SYS_LP_SHUTDOWN(44, "TDH.SYS.LP.SHUTDOWN"),
    TDH_SYS_CONFIG(45, "TDH.SYS.CONFIG");

    private final int number;
    private final String specName;

    Leaf(int number, String specName) {
        this.number = number;
        this.specName = specName;
    }

    public int number() {
        return number;
    }

    /** The Intel name, e.g. {@code TDH.MNG.INIT}. */
    public String specName() {
        return specName;
    }

    public static Optional<Leaf> fromNumber(int number) {
        for (Leaf l : values()) {
            if (l.number == number) {
                return Optional.of(l);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return specName;
    }
}
