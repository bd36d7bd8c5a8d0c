package org.tdxsim.module.reliability;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A small abstract model of the TDX module's TD lifecycle, written from the spec tables only, never
 * from the simulator's code: TDR.LIFECYCLE_STATE and the leaves that need each state (abi §7.2),
 * TDCS.OP_STATE and the allowed-state table (abi §7.3, states 0–2), KOT states of HKIDs (abi §7.4),
 * PAMT page types and owners, the per-leaf operand order of abi §1.1, and the try-lock rule that a
 * page already locked by the same SEAMCALL is busy (abi §4.1 row 2 "lockable exclusively").
 *
 * <p>{@link #step} predicts the status (name and operand, abi §2.2/§2.3) of one SEAMCALL and, when it
 * predicts success, applies the call's effect. The test compares the prediction with the simulator.
 * Platform: one package, so one TDH.MNG.KEY.CONFIG and one TDH.PHYMEM.CACHE.WB per TD suffice.
 */
final class SeamcallModel {

    /** PAMT page types (abi §1.1 "page type from PAMT"; [M1.5.01] pamt_manager.h). */
    enum Type { NDA, TDR, TDCX, TDVPR, EPT, REG }

    /** TDR.LIFECYCLE_STATE (abi §7.2). */
    enum Lifecycle { HKID_ASSIGNED, KEYS_CONFIGURED, BLOCKED, TEARDOWN }

    /** KOT entry state (abi §7.4). */
    enum Kot { FREE, ASSIGNED, FLUSHED }

    /** A predicted status: a name from abi §2.2 and, when the status carries one, an operand from §2.3. */
    record Expect(String status, Optional<String> operand) {
        static final Expect SUCCESS = new Expect("TDX_SUCCESS", Optional.empty());

        static Expect of(String status) {
            return new Expect(status, Optional.empty());
        }

        static Expect of(String status, String operand) {
            return new Expect(status, Optional.of(operand));
        }

        boolean success() {
            return status.equals("TDX_SUCCESS");
        }

        @Override
        public String toString() {
            return status + operand.map(o -> "|" + o).orElse("");
        }
    }

    /** Signals a predicted failure from inside a check. */
    static final class Predicted extends RuntimeException {
        final Expect expect;

        Predicted(Expect e) {
            super(e.toString(), null, false, false);
            this.expect = e;
        }
    }

    static final class Vcpu {
        final long tdvpr;
        final List<Long> pages = new ArrayList<>();
        boolean initialized;
        int assocLp = -1;

        Vcpu(long tdvpr) {
            this.tdvpr = tdvpr;
            pages.add(tdvpr);
        }
    }

    static final class Td {
        final long tdr;
        final int hkid;
        Lifecycle lifecycle = Lifecycle.HKID_ASSIGNED;
        /** TDCS.OP_STATE: 0 UNINITIALIZED, 1 INITIALIZED, 2 RUNNABLE (abi §7.3). */
        int opState;
        final List<Long> tdcx = new ArrayList<>();
        long children;
        final Map<Long, Vcpu> vcpus = new LinkedHashMap<>();
        int numVcpus;
        int numAssoc;
        int maxVcpus;
        boolean wbPending;
        /** Non-leaf S-EPT entries: level → set of (gpa >>> (12 + 9·level)). */
        final Map<Integer, Set<Long>> sept = new HashMap<>();
        /** 4 KiB leaf mappings: gpa >>> 12. */
        final Set<Long> leaves = new HashSet<>();

        Td(long tdr, int hkid) {
            this.tdr = tdr;
            this.hkid = hkid;
        }
    }

    /** Root S-EPT level for the 4-level EPT the TD_PARAMS builder uses (abi §3.5: PWL 4 → levels 3..0). */
    static final int ROOT = 3;

    final int minTdcs;
    final int maxTdcs;
    final int minTdvps;
    final int maxTdvps;
    final int globalHkid;
    final int hkidMin;
    final int hkidMax;
    final Map<Long, Type> types = new HashMap<>();
    final Map<Long, Long> owners = new HashMap<>();
    final Map<Long, Td> tds = new LinkedHashMap<>();
    final Map<Integer, Kot> kot = new HashMap<>();
    /** Pages locked by the SEAMCALL being predicted: pa → exclusive?. */
    private final Map<Long, Boolean> locked = new HashMap<>();

    SeamcallModel(int minTdcs, int maxTdcs, int minTdvps, int maxTdvps, int globalHkid, int hkidMin, int hkidMax) {
        this.minTdcs = minTdcs;
        this.maxTdcs = maxTdcs;
        this.minTdvps = minTdvps;
        this.maxTdvps = maxTdvps;
        this.globalHkid = globalHkid;
        this.hkidMin = hkidMin;
        this.hkidMax = hkidMax;
    }

    // ---------------------------------------------------------------- spec tables

    /** abi §7.3 allowed-state table, columns 0..2, for the leaves the model drives. */
    static boolean allowed(String leaf, int opState) {
        return switch (leaf) {
            case "TDH.MNG.ADDCX", "TDH.MNG.INIT" -> opState == 0;
            case "TDH.MEM.PAGE.ADD", "TDH.VP.ADDCX", "TDH.VP.CREATE", "TDH.MR.EXTEND", "TDH.MR.FINALIZE",
                 "TDH.VP.INIT" -> opState == 1;
            case "TDH.MEM.SEPT.ADD", "TDH.MNG.RD", "TDH.VP.RD", "TDH.MNG.WR", "TDH.VP.WR" -> opState >= 1;
            case "TDH.VP.FLUSH" -> true;
            default -> throw new IllegalArgumentException(leaf);
        };
    }

    Type type(long pa) {
        return types.getOrDefault(pa, Type.NDA);
    }

    Kot kot(int hkid) {
        return hkid == globalHkid ? Kot.ASSIGNED : kot.getOrDefault(hkid, Kot.FREE);
    }

    /** Private HKIDs not FREE, counting the global HKID TDH.SYS.CONFIG reserved (abi §7.4). */
    int hkidsInUse() {
        int n = 1;
        for (Kot k : kot.values()) {
            n += k == Kot.FREE ? 0 : 1;
        }
        return n;
    }

    private static Predicted fail(String status) {
        return new Predicted(Expect.of(status));
    }

    private static Predicted fail(String status, String operand) {
        return new Predicted(Expect.of(status, operand));
    }

    /**
     * An explicit 4 KiB page operand ({@code check_and_lock_explicit_4k_private_hpa}, abi §4.1 row 2):
     * alignment → OPERAND_INVALID, outside every TDMR → OPERAND_ADDR_RANGE_ERROR, try-lock → OPERAND_BUSY,
     * then the PAMT type → PAGE_METADATA_INCORRECT, each with the operand.
     */
    private void page(long pa, Type expected, String operand, boolean exclusive, Pages pages) {
        if (pa % 4096 != 0) {
            throw fail("TDX_OPERAND_INVALID", operand);
        }
        if (!pages.inTdmr(pa)) {
            throw fail("TDX_OPERAND_ADDR_RANGE_ERROR", operand);
        }
        lock(pa, exclusive, "TDX_OPERAND_BUSY", operand);
        if (type(pa) != expected) {
            throw fail("TDX_PAGE_METADATA_INCORRECT", operand);
        }
    }

    private void lock(long pa, boolean exclusive, String status, String operand) {
        Boolean held = locked.get(pa);
        if (held != null && (held || exclusive)) {
            throw fail(status, operand);
        }
        locked.put(pa, exclusive);
    }

    /** Which addresses are inside the TDMR (the test's page pool knows). */
    interface Pages {
        boolean inTdmr(long pa);
    }

    private Td tdOf(long tdr) {
        return tds.get(tdr);
    }

    /** The TDCS-mapping helper of abi §7.2/§7.3: lifecycle, TDCS allocated, OP_STATE allowed. */
    private void tdState(Td td, String leaf) {
        if (td.lifecycle != Lifecycle.KEYS_CONFIGURED) {
            throw fail("TDX_TD_KEYS_NOT_CONFIGURED");
        }
        if (td.tdcx.size() < minTdcs) {
            throw fail("TDX_TDCS_NOT_ALLOCATED");
        }
        if (!allowed(leaf, td.opState)) {
            throw fail("TDX_OP_STATE_INCORRECT");
        }
    }

    private void own(long pa, Type t, Td td) {
        types.put(pa, t);
        owners.put(pa, td.tdr);
        td.children++;
    }

    // ---------------------------------------------------------------- S-EPT walk (abi §1.1 TDH.MEM.SEPT.ADD)

    private static long key(long gpa, int level) {
        return gpa >>> (12 + 9 * level);
    }

    private boolean nonLeaf(Td td, long gpa, int level) {
        return td.sept.getOrDefault(level, Set.of()).contains(key(gpa, level));
    }

    /** Level the walk from the root stops at when heading for {@code level}. */
    private int walk(Td td, long gpa, int level) {
        int l = ROOT;
        while (l > level && nonLeaf(td, gpa, l)) {
            l--;
        }
        return l;
    }

    private static boolean pageInfoOk(long info, int minLevel, int maxLevel) {
        int level = (int) (info & 7);
        long gpa = info & 0x000F_FFFF_FFFF_F000L;
        return (info & 0xFF8L) == 0 && (info >>> 52) == 0 && level >= minLevel && level <= maxLevel
                && (gpa & ((1L << (12 + 9 * level)) - 1)) == 0;
    }

    /** 4-level EPT (GPAW 0): SHARED bit 47 clear and no bit at or above 48 (abi §3.6). */
    private static boolean privateGpa(long gpa) {
        return (gpa >>> 47) == 0;
    }

    // ---------------------------------------------------------------- leaves

    /** One SEAMCALL, predicted: returns the expected status and applies the effect on success. */
    Expect step(Call call, Pages pages) {
        locked.clear();
        try {
            apply(call, pages);
            return Expect.SUCCESS;
        } catch (Predicted p) {
            return p.expect;
        } finally {
            locked.clear();
        }
    }

    /** The SEAMCALLs the model knows, with resolved operands. */
    sealed interface Call {
        record Create(long tdr, long hkid) implements Call {}
        record KeyConfig(long tdr) implements Call {}
        record Addcx(long page, long tdr) implements Call {}
        record Init(long tdr, int maxVcpus) implements Call {}
        record VpCreate(long tdvpr, long tdr) implements Call {}
        record VpAddcx(long page, long tdvpr) implements Call {}
        record VpInit(long tdvpr) implements Call {}
        record SeptAdd(long gpaLevel, long tdr, long page) implements Call {}
        record PageAdd(long gpa, long tdr, long target, long source) implements Call {}
        record MrExtend(long gpa, long tdr) implements Call {}
        record MrFinalize(long tdr) implements Call {}
        record VpFlush(int lp, long tdvpr) implements Call {}
        record VpFlushDone(long tdr) implements Call {}
        record CacheWb() implements Call {}
        record KeyFreeId(long tdr) implements Call {}
        record Reclaim(long page) implements Call {}
        record MngRd(long tdr, long fieldId) implements Call {}
    }

    private void apply(Call call, Pages pages) {
        switch (call) {
            case Call.Create(long tdr, long hkid) -> {
                if ((hkid >>> 16) != 0 || hkid < hkidMin || hkid > hkidMax) {
                    throw fail("TDX_OPERAND_INVALID", "RDX");
                }
                page(tdr, Type.NDA, "RCX", true, pages);
                if (kot((int) hkid) != Kot.FREE) {
                    throw fail("TDX_HKID_NOT_FREE");
                }
                Td td = new Td(tdr, (int) hkid);
                tds.put(tdr, td);
                types.put(tdr, Type.TDR);
                kot.put((int) hkid, Kot.ASSIGNED);
            }
            case Call.KeyConfig(long tdr) -> {
                page(tdr, Type.TDR, "RCX", true, pages);
                Td td = tdOf(tdr);
                if (td.lifecycle != Lifecycle.HKID_ASSIGNED) {
                    throw fail("TDX_LIFECYCLE_STATE_INCORRECT");
                }
                td.lifecycle = Lifecycle.KEYS_CONFIGURED;
            }
            case Call.Addcx(long pg, long tdr) -> {
                page(tdr, Type.TDR, "RDX", true, pages);
                Td td = tdOf(tdr);
                if (td.lifecycle != Lifecycle.KEYS_CONFIGURED) {
                    throw fail("TDX_TD_KEYS_NOT_CONFIGURED");
                }
                if (td.tdcx.size() >= maxTdcs) {
                    throw fail("TDX_TDCX_NUM_INCORRECT");
                }
                page(pg, Type.NDA, "RCX", true, pages);
                // OP_STATE exists only once MIN_NUM_TDCS_PAGES pages hold the TDCS (abi §7.3 last lines).
                if (td.tdcx.size() + 1 > minTdcs && !allowed("TDH.MNG.ADDCX", td.opState)) {
                    throw fail("TDX_OP_STATE_INCORRECT");
                }
                td.tdcx.add(pg);
                own(pg, Type.TDCX, td);
            }
            case Call.Init(long tdr, int maxVcpus) -> {
                page(tdr, Type.TDR, "RCX", true, pages);
                Td td = tdOf(tdr);
                tdState(td, "TDH.MNG.INIT");
                td.opState = 1;
                td.maxVcpus = maxVcpus;
            }
            case Call.VpCreate(long tdvpr, long tdr) -> {
                page(tdr, Type.TDR, "RDX", false, pages);
                Td td = tdOf(tdr);
                tdState(td, "TDH.VP.CREATE");
                page(tdvpr, Type.NDA, "RCX", true, pages);
                td.vcpus.put(tdvpr, new Vcpu(tdvpr));
                own(tdvpr, Type.TDVPR, td);
            }
            case Call.VpAddcx(long pg, long tdvpr) -> {
                page(tdvpr, Type.TDVPR, "RDX", true, pages);
                Td td = tdOf(owners.get(tdvpr));
                lock(td.tdr, false, "TDX_OPERAND_BUSY", "TDR");
                tdState(td, "TDH.VP.ADDCX");
                Vcpu v = td.vcpus.get(tdvpr);
                if (v.initialized) {
                    throw fail("TDX_VCPU_STATE_INCORRECT");
                }
                if (v.pages.size() >= maxTdvps) {
                    throw fail("TDX_TDCX_NUM_INCORRECT");
                }
                page(pg, Type.NDA, "RCX", true, pages);
                v.pages.add(pg);
                own(pg, Type.TDCX, td);
            }
            case Call.VpInit(long tdvpr) -> {
                page(tdvpr, Type.TDVPR, "RCX", true, pages);
                Td td = tdOf(owners.get(tdvpr));
                lock(td.tdr, false, "TDX_OPERAND_BUSY", "TDR");
                tdState(td, "TDH.VP.INIT");
                Vcpu v = td.vcpus.get(tdvpr);
                if (v.pages.size() < minTdvps) {
                    throw fail("TDX_TDCX_NUM_INCORRECT");
                }
                if (v.initialized) {
                    throw fail("TDX_VCPU_STATE_INCORRECT");
                }
                if (td.numVcpus >= td.maxVcpus) {
                    throw fail("TDX_MAX_VCPUS_EXCEEDED");
                }
                v.initialized = true;
                v.assocLp = 0;
                td.numVcpus++;
                td.numAssoc++;
            }
            case Call.SeptAdd(long info, long tdr, long pg) -> {
                page(tdr, Type.TDR, "RDX", false, pages);
                Td td = tdOf(tdr);
                tdState(td, "TDH.MEM.SEPT.ADD");
                if (!pageInfoOk(info, 1, ROOT)) {
                    throw fail("TDX_OPERAND_INVALID", "RCX");
                }
                int level = (int) (info & 7);
                long gpa = info & 0x000F_FFFF_FFFF_F000L;
                if (!privateGpa(gpa)) {
                    throw fail("TDX_OPERAND_INVALID", "RCX");
                }
                if (walk(td, gpa, level) != level) {
                    throw fail("TDX_EPT_WALK_FAILED", "RCX");
                }
                if (nonLeaf(td, gpa, level)) {
                    throw fail("TDX_EPT_ENTRY_STATE_INCORRECT", "RCX");
                }
                page(pg, Type.NDA, "R8", true, pages);
                td.sept.computeIfAbsent(level, l -> new HashSet<>()).add(key(gpa, level));
                own(pg, Type.EPT, td);
            }
            case Call.PageAdd(long info, long tdr, long target, long source) -> {
                page(tdr, Type.TDR, "RDX", true, pages);
                Td td = tdOf(tdr);
                tdState(td, "TDH.MEM.PAGE.ADD");
                if (!pageInfoOk(info, 0, 0)) {
                    throw fail("TDX_OPERAND_INVALID", "RCX");
                }
                long gpa = info & 0x000F_FFFF_FFFF_F000L;
                if (!privateGpa(gpa)) {
                    throw fail("TDX_OPERAND_INVALID", "RCX");
                }
                if (walk(td, gpa, 0) != 0) {
                    throw fail("TDX_EPT_WALK_FAILED", "RCX");
                }
                if (td.leaves.contains(gpa >>> 12)) {
                    throw fail("TDX_EPT_ENTRY_STATE_INCORRECT", "RCX");
                }
                if (source % 4096 != 0) {
                    throw fail("TDX_OPERAND_INVALID", "R9");
                }
                page(target, Type.NDA, "R8", true, pages);
                td.leaves.add(gpa >>> 12);
                own(target, Type.REG, td);
            }
            case Call.MrExtend(long gpa, long tdr) -> {
                page(tdr, Type.TDR, "RDX", true, pages);
                Td td = tdOf(tdr);
                tdState(td, "TDH.MR.EXTEND");
                if (gpa % 256 != 0 || !privateGpa(gpa)) {
                    throw fail("TDX_OPERAND_INVALID", "RCX");
                }
                if (walk(td, gpa, 0) != 0 || !td.leaves.contains(gpa >>> 12)) {
                    throw fail("TDX_EPT_ENTRY_NOT_PRESENT", "RCX");
                }
            }
            case Call.MrFinalize(long tdr) -> {
                page(tdr, Type.TDR, "RCX", true, pages);
                Td td = tdOf(tdr);
                tdState(td, "TDH.MR.FINALIZE");
                if (td.numVcpus == 0) {
                    throw fail("TDX_NO_VCPUS");
                }
                td.opState = 2;
            }
            case Call.VpFlush(int lp, long tdvpr) -> {
                page(tdvpr, Type.TDVPR, "RCX", true, pages);
                Td td = tdOf(owners.get(tdvpr));
                lock(td.tdr, false, "TDX_OPERAND_BUSY", "TDR");
                if (td.lifecycle != Lifecycle.KEYS_CONFIGURED) {
                    throw fail("TDX_TD_KEYS_NOT_CONFIGURED");
                }
                Vcpu v = td.vcpus.get(tdvpr);
                if (v.pages.size() < minTdvps) {
                    throw fail("TDX_TDCX_NUM_INCORRECT");
                }
                if (v.assocLp != lp) {
                    throw fail("TDX_VCPU_NOT_ASSOCIATED");
                }
                v.assocLp = -1;
                td.numAssoc--;
            }
            case Call.VpFlushDone(long tdr) -> {
                page(tdr, Type.TDR, "RCX", true, pages);
                Td td = tdOf(tdr);
                if (td.lifecycle != Lifecycle.HKID_ASSIGNED && td.lifecycle != Lifecycle.KEYS_CONFIGURED) {
                    throw fail("TDX_LIFECYCLE_STATE_INCORRECT");
                }
                if (td.tdcx.size() >= minTdcs && td.opState != 0 && td.numAssoc != 0) {
                    throw fail("TDX_FLUSHVP_NOT_DONE");
                }
                td.lifecycle = Lifecycle.BLOCKED;
                td.wbPending = true;
                kot.put(td.hkid, Kot.FLUSHED);
            }
            case Call.CacheWb() -> {
                boolean any = false;
                for (Td td : tds.values()) {
                    if (kot(td.hkid) == Kot.FLUSHED && td.lifecycle == Lifecycle.BLOCKED) {
                        td.wbPending = false;
                        any = true;
                    }
                }
                if (!any) {
                    throw fail("TDX_NO_HKID_READY_TO_WBCACHE");
                }
            }
            case Call.KeyFreeId(long tdr) -> {
                page(tdr, Type.TDR, "RCX", true, pages);
                Td td = tdOf(tdr);
                if (td.lifecycle != Lifecycle.BLOCKED) {
                    throw fail("TDX_LIFECYCLE_STATE_INCORRECT");
                }
                if (td.wbPending) {
                    throw fail("TDX_WBCACHE_NOT_COMPLETE");
                }
                kot.put(td.hkid, Kot.FREE);
                td.lifecycle = Lifecycle.TEARDOWN;
            }
            case Call.Reclaim(long pa) -> {
                if (pa % 4096 != 0) {
                    throw fail("TDX_OPERAND_INVALID", "RCX");
                }
                if (!pages.inTdmr(pa)) {
                    throw fail("TDX_OPERAND_ADDR_RANGE_ERROR", "RCX");
                }
                Type t = type(pa);
                if (t == Type.NDA) {
                    throw fail("TDX_PAGE_METADATA_INCORRECT", "RCX");
                }
                if (t == Type.TDR) {
                    Td td = tdOf(pa);
                    if (td.lifecycle != Lifecycle.TEARDOWN) {
                        throw fail("TDX_LIFECYCLE_STATE_INCORRECT");
                    }
                    if (td.children != 0) {
                        throw fail("TDX_TD_ASSOCIATED_PAGES_EXIST");
                    }
                    tds.remove(pa);
                } else {
                    Td td = tdOf(owners.get(pa));
                    if (td.lifecycle != Lifecycle.TEARDOWN) {
                        throw fail("TDX_LIFECYCLE_STATE_INCORRECT");
                    }
                    td.children--;
                    td.vcpus.remove(pa);
                    owners.remove(pa);
                }
                types.remove(pa);
            }
            case Call.MngRd(long tdr, long fieldId) -> {
                page(tdr, Type.TDR, "RCX", false, pages);
                tdState(tdOf(tdr), "TDH.MNG.RD");
            }
        }
    }

    /** The value TDH.MNG.RD returns for the two fields the test reads (abi §6.5): OP_STATE, LIFECYCLE_STATE. */
    long readValue(long tdr, long fieldId) {
        Td td = tdOf(tdr);
        return fieldId == SeamcallLifecycleModelTest.FIELD_OP_STATE ? td.opState : td.lifecycle.ordinal();
    }

    /** Page counts by type other than NDA. */
    Map<Type, Long> counts() {
        Map<Type, Long> out = new HashMap<>();
        for (Type t : types.values()) {
            out.merge(t, 1L, Long::sum);
        }
        return out;
    }
}
