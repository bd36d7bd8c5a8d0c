package org.tdxsim.module;

/**
 * Physical-memory leaves: TDH.PHYMEM.PAGE.RECLAIM and TDH.PHYMEM.CACHE.WB (abi §1.1, §7.2, §7.4;
 * [M1.5.01] {@code tdh_phymem_page_reclaim.c}, {@code tdh_phymem_cache_wb.c}).
 */
final class PhymemLeaves {

    private PhymemLeaves() {
    }

    /** TDH.PHYMEM.CACHE.WB commands in RCX ([M1.5.01] tdx_api_defs.h TDH_PHYMEM_CACHEWB_START/RESUME_CMD). */
    static final long CACHEWB_START = 0;
    static final long CACHEWB_RESUME = 1;

    /**
     * TDH.PHYMEM.PAGE.RECLAIM: returns a TD page to PT_NDA. Outputs RCX = PAMT page type, RDX = owner
     * (the TDR's PA for TD pages, 0 for a TDR), R8 = page size level (0 = 4 KiB), set as soon as the
     * page's PAMT entry is read. A TD page needs the owner in TD_TEARDOWN (LIFECYCLE_STATE_INCORRECT);
     * the TDR itself also needs CHLDCNT = 0 (TDX_TD_ASSOCIATED_PAGES_EXIST) (abi §7.2).
     */
    static void pageReclaim(Call c) {
        TdxModule m = c.m;
        c.rcx = 0;
        c.rdx = 0;
        c.r8 = 0;
        c.r9 = 0;
        c.r10 = 0;
        c.r11 = 0;
        long pa = c.in.rcx();
        Checks.hpaCheck(c, pa, 4096, "RCX", "page");
        Pamt.Entry e = Checks.pamtEntry(c, pa, "RCX", "page");
        c.reach(FaultPoint.PHYMEM_PAGE_RECLAIM_PAGE);
        if (!c.tryLock(e.lock, SharexLock.Mode.EXCLUSIVE)) {
            throw c.fail("TDX_OPERAND_BUSY", "RCX", "page " + Call.hex(pa) + " is locked by a concurrent SEAMCALL");
        }
        if (e.type == PageType.PT_NDA || e.type == PageType.PT_RSVD) {
            throw c.fail("TDX_PAGE_METADATA_INCORRECT", "RCX", "page " + Call.hex(pa) + " is " + e.type
                    + ", not a TD page");
        }
        c.rcx = e.type.value();
        c.rdx = e.owner;
        c.r8 = 0;
        if (e.type != PageType.PT_TDR) {
            Td td = Checks.lockImplicitTdr(c, e.owner, SharexLock.Mode.SHARED);
            if (td.lifecycle != TdLifecycle.TD_TEARDOWN) {
                throw c.fail("TDX_LIFECYCLE_STATE_INCORRECT", "the owner TD is " + td.lifecycle
                        + "; pages can be reclaimed only in TD_TEARDOWN (after TDH.MNG.KEY.FREEID)");
            }
            td.chldcnt.decrementAndGet();
            if (e.type == PageType.PT_TDVPR) {
                m.vcpus().remove(pa);
            }
        } else {
            Td td = Checks.td(c, e);
            if (td.lifecycle != TdLifecycle.TD_TEARDOWN) {
                throw c.fail("TDX_LIFECYCLE_STATE_INCORRECT", "the TD is " + td.lifecycle
                        + "; the TDR can be reclaimed only in TD_TEARDOWN");
            }
            long left = td.chldcnt.get();
            if (left != 0) {
                throw c.fail("TDX_TD_ASSOCIATED_PAGES_EXIST", "the TD still owns " + left
                        + " page(s): reclaim them before the TDR");
            }
            m.tds().remove(pa);
        }
        e.owner = 0;
        e.type = PageType.PT_NDA;
        // the old content stays under the TD's key: the host reads zeros until it writes the page itself
        m.memory().fillPage(pa, (byte) 0);
    }

    /**
     * TDH.PHYMEM.CACHE.WB on this LP's package (RCX = 0 start, 1 resume; other → OPERAND_INVALID|RCX):
     * clears the package's bit in the WBINVD bitmap of every FLUSHED HKID; none FLUSHED →
     * TDX_NO_HKID_READY_TO_WBCACHE. The write-back is never interrupted here, so a resume →
     * TDX_WBCACHE_RESUME_ERROR.
     */
    static void cacheWb(Call c) {
        TdxModule m = c.m;
        long cmd = c.in.rcx();
        if (Long.compareUnsigned(cmd, CACHEWB_RESUME) > 0) {
            throw c.fail("TDX_OPERAND_INVALID", "RCX", "command " + Call.hex(cmd) + " is neither 0 (start) nor 1 (resume)");
        }
        int pkg = c.pkg();
        c.reach(FaultPoint.PHYMEM_CACHE_WB_WBCACHE);
        if (!c.tryLock(m.wbtLock(pkg), SharexLock.Mode.EXCLUSIVE)) {
            throw c.fail("TDX_OPERAND_BUSY", "WBCACHE", "TDH.PHYMEM.CACHE.WB is already running on package " + pkg);
        }
        c.reach(FaultPoint.PHYMEM_CACHE_WB_KOT);
        if (!c.tryLock(m.kot().lock, SharexLock.Mode.SHARED)) {
            throw c.fail("TDX_OPERAND_BUSY", "KOT", "the Key Ownership Table is locked by a concurrent SEAMCALL");
        }
        if (cmd == CACHEWB_RESUME) {
            throw c.fail("TDX_WBCACHE_RESUME_ERROR", "no interrupted TDH.PHYMEM.CACHE.WB to resume on package " + pkg);
        }
        // one KOT pass under its monitor, not a synchronized call per private HKID
        boolean any = m.kot().clearWbinvdBitOfFlushed(m.privateHkidMin(), m.privateHkidMax(), pkg);
        if (!any) {
            throw c.fail("TDX_NO_HKID_READY_TO_WBCACHE", "no HKID is in the FLUSHED state (run TDH.MNG.VPFLUSHDONE first)");
        }
    }
}
