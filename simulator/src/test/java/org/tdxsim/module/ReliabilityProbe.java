package org.tdxsim.module;

/**
 * Test-only window into the module's internals for {@code org.tdxsim.module.reliability}: holds a
 * try-lock the way a concurrent SEAMCALL on another LP would (so contention can be produced
 * deterministically instead of by luck of scheduling), and reads counts the public API does not
 * expose. Nothing here changes module state except taking and releasing locks.
 */
public final class ReliabilityProbe {

    private ReliabilityProbe() {
    }

    /** A lock held until {@link #close()}, as by a SEAMCALL that is still running on another LP. */
    public static final class Held implements AutoCloseable {
        private final SharexLock lock;
        private final SharexLock.Mode mode;
        private boolean open = true;

        private Held(SharexLock lock, SharexLock.Mode mode) {
            this.lock = lock;
            this.mode = mode;
        }

        @Override
        public void close() {
            if (open) {
                open = false;
                lock.release(mode);
            }
        }
    }

    private static Held hold(SharexLock lock, boolean exclusive, String what) {
        SharexLock.Mode mode = exclusive ? SharexLock.Mode.EXCLUSIVE : SharexLock.Mode.SHARED;
        if (!lock.tryAcquire(mode)) {
            throw new IllegalStateException(what + " is already locked");
        }
        return new Held(lock, mode);
    }

    /** The PAMT entry lock of the 4 KiB page at {@code pa} (the page must lie in an initialised TDMR). */
    public static Held holdPage(TdxModule m, long pa, boolean exclusive) {
        Pamt.Tdmr t = m.pamt().coveringInitialized(pa).orElseThrow(() -> new IllegalArgumentException("not in a TDMR"));
        return hold(m.pamt().entry(pa, t).lock, exclusive, "PAMT entry " + Long.toHexString(pa));
    }

    /** The Key Ownership Table lock. */
    public static Held holdKot(TdxModule m, boolean exclusive) {
        return hold(m.kot().lock, exclusive, "KOT");
    }

    /** TDCS.OP_STATE's lock of the TD at {@code tdr}. */
    public static Held holdOpState(TdxModule m, long tdr, boolean exclusive) {
        return hold(td(m, tdr).opStateLock, exclusive, "OP_STATE");
    }

    /** The S-EPT tree lock of the (initialised) TD at {@code tdr}. */
    public static Held holdSeptTree(TdxModule m, long tdr, boolean exclusive) {
        return hold(td(m, tdr).sept.treeLock, exclusive, "S-EPT tree");
    }

    /** The TDH.PHYMEM.CACHE.WB lock of package {@code pkg}. */
    public static Held holdWbCache(TdxModule m, int pkg, boolean exclusive) {
        return hold(m.wbtLock(pkg), exclusive, "WBCACHE");
    }

    /**
     * True if no KOT, WBCACHE, OP_STATE or S-EPT lock is held and none of the PAMT entries of
     * {@code pages} is: every SEAMCALL released what it took.
     */
    public static boolean allLocksFree(TdxModule m, Iterable<Long> pages) {
        if (!m.kot().lock.isFree() || !m.globalLock().isFree()) {
            return false;
        }
        for (int p = 0; p < m.numPackages(); p++) {
            if (!m.wbtLock(p).isFree()) {
                return false;
            }
        }
        for (Td td : m.tds().values()) {
            if (!td.opStateLock.isFree() || (td.sept != null && !td.sept.treeLock.isFree())) {
                return false;
            }
        }
        for (long pa : pages) {
            var t = m.pamt().coveringInitialized(pa);
            if (t.isPresent() && !m.pamt().entry(pa, t.get()).lock.isFree()) {
                return false;
            }
        }
        return true;
    }

    /** TDR.CHLDCNT of the TD at {@code tdr} (−1 if there is none). */
    public static long childCount(TdxModule m, long tdr) {
        Td td = m.tds().get(tdr);
        return td == null ? -1 : td.chldcnt.get();
    }

    /** Number of vCPUs (TDVPR pages) the module tracks. */
    public static int liveVcpus(TdxModule m) {
        return m.vcpus().size();
    }

    /** Number of non-free S-EPT entries of the TD at {@code tdr}. */
    public static int septEntries(TdxModule m, long tdr) {
        Td td = m.tds().get(tdr);
        return td == null || td.sept == null ? 0 : td.sept.nonFreeEntries();
    }

    /** What the module itself sees in a page (with the TD's key), unlike the host's view {@link HostMemory#read}. */
    public static byte[] readAsModule(TdxModule m, long pa, int len) {
        return m.memory().readPrivate(pa, len);
    }

    private static Td td(TdxModule m, long tdr) {
        Td td = m.tds().get(tdr);
        if (td == null) {
            throw new IllegalArgumentException("no TD at " + Long.toHexString(tdr));
        }
        return td;
    }
}
