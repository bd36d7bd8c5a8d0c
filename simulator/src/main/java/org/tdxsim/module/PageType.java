package org.tdxsim.module;

import java.util.Optional;

/**
 * PAMT page type of a 4 KiB physical page inside a TDMR. Values are the module's
 * {@code page_type_t} ([M1.5.01] {@code src/common/memory_handlers/pamt_manager.h}; the digest
 * abi §1.1 only says TDH.PHYMEM.PAGE.RECLAIM returns "page type from PAMT" in RCX). Value 7 is
 * reserved in the source.
 */
public enum PageType {
    /** Not directly assigned: free for the host. */
    PT_NDA(0),
    /** Reserved area of a TDMR. */
    PT_RSVD(1),
    /** A regular TD private page (TDH.MEM.PAGE.ADD/AUG). */
    PT_REG(3),
    PT_TDR(4),
    /** TDCS page (TDH.MNG.ADDCX) or TDVPS extension page (TDH.VP.ADDCX). */
    PT_TDCX(5),
    PT_TDVPR(6),
    /** Secure-EPT page (TDH.MEM.SEPT.ADD). */
    PT_EPT(8);

    private final int value;

    PageType(int value) {
        this.value = value;
    }

    /** The PAMT encoding, as returned in RCX by TDH.PHYMEM.PAGE.RECLAIM. */
    public int value() {
        return value;
    }

    public static Optional<PageType> fromValue(long v) {
        for (PageType t : values()) {
            if (t.value == v) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
