package org.tdxsim.module;

import com.google.common.collect.ImmutableList;
import java.security.SecureRandom;
import java.util.Optional;
import org.tdxsim.module.metadata.MetadataFieldId;
import org.tdxsim.module.metadata.MetadataResult;
import org.tdxsim.module.metadata.MetadataTable;
import org.tdxsim.module.profile.TdFieldScheme10;
import org.tdxsim.module.tdparams.EventFilterInput;

/**
 * TD-scope management leaves: TDH.MNG.CREATE, TDH.MNG.KEY.CONFIG, TDH.MNG.ADDCX, TDH.MNG.INIT,
 * TDH.MNG.RD, TDH.MNG.WR, TDH.MNG.VPFLUSHDONE, TDH.MNG.KEY.FREEID, TDH.MNG.KEY.RECLAIMID
 * (abi §1.1, §4, §6.2, §7.2–§7.4; [M1.5.01] {@code tdh_mng_*.c}).
 */
final class TdLeaves {

    private TdLeaves() {
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    // ---------------------------------------------------------------- TDH.MNG.CREATE

    /**
     * TDH.MNG.CREATE: RDX HKID (bits 63:16 reserved) private → else OPERAND_INVALID|RDX; TDR page
     * (RCX) free → PAMT statuses |RCX; KOT lock → OPERAND_BUSY|KOT; KOT entry FREE → else
     * TDX_HKID_NOT_FREE (abi §7.4).
     */
    static void create(Call c) {
        TdxModule m = c.m;
        long hkidArg = c.in.rdx();
        if (!Checks.hkidReservedClear(hkidArg) || !m.isPrivateHkid((int) hkidArg)) {
            throw c.fail("TDX_OPERAND_INVALID", "RDX", "HKID " + Call.hex(hkidArg) + " is not in the private range "
                    + m.privateHkidMin() + ".." + m.privateHkidMax() + " (bits 63:16 are reserved)");
        }
        int hkid = (int) hkidArg;
        long tdrPa = c.in.rcx();
        Pamt.Entry tdr = Checks.checkAndLockExplicit4k(c, tdrPa, "RCX", SharexLock.Mode.EXCLUSIVE,
                PageType.PT_NDA, "TDR page");
        c.reach(FaultPoint.MNG_CREATE_KOT);
        if (!c.tryLock(m.kot().lock, SharexLock.Mode.EXCLUSIVE)) {
            throw c.fail("TDX_OPERAND_BUSY", "KOT", "the Key Ownership Table is locked by a concurrent SEAMCALL");
        }
        KotState st = m.kot().state(hkid);
        if (st != KotState.HKID_FREE) {
            throw c.fail("TDX_HKID_NOT_FREE", "HKID " + hkid + " is " + st + " in the KOT");
        }
        // TD_UUID needs entropy ([M1.5.01] tdh_mng_create.c; abi §7.4).
        c.reach(FaultPoint.MNG_CREATE_ENTROPY);
        // One 32-byte draw (nextLong would take two 4-byte draws from the shared generator per element).
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        java.nio.ByteBuffer rb = java.nio.ByteBuffer.wrap(random).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long[] uuid = new long[4];
        for (int i = 0; i < 4; i++) {
            uuid[i] = rb.getLong();
        }
        m.memory().fillPage(tdrPa, (byte) 0);
        Td td = new Td(tdrPa, hkid, uuid);
        td.hpLockTimeoutUsec = TdMetadata.DEFAULT_HP_LOCK_TIMEOUT_USEC;
        m.kot().set(hkid, KotState.HKID_ASSIGNED);
        m.tds().put(tdrPa, td);
        tdr.owner = 0;
        tdr.type = PageType.PT_TDR;
    }

    // ---------------------------------------------------------------- TDH.MNG.KEY.CONFIG

    /**
     * TDH.MNG.KEY.CONFIG on this LP's package: FATAL → TD_FATAL; lifecycle ≠ HKID_ASSIGNED →
     * LIFECYCLE_STATE_INCORRECT; package done → TDX_KEY_CONFIGURED; the last package moves the TD to
     * TD_KEYS_CONFIGURED (abi §7.2). PCONFIG failures (busy KET, no entropy) happen only when injected
     * ({@link FaultInjector}).
     */
    static void keyConfig(Call c) {
        Pamt.Entry e = Checks.checkAndLockExplicit4k(c, c.in.rcx(), "RCX", SharexLock.Mode.EXCLUSIVE,
                PageType.PT_TDR, "TDR");
        Td td = Checks.td(c, e);
        if (td.fatal) {
            throw c.fail("TDX_TD_FATAL", "the TD is marked FATAL");
        }
        if (td.lifecycle != TdLifecycle.TD_HKID_ASSIGNED) {
            throw c.fail("TDX_LIFECYCLE_STATE_INCORRECT", "TDR.LIFECYCLE_STATE is " + td.lifecycle
                    + ", TDH.MNG.KEY.CONFIG needs TD_HKID_ASSIGNED");
        }
        int pkg = c.pkg();
        if ((td.pkgConfigBitmap >>> pkg & 1) != 0) {
            throw c.fail("TDX_KEY_CONFIGURED", "the TD's key is already configured on package " + pkg);
        }
        // PCONFIG of a random key (program_mktme_keys): busy engine or no entropy (abi §7.4).
        c.reach(FaultPoint.MNG_KEY_CONFIG_KET);
        c.reach(FaultPoint.MNG_KEY_CONFIG_ENTROPY);
        td.pkgConfigBitmap |= 1L << pkg;
        if (td.pkgConfigBitmap == c.m.pkgConfigBitmap()) {
            td.lifecycle = TdLifecycle.TD_KEYS_CONFIGURED;
        }
    }

    // ---------------------------------------------------------------- TDH.MNG.ADDCX

    /**
     * TDH.MNG.ADDCX: RCX = new TDCX page, RDX = TDR. FATAL, lifecycle (TD_KEYS_NOT_CONFIGURED), page count
     * ≥ MAX_NUM_TDCS_PAGES → TDX_TDCX_NUM_INCORRECT, page free, then — once OP_STATE exists (pages
     * beyond MIN_NUM_TDCS_PAGES) — OP_STATE must allow the leaf ([M1.5.01] tdh_mng_add_cx.c; abi §7.3).
     */
    static void addcx(Call c) {
        Pamt.Entry e = Checks.checkAndLockExplicit4k(c, c.in.rdx(), "RDX", SharexLock.Mode.EXCLUSIVE,
                PageType.PT_TDR, "TDR");
        Td td = Checks.td(c, e);
        if (td.fatal) {
            throw c.fail("TDX_TD_FATAL", "the TD is marked FATAL");
        }
        if (td.lifecycle != TdLifecycle.TD_KEYS_CONFIGURED) {
            throw c.fail("TDX_TD_KEYS_NOT_CONFIGURED", "TDR.LIFECYCLE_STATE is " + td.lifecycle
                    + ": configure the key on every package first");
        }
        int n = td.numTdcx();
        int max = c.m.maxTdcsPages();
        if (n > max - 1) {
            throw c.fail("TDX_TDCX_NUM_INCORRECT", "the TD already has " + n + " TDCS pages, MAX_NUM_TDCS_PAGES is " + max);
        }
        Pamt.Entry page = Checks.checkAndLockExplicit4k(c, c.in.rcx(), "RCX", SharexLock.Mode.EXCLUSIVE,
                PageType.PT_NDA, "TDCX page");
        if (!c.m.is10() && n + 1 == c.m.minTdcsPages()) {
            // the MIN_NUM_TDCS_PAGES-th page makes the TDCS usable: the migration key is generated
            // ([M1.5.01]/[M2.0] tdh_mng_add_cx.c), which can fail with TDX_RND_NO_ENTROPY.
            c.reach(FaultPoint.MNG_ADDCX_ENTROPY);
        }
        if (!c.m.is10() && n + 1 > c.m.minTdcsPages()
                && !c.profile.isLeafAllowedInOpState(c.leaf, td.opState.value())) {
            throw c.fail("TDX_OP_STATE_INCORRECT", "TDH.MNG.ADDCX is not allowed while TDCS.OP_STATE is " + td.opState);
        }
        c.m.memory().fillPage(page.pa, (byte) 0);
        td.tdcxPa.add(page.pa);
        td.chldcnt.incrementAndGet();
        page.owner = td.tdrPa;
        page.type = PageType.PT_TDCX;
    }

    // ---------------------------------------------------------------- TDH.MNG.INIT

    /**
     * TDH.MNG.INIT rows 1–7 of abi §4.1 (1.0: §4.2 steps 1–3), then the TD_PARAMS checks of rows 8–26
     * delegated to {@link TdParamsGate}. RCX = 0 unless a check reports extended information.
     *
     * <p>2.0: RCX bit 0 is the event-filtering flag and the TDR is {@code RCX & ~1} (abi §1.1; [M2.0]
     * {@code tdh_mng_init.c} clears only bit 0); R8 is then the event-filter info ({@link EventFilterInput}).
     * Before 2.0 the whole RCX is the TDR, so an odd RCX fails the TDR alignment check with
     * {@code TDX_OPERAND_INVALID | RCX}.
     */
    static void init(Call c) {
        TdxModule m = c.m;
        boolean eventFiltering = m.isV20() && (c.in.rcx() & 1) != 0;
        long tdrPa = m.isV20() ? c.in.rcx() & ~1L : c.in.rcx();
        c.rcx = 0;
        // row 1
        if (m.limitCpuidMaxval()) {
            throw c.fail(m.is10() ? "TDX_BOOT_NT4_SET" : "TDX_LIMIT_CPUID_MAXVAL_SET",
                    "IA32_MISC_ENABLE bit 22 (limit CPUID maxval) is set");
        }
        // row 2
        Pamt.Entry e = Checks.checkAndLockExplicit4k(c, tdrPa, "RCX", SharexLock.Mode.EXCLUSIVE,
                PageType.PT_TDR, "TDR");
        Td td = Checks.td(c, e);
        if (m.is10()) {
            if (td.fatal) {
                throw c.fail("TDX_TD_FATAL", "the TD is marked FATAL");
            }
            if (td.lifecycle != TdLifecycle.TD_KEYS_CONFIGURED) {
                throw c.fail("TDX_TD_KEYS_NOT_CONFIGURED", "TDR.LIFECYCLE_STATE is " + td.lifecycle);
            }
            if (td.init10) {
                throw c.fail("TDX_TD_INITIALIZED", "TDR.INIT is already set: TDH.MNG.INIT succeeded before");
            }
            int need = m.maxTdcsPages();
            if (td.numTdcx() != need) {
                throw c.fail("TDX_TDCX_NUM_INCORRECT", "TDX 1.0 needs exactly " + need + " TDCS pages, the TD has "
                        + td.numTdcx());
            }
        } else {
            // rows 3–6
            Checks.tdState(c, td, null);
        }
        // row 7
        Checks.sharedHpaCheck(c, c.in.rdx(), 1024, "RDX", "TD_PARAMS");
        byte[] params = m.memory().read(c.in.rdx(), 1024);
        Optional<EventFilterInput> filters = eventFiltering ? Optional.of(eventFilterInput(c)) : Optional.empty();
        switch (m.tdParamsGate().check(c, td, params, filters)) {
            case TdParamsGate.Rejected r -> {
                c.rcx = r.rcx();
                throw new Fail(r.rax(), r.why(), r.explanation());
            }
            case TdParamsGate.Accepted a -> {
                td.settings = a.settings();
                td.measurement = new Measurement();
                td.sept = new SecureEpt(a.settings().eptPwlMinus1());
                td.tdEpoch = 1;
                td.numVcpus.set(0);
                td.numAssocVcpus.set(0);
                if (m.is10()) {
                    td.init10 = true;
                } else {
                    td.opState = OpState.INITIALIZED;
                }
            }
        }
    }

    /**
     * R8 of a 2.0 TDH.MNG.INIT with the event-filtering flag: the table HPA is checked with
     * {@code shared_hpa_check_with_pwr_2_alignment} (4 KiB) and the table is read only when the info
     * would pass the R8 checks, as the module maps it only then ([M2.0] {@code tdh_mng_init.c}).
     */
    private static EventFilterInput eventFilterInput(Call c) {
        long info = c.in.r8();
        EventFilterInput probe = new EventFilterInput(info, Checks.isSharedHpa(c, info & EventFilterInput.TABLE_HPA_MASK,
                Checks.SIZE_4K), ImmutableList.of());
        long max = c.profile.constant("MAX_EVENT_FILTERS").orElse(512);
        if (!probe.tableHpaValid() || probe.reserved() != 0 || probe.count() == 0 || probe.count() > max) {
            return probe;
        }
        ImmutableList.Builder<Long> entries = ImmutableList.builder();
        for (int i = 0; i < probe.count(); i++) {
            entries.add(c.m.memory().readLong(probe.tableHpa() + 8L * i));
        }
        return new EventFilterInput(info, true, entries.build());
    }

    // ---------------------------------------------------------------- TDH.MNG.RD / WR

    /**
     * TDH.MNG.RD: version 0 returns R8 only; version 1 also RDX = next readable id and accepts the
     * null id (TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT); version > 1 → OPERAND_INVALID|RAX. Needs a
     * valid TDR and OP_STATE ≠ UNINITIALIZED (abi §6.2). Production vs debug masks by ATTRIBUTES.DEBUG.
     */
    static void rd(Call c) {
        if (c.m.is10()) {
            rd10(c);
            return;
        }
        if (c.version > 0) {
            c.rdx = MetadataFieldId.NULL_ID;
        }
        c.r8 = 0;
        if (c.version > 1) {
            throw c.fail("TDX_OPERAND_INVALID", "RAX", "TDH.MNG.RD supports versions 0 and 1, not " + c.version);
        }
        Pamt.Entry e = Checks.checkAndLockExplicit4k(c, c.in.rcx(), "RCX", SharexLock.Mode.SHARED,
                PageType.PT_TDR, "TDR");
        Td td = Checks.td(c, e);
        Checks.tdState(c, td, SharexLock.Mode.SHARED);
        MetadataTable table = c.m.tdMetadata().table();
        MetadataTable.ElementSource src = c.m.tdMetadata().source(td);
        boolean debug = td.debug();
        long id = MetadataFieldId.withContext(c.in.rdx(), MetadataFieldId.CONTEXT_TD);
        if (c.version > 0 && MetadataFieldId.isNull(id)) {
            c.rdx = table.first(debug, src);
            throw c.fail("TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT", "null field id: RDX holds the first TD field id");
        }
        requireSingleElement(c, id);
        MetadataResult r = table.read(id, debug, src);
        switch (r) {
            case MetadataResult.Value v -> {
                c.r8 = v.value();
                if (c.version > 0) {
                    c.rdx = table.next(id, debug, src);
                }
            }
            case MetadataResult.Failure f -> throw c.fail(f.error().statusName(), f.why());
        }
    }

    /** TDH.MNG.WR: R8 = data, R9 = write mask; R8 returns the previous value (abi §1.1, §6.2). */
    static void wr(Call c) {
        if (c.m.is10()) {
            wr10(c);
            return;
        }
        c.r8 = 0;
        Pamt.Entry e = Checks.checkAndLockExplicit4k(c, c.in.rcx(), "RCX", SharexLock.Mode.SHARED,
                PageType.PT_TDR, "TDR");
        Td td = Checks.td(c, e);
        Checks.tdState(c, td, SharexLock.Mode.SHARED);
        long id = MetadataFieldId.withContext(c.in.rdx(), MetadataFieldId.CONTEXT_TD);
        requireSingleElement(c, id);
        MetadataResult r;
        synchronized (td) {
            r = c.m.tdMetadata().table().write(id, c.in.r8(), c.in.r9(), td.debug(), c.m.tdMetadata().source(td),
                    TdMetadata.WRITE_RULE);
        }
        switch (r) {
            case MetadataResult.Value v -> c.r8 = v.value();
            case MetadataResult.Failure f -> throw c.fail(f.error().statusName(), f.why());
        }
    }

    static void requireSingleElement(Call c, long id) {
        if (!MetadataFieldId.decode(id).isValidSingleElementId()) {
            throw c.fail("TDX_METADATA_FIELD_ID_INCORRECT", "field id " + Call.hex(id)
                    + " has reserved, LAST_ELEMENT_IN_FIELD or LAST_FIELD_IN_SEQUENCE bits set");
        }
    }

    private static TdFieldScheme10 scheme10(Call c) {
        return c.profile.tdFieldScheme1_0().orElseThrow(() -> new IllegalStateException("1.0 profile without scheme"));
    }

    /** 1.0 TDH.MNG.RD: exact field codes, TDX_TD_NOT_INITIALIZED before TDH.MNG.INIT (abi §6.2). */
    private static void rd10(Call c) {
        c.r8 = 0;
        Pamt.Entry e = Checks.checkAndLockExplicit4k(c, c.in.rcx(), "RCX", SharexLock.Mode.SHARED,
                PageType.PT_TDR, "TDR");
        Td td = Checks.td(c, e);
        Checks.tdState(c, td, null);
        Optional<Legacy10Fields.Hit> hit = Legacy10Fields.find(scheme10(c), c.in.rdx());
        if (hit.isEmpty()) {
            throw c.fail("TDX_OPERAND_INVALID", "RDX", "TDX 1.0 has no TD field with code " + Call.hex(c.in.rdx()));
        }
        TdFieldScheme10.Field f = hit.get().field();
        long mask = td.debug() ? f.hostReadMaskDebug() : f.hostReadMaskProd();
        if (mask == 0) {
            throw c.fail("TDX_FIELD_NOT_READABLE", f.name() + " is not host-readable"
                    + (td.debug() ? "" : " for a production TD"));
        }
        c.r8 = Legacy10Fields.value(c.m, td, hit.get()) & mask;
    }

    /** 1.0 TDH.MNG.WR: only NOTIFY_ENABLES bit 0 of a debug TD is writable. */
    private static void wr10(Call c) {
        c.r8 = 0;
        Pamt.Entry e = Checks.checkAndLockExplicit4k(c, c.in.rcx(), "RCX", SharexLock.Mode.SHARED,
                PageType.PT_TDR, "TDR");
        Td td = Checks.td(c, e);
        Checks.tdState(c, td, null);
        Optional<Legacy10Fields.Hit> hit = Legacy10Fields.find(scheme10(c), c.in.rdx());
        if (hit.isEmpty()) {
            throw c.fail("TDX_OPERAND_INVALID", "RDX", "TDX 1.0 has no TD field with code " + Call.hex(c.in.rdx()));
        }
        TdFieldScheme10.Field f = hit.get().field();
        long wrMask = (td.debug() ? f.hostWriteMaskDebug() : f.hostWriteMaskProd()) & c.in.r9();
        if (wrMask == 0) {
            throw c.fail("TDX_FIELD_NOT_WRITABLE", f.name() + " is not host-writable"
                    + (td.debug() ? "" : " for a production TD") + " under write mask " + Call.hex(c.in.r9()));
        }
        synchronized (td) {
            long old = Legacy10Fields.value(c.m, td, hit.get());
            long readMask = td.debug() ? f.hostReadMaskDebug() : f.hostReadMaskProd();
            if (f.name().equals("TDCS.NOTIFY_ENABLES")) {
                td.notifyEnables = old & ~wrMask | c.in.r8() & wrMask;
            }
            c.r8 = old & readMask;
        }
    }

    // ---------------------------------------------------------------- teardown

    /**
     * TDH.MNG.VPFLUSHDONE: KOT lock; lifecycle HKID_ASSIGNED or KEYS_CONFIGURED else
     * LIFECYCLE_STATE_INCORRECT; an initialised TD with associated vCPUs → TDX_FLUSHVP_NOT_DONE; then
     * TD_BLOCKED, KOT FLUSHED and a WBINVD bitmap of every configured package (abi §7.2, §7.4).
     */
    static void vpFlushDone(Call c) {
        TdxModule m = c.m;
        Pamt.Entry e = Checks.checkAndLockExplicit4k(c, c.in.rcx(), "RCX", SharexLock.Mode.EXCLUSIVE,
                PageType.PT_TDR, "TDR");
        Td td = Checks.td(c, e);
        c.reach(FaultPoint.MNG_VPFLUSHDONE_KOT);
        if (!c.tryLock(m.kot().lock, SharexLock.Mode.EXCLUSIVE)) {
            throw c.fail("TDX_OPERAND_BUSY", "KOT", "the Key Ownership Table is locked by a concurrent SEAMCALL");
        }
        if (td.lifecycle != TdLifecycle.TD_KEYS_CONFIGURED && td.lifecycle != TdLifecycle.TD_HKID_ASSIGNED) {
            throw c.fail("TDX_LIFECYCLE_STATE_INCORRECT", "TDR.LIFECYCLE_STATE is " + td.lifecycle);
        }
        boolean tdcsExists = m.is10() ? td.init10 : td.numTdcx() >= m.minTdcsPages();
        if (tdcsExists && td.initialized() && td.numAssocVcpus.get() != 0) {
            throw c.fail("TDX_FLUSHVP_NOT_DONE", td.numAssocVcpus.get()
                    + " vCPU(s) are still associated with an LP: run TDH.VP.FLUSH on each first");
        }
        m.kot().setWbinvdBitmap(td.hkid, m.pkgConfigBitmap());
        td.lifecycle = TdLifecycle.TD_BLOCKED;
        m.kot().set(td.hkid, KotState.HKID_FLUSHED);
    }

    /**
     * TDH.MNG.KEY.FREEID: lifecycle TD_BLOCKED else LIFECYCLE_STATE_INCORRECT; KOT lock; TDH.PHYMEM.CACHE.WB
     * must have run on every package → else TDX_WBCACHE_NOT_COMPLETE; HKID FREE, TD_TEARDOWN (abi §7.2).
     */
    static void keyFreeId(Call c) {
        TdxModule m = c.m;
        Pamt.Entry e = Checks.checkAndLockExplicit4k(c, c.in.rcx(), "RCX", SharexLock.Mode.EXCLUSIVE,
                PageType.PT_TDR, "TDR");
        Td td = Checks.td(c, e);
        if (td.lifecycle != TdLifecycle.TD_BLOCKED) {
            throw c.fail("TDX_LIFECYCLE_STATE_INCORRECT", "TDR.LIFECYCLE_STATE is " + td.lifecycle
                    + ", TDH.MNG.KEY.FREEID needs TD_BLOCKED (run TDH.MNG.VPFLUSHDONE)");
        }
        c.reach(FaultPoint.MNG_KEY_FREEID_KOT);
        if (!c.tryLock(m.kot().lock, SharexLock.Mode.EXCLUSIVE)) {
            throw c.fail("TDX_OPERAND_BUSY", "KOT", "the Key Ownership Table is locked by a concurrent SEAMCALL");
        }
        long pending = m.kot().wbinvdBitmap(td.hkid);
        if (pending != 0) {
            throw c.fail("TDX_WBCACHE_NOT_COMPLETE", "TDH.PHYMEM.CACHE.WB has not run on package bitmap "
                    + Call.hex(pending) + " since the TD was blocked");
        }
        m.kot().set(td.hkid, KotState.HKID_FREE);
        td.lifecycle = TdLifecycle.TD_TEARDOWN;
    }

    /** TDH.MNG.KEY.RECLAIMID: a no-op that returns TDX_SUCCESS, kept for compatibility (abi §1 table). */
    static void keyReclaimId(Call c) {
        // deliberately empty: [M1.5.01] tdh_mng_key_reclaimid.c
    }
}
