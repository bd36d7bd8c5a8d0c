package org.tdxsim.module;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One TD: its TDR fields and, once enough TDCX pages exist, its TDCS fields (abi §6.5, §7.2, §7.3).
 * Fields are written only while the TDR's PAMT entry lock is held exclusively (or, for the counters
 * the module updates under a shared lock with atomic adds, through the atomic fields).
 */
final class Td {

    // ---- TDR ----
    final long tdrPa;
    final int hkid;
    final long[] tdUuid;
    volatile TdLifecycle lifecycle = TdLifecycle.TD_HKID_ASSIGNED;
    volatile boolean fatal;
    volatile long pkgConfigBitmap;
    /** TDR.TDCX_PA[]: the TDCS pages in ADDCX order. */
    final CopyOnWriteArrayList<Long> tdcxPa = new CopyOnWriteArrayList<>();
    final AtomicLong chldcnt = new AtomicLong();

    // ---- TDCS ----
    final SharexLock opStateLock = new SharexLock();
    volatile OpState opState = OpState.UNINITIALIZED;
    /** 1.0 only: TDR.INIT and TDCS.FINALIZED (abi §7.3 last paragraph). */
    volatile boolean init10;
    volatile boolean finalized10;
    final AtomicInteger numVcpus = new AtomicInteger();
    final AtomicInteger numAssocVcpus = new AtomicInteger();
    volatile TdSettings settings;
    volatile SecureEpt sept;
    volatile Measurement measurement;
    volatile long hpLockTimeoutUsec;
    final long[] vmCtls = new long[4];
    volatile long notifyEnables;
    volatile long tdEpoch;

    Td(long tdrPa, int hkid, long[] tdUuid) {
        this.tdrPa = tdrPa;
        this.hkid = hkid;
        this.tdUuid = tdUuid;
    }

    int numTdcx() {
        return tdcxPa.size();
    }

    boolean debug() {
        TdSettings s = settings;
        return s != null && (s.attributes() & 1) != 0;
    }

    /** Whether TDH.MNG.INIT has succeeded (OP_STATE ≠ UNINITIALIZED, or 1.0's TDR.INIT). */
    boolean initialized() {
        return init10 || opState != OpState.UNINITIALIZED;
    }
}
