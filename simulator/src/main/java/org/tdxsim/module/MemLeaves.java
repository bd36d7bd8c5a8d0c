package org.tdxsim.module;

/**
 * Private-memory build leaves: TDH.MEM.SEPT.ADD, TDH.MEM.PAGE.ADD, TDH.MR.EXTEND, TDH.MR.FINALIZE
 * (abi §1.1, §7.3; [M1.5.01] {@code tdh_mem_sept_add.c}, {@code tdh_mem_page_add.c},
 * {@code tdh_mr_extend.c}, {@code tdh_mr_finalize.c}, {@code helpers.c} {@code verify_page_info_input},
 * {@code check_gpa_validity}).
 *
 * <p>On S-EPT walk and entry-state failures the module returns architectural S-EPT entry details in
 * RCX/RDX; their exact encoding is not in our spec, so tdxsim returns its own: RCX = the HPA the entry
 * maps (0 if free), RDX = the level the walk reached.
 */
final class MemLeaves {

    private MemLeaves() {
    }

    /** {@code MAX_PA} used for GPA checks (abi §3.6: GPA width 52 with GPAW, else 48). */
    static final int GPA_MAX_PA = 52;
    /** Chunk size of TDH.MR.EXTEND ([M1.5.01] tdh_mr_extend.c: 256-byte aligned GPA, 2 × 128 B). */
    static final int MR_EXTEND_CHUNK = 256;

    /** {@code page_info_api_input_t}: bits 2:0 level, 11:3 reserved, 51:12 GPA, 63:52 reserved (abi §1.1). */
    static boolean pageInfoValid(long pageInfo, int minLevel, int maxLevel) {
        int level = (int) (pageInfo & 0x7);
        boolean reservedZero = (pageInfo & 0xFF8L) == 0 && (pageInfo >>> 52) == 0;
        long gpa = pageInfo & 0x000F_FFFF_FFFF_F000L;
        return reservedZero && level >= minLevel && level <= maxLevel
                && (gpa & ((1L << (12 + 9 * level)) - 1)) == 0;
    }

    /**
     * {@code check_gpa_validity} for a private GPA: SHARED bit (51 with GPAW, else 47) clear, no bit at
     * or above 52, and with GPAW = 0 no bit in 51:48 (abi §3.6).
     */
    static boolean privateGpaValid(long gpa, boolean gpaw) {
        int sharedBit = gpaw ? 51 : 47;
        if ((gpa >>> sharedBit & 1) != 0) {
            return false;
        }
        if ((gpa >>> GPA_MAX_PA) != 0) {
            return false;
        }
        return gpaw || (gpa >>> 48 & 0xF) == 0;
    }

    private static void septDetails(Call c, SecureEpt.Walk w) {
        c.rcx = w.entry().hpa();
        c.rdx = w.level();
    }

    // ---------------------------------------------------------------- TDH.MEM.SEPT.ADD

    /**
     * TDH.MEM.SEPT.ADD: RCX = GPA+level (level 1..root), RDX = TDR handle with bit 0 {@code allow_existing}
     * (bits 11:1, 63:52 reserved → OPERAND_INVALID|RDX; 1.0: a plain TDR HPA), R8 = new S-EPT page.
     * Statuses as abi §1.1: walk short of the level → TDX_EPT_WALK_FAILED|RCX; an existing S-EPT page
     * without allow_existing → TDX_EPT_ENTRY_STATE_INCORRECT|RCX (1.0: TDX_EPT_ENTRY_NOT_FREE|RCX); a leaf
     * mapping at the level → the same status. Version 1 (L2 S-EPT pages in R9–R11) is accepted only with
     * R9–R11 = −1 (no L2 VM is modelled); version > 1 → OPERAND_INVALID|RAX.
     */
    static void septAdd(Call c) {
        TdxModule m = c.m;
        if (c.version > 1) {
            throw c.fail("TDX_OPERAND_INVALID", "RAX", "TDH.MEM.SEPT.ADD supports versions 0 and 1, not " + c.version);
        }
        c.rcx = 0;
        c.rdx = 0;
        long handle = c.in.rdx();
        long tdrPa;
        boolean allowExisting;
        if (m.is10()) {
            tdrPa = handle;
            allowExisting = false;
        } else {
            if ((handle & 0xFFEL) != 0 || (handle >>> 52) != 0) {
                throw c.fail("TDX_OPERAND_INVALID", "RDX", "TDR handle " + Call.hex(handle)
                        + " has reserved bits (11:1 or 63:52) set");
            }
            tdrPa = handle & 0x000F_FFFF_FFFF_F000L;
            allowExisting = (handle & 1) != 0;
        }
        long newPage = c.in.r8();
        long newPageClean = newPage == -1L ? -1L : newPage & ~(1L << 63);
        Pamt.Entry tdrE = Checks.checkAndLockExplicit4k(c, tdrPa, "RDX", SharexLock.Mode.SHARED, PageType.PT_TDR, "TDR");
        Td td = Checks.td(c, tdrE);
        Checks.tdState(c, td, SharexLock.Mode.SHARED);
        SecureEpt sept = td.sept;
        long info = c.in.rcx();
        if (!pageInfoValid(info, 1, sept.rootLevel)) {
            throw c.fail("TDX_OPERAND_INVALID", "RCX", "GPA/level " + Call.hex(info)
                    + " is malformed: level must be 1.." + sept.rootLevel
                    + ", bits 11:3 and 63:52 zero, and the GPA aligned to the level");
        }
        int level = (int) (info & 0x7);
        long gpa = info & 0x000F_FFFF_FFFF_F000L;
        if (!privateGpaValid(gpa, td.settings.gpaw())) {
            throw c.fail("TDX_OPERAND_INVALID", "RCX", "GPA " + Call.hex(gpa) + " is not a valid private GPA for GPAW "
                    + (td.settings.gpaw() ? 1 : 0) + " (SHARED bit " + (td.settings.gpaw() ? 51 : 47) + " must be 0)");
        }
        if (!c.tryLock(sept.treeLock, SharexLock.Mode.SHARED)) {
            throw c.fail("TDX_OPERAND_BUSY", m.is10() ? "SEPT" : "SEPT_TREE", "the S-EPT tree is locked");
        }
        SecureEpt.Walk w = sept.walk(gpa, level);
        if (w.level() != level) {
            septDetails(c, w);
            throw c.fail("TDX_EPT_WALK_FAILED", "RCX", "no S-EPT page maps level " + (level + 1) + " of GPA "
                    + Call.hex(gpa) + ": the walk stopped at level " + w.level());
        }
        String notFree = m.is10() ? "TDX_EPT_ENTRY_NOT_FREE" : "TDX_EPT_ENTRY_STATE_INCORRECT";
        if (w.entry().state() == SecureEpt.State.LEAF_MAPPED) {
            septDetails(c, w);
            throw c.fail(notFree, "RCX", "the level-" + level + " S-EPT entry of GPA " + Call.hex(gpa) + " maps a page");
        }
        if (c.version > 0 && (c.in.r9() != -1L || c.in.r10() != -1L || c.in.r11() != -1L)) {
            throw c.fail("TDX_OPERAND_INVALID", "R9", "version 1 L2 S-EPT pages need NUM_L2_VMS > 0; tdxsim models no L2 VMs");
        }
        if (newPageClean == -1L) {
            if (c.version == 0) {
                throw c.fail("TDX_OPERAND_INVALID", "R8", "R8 = -1 (no new S-EPT page) is only allowed with version 1");
            }
            if (w.entry().state() != SecureEpt.State.NL_MAPPED) {
                septDetails(c, w);
                throw c.fail(notFree, "RCX", "no S-EPT page given and none exists at this level");
            }
            return;
        }
        if (w.entry().state() == SecureEpt.State.NL_MAPPED) {
            if (allowExisting) {
                if (c.version > 0) {
                    c.r8 = newPageClean | 1L << 63; // page not used
                }
                return;
            }
            septDetails(c, w);
            throw c.fail(notFree, "RCX", "an S-EPT page already maps level " + level + " of GPA " + Call.hex(gpa)
                    + (m.is10() ? "" : " (set RDX bit 0, allow_existing, to accept that)"));
        }
        Pamt.Entry page = Checks.checkAndLockExplicit4k(c, newPageClean, "R8", SharexLock.Mode.EXCLUSIVE,
                PageType.PT_NDA, "new S-EPT page");
        if (!sept.installIfFree(gpa, level, new SecureEpt.Entry(SecureEpt.State.NL_MAPPED, page.pa))) {
            throw c.fail("TDX_OPERAND_BUSY", "RCX", "a concurrent SEAMCALL changed this S-EPT entry");
        }
        m.memory().fillPage(page.pa, (byte) 0);
        page.owner = td.tdrPa;
        page.type = PageType.PT_EPT;
        td.chldcnt.incrementAndGet();
        if (c.version > 0) {
            c.r8 = newPageClean;
        }
    }

    // ---------------------------------------------------------------- TDH.MEM.PAGE.ADD

    /**
     * TDH.MEM.PAGE.ADD: RCX = GPA+level (level 0), RDX = TDR, R8 = target page, R9 = source page (shared).
     * Copies the source into the new private page, maps it and extends MRTD (see {@link Measurement}).
     */
    static void pageAdd(Call c) {
        TdxModule m = c.m;
        c.rcx = 0;
        c.rdx = 0;
        Pamt.Entry tdrE = Checks.checkAndLockExplicit4k(c, c.in.rdx(), "RDX", SharexLock.Mode.EXCLUSIVE,
                PageType.PT_TDR, "TDR");
        Td td = Checks.td(c, tdrE);
        Checks.tdState(c, td, null);
        Checks.notFinalized10(c, td);
        long info = c.in.rcx();
        if (!pageInfoValid(info, 0, 0)) {
            throw c.fail("TDX_OPERAND_INVALID", "RCX", "GPA/level " + Call.hex(info)
                    + " is malformed: TDH.MEM.PAGE.ADD takes level 0 (4 KiB) with bits 11:3 and 63:52 zero");
        }
        long gpa = info & 0x000F_FFFF_FFFF_F000L;
        if (!privateGpaValid(gpa, td.settings.gpaw())) {
            throw c.fail("TDX_OPERAND_INVALID", "RCX", "GPA " + Call.hex(gpa) + " is not a valid private GPA for GPAW "
                    + (td.settings.gpaw() ? 1 : 0));
        }
        SecureEpt sept = td.sept;
        SecureEpt.Walk w = sept.walk(gpa, 0);
        if (w.level() != 0) {
            septDetails(c, w);
            throw c.fail("TDX_EPT_WALK_FAILED", "RCX", "GPA " + Call.hex(gpa) + " has no S-EPT page table at level "
                    + w.level() + ": add it with TDH.MEM.SEPT.ADD first");
        }
        if (w.entry().state() != SecureEpt.State.FREE) {
            septDetails(c, w);
            throw c.fail(m.is10() ? "TDX_EPT_ENTRY_NOT_FREE" : "TDX_EPT_ENTRY_STATE_INCORRECT", "RCX",
                    "GPA " + Call.hex(gpa) + " is already mapped");
        }
        Checks.sharedHpaCheck(c, c.in.r9(), 4096, "R9", "source page");
        Pamt.Entry page = Checks.checkAndLockExplicit4k(c, c.in.r8(), "R8", SharexLock.Mode.EXCLUSIVE,
                PageType.PT_NDA, "target page");
        if (!sept.installIfFree(gpa, 0, new SecureEpt.Entry(SecureEpt.State.LEAF_MAPPED, page.pa))) {
            throw c.fail("TDX_OPERAND_BUSY", "RCX", "a concurrent SEAMCALL mapped this GPA");
        }
        // the source is read through the shared KeyID (another TD's page yields no plaintext)
        m.memory().writePrivate(page.pa, m.memory().read(c.in.r9(), 4096));
        td.measurement.pageAdd(gpa);
        td.chldcnt.incrementAndGet();
        page.owner = td.tdrPa;
        page.type = PageType.PT_REG;
    }

    // ---------------------------------------------------------------- TDH.MR.EXTEND

    /**
     * TDH.MR.EXTEND: RCX = GPA of a 256-byte chunk of an added page, RDX = TDR; extends MRTD with the
     * chunk (see {@link Measurement}). Unaligned → OPERAND_INVALID|RCX; not a mapped page →
     * TDX_EPT_ENTRY_NOT_PRESENT|RCX.
     */
    static void mrExtend(Call c) {
        TdxModule m = c.m;
        c.rcx = 0;
        c.rdx = 0;
        Pamt.Entry tdrE = Checks.checkAndLockExplicit4k(c, c.in.rdx(), "RDX", SharexLock.Mode.EXCLUSIVE,
                PageType.PT_TDR, "TDR");
        Td td = Checks.td(c, tdrE);
        Checks.tdState(c, td, null);
        Checks.notFinalized10(c, td);
        long gpa = c.in.rcx();
        if (gpa % MR_EXTEND_CHUNK != 0) {
            throw c.fail("TDX_OPERAND_INVALID", "RCX", "GPA " + Call.hex(gpa) + " is not 256-byte aligned");
        }
        if (!privateGpaValid(gpa, td.settings.gpaw())) {
            throw c.fail("TDX_OPERAND_INVALID", "RCX", "GPA " + Call.hex(gpa) + " is not a valid private GPA");
        }
        SecureEpt.Walk w = td.sept.walk(gpa, 0);
        if (w.level() != 0 || w.entry().state() != SecureEpt.State.LEAF_MAPPED) {
            septDetails(c, w);
            throw c.fail("TDX_EPT_ENTRY_NOT_PRESENT", "RCX", "GPA " + Call.hex(gpa)
                    + " is not mapped to a page added with TDH.MEM.PAGE.ADD");
        }
        long hpa = w.entry().hpa() + (gpa & 0xFFF);
        td.measurement.extend(gpa, m.memory().readPrivate(hpa, MR_EXTEND_CHUNK));
    }

    // ---------------------------------------------------------------- TDH.MR.FINALIZE

    /**
     * TDH.MR.FINALIZE: NUM_VCPUS = 0 → TDX_NO_VCPUS (1.5+; 1.0 has no such status); MRTD final;
     * OP_STATE INITIALIZED → RUNNABLE (1.0: TDCS.FINALIZED = 1) (abi §7.3).
     */
    static void mrFinalize(Call c) {
        Pamt.Entry tdrE = Checks.checkAndLockExplicit4k(c, c.in.rcx(), "RCX", SharexLock.Mode.EXCLUSIVE,
                PageType.PT_TDR, "TDR");
        Td td = Checks.td(c, tdrE);
        Checks.tdState(c, td, null);
        Checks.notFinalized10(c, td);
        if (!c.m.is10() && td.numVcpus.get() == 0) {
            throw c.fail("TDX_NO_VCPUS", "the TD has no initialised vCPU (run TDH.VP.INIT first)");
        }
        td.measurement.finish();
        if (c.m.is10()) {
            td.finalized10 = true;
        } else {
            td.opState = OpState.RUNNABLE;
        }
    }
}
