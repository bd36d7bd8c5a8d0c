package org.tdxsim.module;

import java.util.Optional;

/**
 * The module's shared operand and state checks, each a named helper as in [M1.5.01]
 * {@code src/common/helpers/helpers.c}. Each throws {@link Fail} with the exact status the helper
 * returns.
 */
final class Checks {

    private Checks() {
    }

    static final long SIZE_4K = 4096;

    /**
     * {@code hpa_check_with_pwr_2_alignment}: aligned, no HKID bits, below MAX_PA, else
     * {@code TDX_OPERAND_INVALID | operand}.
     */
    static void hpaCheck(Call c, long hpa, long alignment, String operand, String what) {
        HostMemory mem = c.m.memory();
        if (Long.remainderUnsigned(hpa, alignment) != 0) {
            throw c.fail("TDX_OPERAND_INVALID", operand,
                    what + " " + Call.hex(hpa) + " is not " + alignment + "-byte aligned");
        }
        if (mem.hkidOf(hpa) != 0) {
            throw c.fail("TDX_OPERAND_INVALID", operand,
                    what + " " + Call.hex(hpa) + " has HKID bits set (HKID " + mem.hkidOf(hpa) + ")");
        }
        if (!mem.belowMaxPa(hpa)) {
            throw c.fail("TDX_OPERAND_INVALID", operand,
                    what + " " + Call.hex(hpa) + " has bits set at or above MAX_PA " + mem.maxPa());
        }
    }

    /**
     * {@code shared_hpa_check_with_pwr_2_alignment}: aligned, below MAX_PA, HKID bits in the shared
     * (non-private) range, else {@code TDX_OPERAND_INVALID | operand}. SEAMRR is not modelled.
     */
    static void sharedHpaCheck(Call c, long hpa, long alignment, String operand, String what) {
        HostMemory mem = c.m.memory();
        if (Long.remainderUnsigned(hpa, alignment) != 0) {
            throw c.fail("TDX_OPERAND_INVALID", operand,
                    what + " " + Call.hex(hpa) + " is not " + alignment + "-byte aligned");
        }
        if (!mem.belowMaxPa(hpa)) {
            throw c.fail("TDX_OPERAND_INVALID", operand,
                    what + " " + Call.hex(hpa) + " has bits set at or above MAX_PA " + mem.maxPa());
        }
        if (mem.hkidOf(hpa) >= c.m.privateHkidMin()) {
            throw c.fail("TDX_OPERAND_INVALID", operand, what + " " + Call.hex(hpa)
                    + " is not a shared address: its HKID " + mem.hkidOf(hpa) + " is a private HKID");
        }
    }

    /** {@link #sharedHpaCheck} as a predicate, for callers that map every failure to one status. */
    static boolean isSharedHpa(Call c, long hpa, long alignment) {
        HostMemory mem = c.m.memory();
        return Long.remainderUnsigned(hpa, alignment) == 0 && mem.belowMaxPa(hpa)
                && mem.hkidOf(hpa) < c.m.privateHkidMin();
    }

    /**
     * {@code check_and_lock_explicit_4k_private_hpa}: 4 KiB aligned private HPA inside an initialised
     * TDMR, PAMT entry lockable in {@code mode}, page type {@code expected}. Statuses: alignment /
     * HKID / MAX_PA → {@code OPERAND_INVALID|op}; outside TDMRs → {@code OPERAND_ADDR_RANGE_ERROR|op};
     * lock contention → {@code OPERAND_BUSY|op}; wrong type → {@code PAGE_METADATA_INCORRECT|op}.
     */
    static Pamt.Entry checkAndLockExplicit4k(Call c, long hpa, String operand, SharexLock.Mode mode,
                                            PageType expected, String what) {
        hpaCheck(c, hpa, SIZE_4K, operand, what);
        Pamt.Entry e = pamtEntry(c, hpa, operand, what);
        c.m.faults().reachBusy(c, operand);
        if (!c.tryLock(e.lock, mode)) {
            throw c.fail("TDX_OPERAND_BUSY", operand,
                    what + " " + Call.hex(hpa) + " is locked (by this or a concurrent SEAMCALL)");
        }
        if (e.type != expected) {
            throw c.fail("TDX_PAGE_METADATA_INCORRECT", operand, what + " " + Call.hex(hpa)
                    + " has PAMT type " + e.type + ", expected " + expected);
        }
        return e;
    }

    /** {@code pamt_get_block} + entry: {@code OPERAND_ADDR_RANGE_ERROR|op} outside initialised TDMRs. */
    static Pamt.Entry pamtEntry(Call c, long hpa, String operand, String what) {
        Optional<Pamt.Tdmr> t = c.m.pamt().coveringInitialized(hpa);
        if (t.isEmpty()) {
            throw c.fail("TDX_OPERAND_ADDR_RANGE_ERROR", operand, what + " " + Call.hex(hpa)
                    + " is not inside an initialised TDMR (no PAMT covers it)");
        }
        return c.m.pamt().entry(hpa, t.get());
    }

    /** The TD of a TDR page whose PAMT entry was checked to be PT_TDR. */
    static Td td(Call c, Pamt.Entry tdrEntry) {
        Td td = c.m.tds().get(tdrEntry.pa);
        if (td == null) {
            throw new IllegalStateException("PAMT says TDR but no TD at " + Call.hex(tdrEntry.pa));
        }
        return td;
    }

    /**
     * {@code lock_and_map_implicit_tdr}: the owner TDR of a page, locked in {@code mode}; contention →
     * {@code OPERAND_BUSY | TDR}.
     */
    static Td lockImplicitTdr(Call c, long tdrPa, SharexLock.Mode mode) {
        Pamt.Entry e = c.m.pamt().coveringInitialized(tdrPa).map(t -> c.m.pamt().entry(tdrPa, t))
                .orElseThrow(() -> new IllegalStateException("owner TDR outside TDMR"));
        c.m.faults().reachBusy(c, "TDR");
        if (!c.tryLock(e.lock, mode)) {
            throw c.fail("TDX_OPERAND_BUSY", "TDR", "the owner TDR " + Call.hex(tdrPa)
                    + " is locked (by this or a concurrent SEAMCALL)");
        }
        return td(c, e);
    }

    /**
     * {@code check_state_map_tdcs_and_lock} (1.5+) / {@code check_td_in_correct_build_state} (1.0):
     * FATAL → TDX_TD_FATAL; lifecycle ≠ KEYS_CONFIGURED → TDX_TD_KEYS_NOT_CONFIGURED; 1.5+: NUM_TDCX <
     * MIN_NUM_TDCS_PAGES → TDX_TDCS_NOT_ALLOCATED, OP_STATE lock contention → OPERAND_BUSY|OP_STATE,
     * OP_STATE not allowed for the leaf → TDX_OP_STATE_INCORRECT (abi §7.2, §7.3); 1.0: TDR.INIT = 0 →
     * TDX_TD_NOT_INITIALIZED.
     *
     * @param opStateLock SHARED / EXCLUSIVE, or {@code null} for leaves that take no OP_STATE lock
     */
    static void tdState(Call c, Td td, SharexLock.Mode opStateLock) {
        if (td.fatal) {
            throw c.fail("TDX_TD_FATAL", "the TD is marked FATAL");
        }
        if (td.lifecycle != TdLifecycle.TD_KEYS_CONFIGURED) {
            throw c.fail("TDX_TD_KEYS_NOT_CONFIGURED", "TDR.LIFECYCLE_STATE is " + td.lifecycle
                    + ", the leaf needs TD_KEYS_CONFIGURED");
        }
        if (c.m.is10()) {
            if (!td.init10) {
                throw c.fail("TDX_TD_NOT_INITIALIZED", "TDR.INIT is 0: TDH.MNG.INIT has not succeeded");
            }
            return;
        }
        int min = c.m.minTdcsPages();
        if (td.numTdcx() < min) {
            throw c.fail("TDX_TDCS_NOT_ALLOCATED", "TDR.NUM_TDCX is " + td.numTdcx() + ", below MIN_NUM_TDCS_PAGES "
                    + min);
        }
        if (opStateLock != null) {
            c.m.faults().reachBusy(c, "OP_STATE");
        }
        if (opStateLock != null && !c.tryLock(td.opStateLock, opStateLock)) {
            throw c.fail("TDX_OPERAND_BUSY", "OP_STATE", "TDCS.OP_STATE is locked (by this or a concurrent SEAMCALL)");
        }
        if (!c.profile.isLeafAllowedInOpState(c.leaf, td.opState.value())) {
            throw c.fail("TDX_OP_STATE_INCORRECT", Leaf.fromNumber(c.leaf).map(Leaf::specName).orElse("leaf "
                    + c.leaf) + " is not allowed while TDCS.OP_STATE is " + td.opState);
        }
    }

    /** 1.0: leaves that need TDCS.FINALIZED = 0 fail with TDX_TD_FINALIZED (abi §7.3 last paragraph). */
    static void notFinalized10(Call c, Td td) {
        if (c.m.is10() && td.finalized10) {
            throw c.fail("TDX_TD_FINALIZED", "TDCS.FINALIZED is set: TDH.MR.FINALIZE already ran");
        }
    }

    /** Bits 63:16 of an HKID operand are reserved ({@code hkid_api_input_t}). */
    static boolean hkidReservedClear(long v) {
        return (v >>> 16) == 0;
    }
}
