package org.tdxsim.module;

import java.util.List;
import org.tdxsim.module.metadata.CpuidCatalog;
import org.tdxsim.module.metadata.MetadataEntry;
import org.tdxsim.module.metadata.MetadataFieldId;
import org.tdxsim.module.metadata.MetadataResult;
import org.tdxsim.module.metadata.MetadataTable;

/**
 * vCPU leaves: TDH.VP.CREATE, TDH.VP.ADDCX, TDH.VP.INIT, TDH.VP.RD, TDH.VP.FLUSH (abi §1.1, §7.3;
 * [M1.5.01] {@code tdh_vp_*.c}).
 */
final class VcpuLeaves {

    private VcpuLeaves() {
    }

    /**
     * The TDVPS fields TDH.VP.RD supports. The digest has no VP-context table; these four management
     * fields (class 32) with their field ids, host read masks (production / debug; no host write mask)
     * and special-handling flags are entries 59-62 of {@code tdvps_lookup[]} in [M1.5.01]
     * {@code include/auto_gen/tdvps_fields_lookup.c} at commit 72d8cffb (VCPU_STATE 0xA020000000000000,
     * debug-only 0xFF; VCPU_INDEX 0xA020000200000002, 0xFFFFFFFF; NUM_TDVPS_PAGES 0xA020000000000003,
     * 0xFF; ASSOC_LPID 0xA020000200000004, 0xFFFFFFFF), not in the digest. Every other VP field id
     * reads as TDX_METADATA_FIELD_ID_INCORRECT in this model.
     */
    static final MetadataTable VP_TABLE = new MetadataTable(MetadataFieldId.CONTEXT_VP, List.of(
            new MetadataEntry("VCPU_STATE", 0, 0xA020000000000000L, 1, 1, 0, 0xFF, 0, 0, false, true),
            new MetadataEntry("VCPU_INDEX", 1, 0xA020000200000002L, 1, 1, 0xFFFF_FFFFL, 0xFFFF_FFFFL, 0, 0,
                    false, true),
            new MetadataEntry("NUM_TDVPS_PAGES", 2, 0xA020000000000003L, 1, 1, 0xFF, 0xFF, 0, 0, false, false),
            new MetadataEntry("ASSOC_LPID", 3, 0xA020000200000004L, 1, 1, 0xFFFF_FFFFL, 0xFFFF_FFFFL, 0, 0,
                    false, false)),
            new CpuidCatalog(List.of()));

    /** TDH.VP.CREATE: RCX = new TDVPR page, RDX = TDR. */
    static void create(Call c) {
        Pamt.Entry tdrE = Checks.checkAndLockExplicit4k(c, c.in.rdx(), "RDX", SharexLock.Mode.SHARED,
                PageType.PT_TDR, "TDR");
        Td td = Checks.td(c, tdrE);
        Checks.tdState(c, td, SharexLock.Mode.SHARED);
        Checks.notFinalized10(c, td);
        Pamt.Entry page = Checks.checkAndLockExplicit4k(c, c.in.rcx(), "RCX", SharexLock.Mode.EXCLUSIVE,
                PageType.PT_NDA, "TDVPR page");
        c.m.memory().fillPage(page.pa, (byte) 0);
        c.m.vcpus().put(page.pa, new Vcpu(page.pa, td.tdrPa));
        td.chldcnt.incrementAndGet();
        page.owner = td.tdrPa;
        page.type = PageType.PT_TDVPR;
    }

    private static Vcpu vcpu(Call c, Pamt.Entry tdvpr) {
        Vcpu v = c.m.vcpus().get(tdvpr.pa);
        if (v == null) {
            throw new IllegalStateException("PAMT says TDVPR but no vCPU at " + Call.hex(tdvpr.pa));
        }
        return v;
    }

    /** Pages a TDVPS needs: MIN_TDVPS_PAGES + 3 per L2 VM (1.5+), exactly MAX_TDVPS_PAGES (1.0). */
    static int requiredTdvpsPages(Call c, Td td) {
        if (c.m.is10()) {
            return c.m.maxTdvpsPages();
        }
        int l2 = td.settings == null ? 0 : td.settings.numL2Vms();
        return c.m.minTdvpsPages() + l2 * (int) c.m.constant("TDVPS_PAGES_PER_L2_VM", 3);
    }

    private static String tdvpsCountStatus(Call c) {
        return c.m.is10() ? "TDX_TDVPX_NUM_INCORRECT" : "TDX_TDCX_NUM_INCORRECT";
    }

    /**
     * TDH.VP.ADDCX: RCX = new page, RDX = TDVPR; vCPU must be uninitialised (VCPU_STATE_INCORRECT) and
     * have fewer than MAX_TDVPS_PAGES pages (TDX_TDCX_NUM_INCORRECT; 1.0 TDX_TDVPX_NUM_INCORRECT).
     */
    static void addcx(Call c) {
        Pamt.Entry tdvprE = Checks.checkAndLockExplicit4k(c, c.in.rdx(), "RDX", SharexLock.Mode.EXCLUSIVE,
                PageType.PT_TDVPR, "TDVPR");
        Vcpu v = vcpu(c, tdvprE);
        Td td = Checks.lockImplicitTdr(c, v.tdrPa, SharexLock.Mode.SHARED);
        Checks.tdState(c, td, SharexLock.Mode.SHARED);
        Checks.notFinalized10(c, td);
        if (v.state != Vcpu.VCPU_UNINITIALIZED) {
            throw c.fail("TDX_VCPU_STATE_INCORRECT", "the vCPU is already initialised");
        }
        int max = c.m.maxTdvpsPages();
        if (v.numTdvpsPages() >= max) {
            throw c.fail(tdvpsCountStatus(c), "the TDVPS already has " + v.numTdvpsPages()
                    + " pages, MAX_TDVPS_PAGES is " + max);
        }
        Pamt.Entry page = Checks.checkAndLockExplicit4k(c, c.in.rcx(), "RCX", SharexLock.Mode.EXCLUSIVE,
                PageType.PT_NDA, "TDVPS page");
        c.m.memory().fillPage(page.pa, (byte) 0);
        v.tdvpsPa.add(page.pa);
        td.chldcnt.incrementAndGet();
        page.owner = td.tdrPa;
        page.type = PageType.PT_TDCX;
    }

    /**
     * TDH.VP.INIT: RCX = TDVPR, RDX = initial guest RCX. TDVPS complete → else TDCX_NUM_INCORRECT;
     * uninitialised → else VCPU_STATE_INCORRECT; VCPU index = old NUM_VCPUS, NUM_VCPUS may not exceed
     * MAX_VCPUS → TDX_MAX_VCPUS_EXCEEDED (abi §7.3). The vCPU becomes READY and associated with this LP.
     */
    static void init(Call c) {
        Pamt.Entry tdvprE = Checks.checkAndLockExplicit4k(c, c.in.rcx(), "RCX", SharexLock.Mode.EXCLUSIVE,
                PageType.PT_TDVPR, "TDVPR");
        Vcpu v = vcpu(c, tdvprE);
        Td td = Checks.lockImplicitTdr(c, v.tdrPa, SharexLock.Mode.SHARED);
        Checks.tdState(c, td, SharexLock.Mode.SHARED);
        Checks.notFinalized10(c, td);
        int need = requiredTdvpsPages(c, td);
        if (v.numTdvpsPages() < need) {
            throw c.fail(tdvpsCountStatus(c), "the TDVPS has " + v.numTdvpsPages() + " pages (TDVPR + "
                    + (v.numTdvpsPages() - 1) + " TDH.VP.ADDCX pages), it needs " + need);
        }
        if (v.state != Vcpu.VCPU_UNINITIALIZED) {
            throw c.fail("TDX_VCPU_STATE_INCORRECT", "the vCPU is already initialised");
        }
        int max = td.settings.maxVcpus();
        int index = td.numVcpus.getAndIncrement();
        if (Integer.compareUnsigned(index, max) >= 0) {
            td.numVcpus.decrementAndGet();
            throw c.fail("TDX_MAX_VCPUS_EXCEEDED", "the TD already has " + index + " vCPUs, MAX_VCPUS is " + max);
        }
        v.vcpuIndex = index;
        v.initialRcx = c.in.rdx();
        v.state = Vcpu.VCPU_READY;
        v.assocLpid = c.lp;
        td.numAssocVcpus.incrementAndGet();
    }

    /**
     * TDH.VP.RD: version 0/1 like TDH.MNG.RD (version > 1 → OPERAND_INVALID|RAX); the vCPU must be READY
     * (VCPU_STATE_INCORRECT) and is associated with this LP if it is not yet (associated elsewhere →
     * TDX_VCPU_ASSOCIATED). Supported fields: {@link #VP_TABLE}.
     */
    static void rd(Call c) {
        if (c.version > 0) {
            c.rdx = MetadataFieldId.NULL_ID;
        }
        c.r8 = 0;
        if (c.version > 1) {
            throw c.fail("TDX_OPERAND_INVALID", "RAX", "TDH.VP.RD supports versions 0 and 1, not " + c.version);
        }
        Pamt.Entry tdvprE = Checks.checkAndLockExplicit4k(c, c.in.rcx(), "RCX", SharexLock.Mode.SHARED,
                PageType.PT_TDVPR, "TDVPR");
        Vcpu v = vcpu(c, tdvprE);
        Td td = Checks.lockImplicitTdr(c, v.tdrPa, SharexLock.Mode.SHARED);
        Checks.tdState(c, td, SharexLock.Mode.SHARED);
        if (v.numTdvpsPages() < requiredTdvpsPages(c, td)) {
            throw c.fail(tdvpsCountStatus(c), "the TDVPS is incomplete (" + v.numTdvpsPages() + " pages)");
        }
        if (v.state != Vcpu.VCPU_READY) {
            throw c.fail("TDX_VCPU_STATE_INCORRECT", "the vCPU has not been initialised by TDH.VP.INIT");
        }
        associate(c, td, v);
        if (c.m.is10()) {
            throw c.fail("TDX_OPERAND_INVALID", "RDX",
                    "tdxsim models no TDX 1.0 TDH.VP.RD field codes (the 1.0 VP field scheme is not in the spec)");
        }
        boolean debug = td.debug();
        long id = MetadataFieldId.withContext(c.in.rdx(), MetadataFieldId.CONTEXT_VP);
        if (c.version > 0 && MetadataFieldId.isNull(id)) {
            c.rdx = VP_TABLE.first(debug);
            throw c.fail("TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT", "null field id: RDX holds the first VP field id");
        }
        TdLeaves.requireSingleElement(c, id);
        MetadataTable.ElementSource src = (entry, index) -> switch (entry.name()) {
            case "VCPU_STATE" -> v.state;
            case "VCPU_INDEX" -> v.vcpuIndex;
            case "NUM_TDVPS_PAGES" -> v.numTdvpsPages();
            case "ASSOC_LPID" -> Integer.toUnsignedLong(v.assocLpid);
            default -> 0;
        };
        switch (VP_TABLE.read(id, debug, src)) {
            case MetadataResult.Value val -> {
                c.r8 = val.value();
                if (c.version > 0) {
                    c.rdx = VP_TABLE.next(id, debug);
                }
            }
            case MetadataResult.Failure f -> throw c.fail(f.error().statusName(), f.why());
        }
    }

    /** {@code associate_vcpu}: associated with another LP → TDX_VCPU_ASSOCIATED; new association counts. */
    private static void associate(Call c, Td td, Vcpu v) {
        synchronized (v) {
            if (v.assocLpid == c.lp) {
                return;
            }
            if (v.assocLpid != Vcpu.NO_LP) {
                throw c.fail("TDX_VCPU_ASSOCIATED", "the vCPU is associated with LP " + v.assocLpid
                        + ": flush it there first");
            }
            v.assocLpid = c.lp;
            td.numAssocVcpus.incrementAndGet();
        }
    }

    /**
     * TDH.VP.FLUSH on the LP the vCPU is associated with: lifecycle KEYS_CONFIGURED else
     * TD_KEYS_NOT_CONFIGURED; not associated with this LP → TDX_VCPU_NOT_ASSOCIATED
     * ([M1.5.01] tdh_vp_flush.c).
     */
    static void flush(Call c) {
        Pamt.Entry tdvprE = Checks.checkAndLockExplicit4k(c, c.in.rcx(), "RCX", SharexLock.Mode.EXCLUSIVE,
                PageType.PT_TDVPR, "TDVPR");
        Vcpu v = vcpu(c, tdvprE);
        Td td = Checks.lockImplicitTdr(c, v.tdrPa, SharexLock.Mode.SHARED);
        if (td.lifecycle != TdLifecycle.TD_KEYS_CONFIGURED) {
            throw c.fail("TDX_TD_KEYS_NOT_CONFIGURED", "TDR.LIFECYCLE_STATE is " + td.lifecycle);
        }
        if (v.numTdvpsPages() < requiredTdvpsPages(c, td)) {
            throw c.fail(tdvpsCountStatus(c), "the TDVPS is incomplete (" + v.numTdvpsPages() + " pages)");
        }
        synchronized (v) {
            if (v.assocLpid != c.lp) {
                throw c.fail("TDX_VCPU_NOT_ASSOCIATED", v.assocLpid == Vcpu.NO_LP
                        ? "the vCPU is not associated with any LP"
                        : "the vCPU is associated with LP " + v.assocLpid + ", not LP " + c.lp);
            }
            v.assocLpid = Vcpu.NO_LP;
            td.numAssocVcpus.decrementAndGet();
        }
    }
}
