package org.tdxsim.module;

import java.util.Arrays;

/**
 * Key Ownership Table: per-HKID state and the per-package WBINVD bitmap that TDH.PHYMEM.CACHE.WB
 * clears (abi §7.4; [M1.5.01] {@code tdh_mng_vpflushdone.c}, {@code tdh_phymem_cache_wb.c},
 * {@code tdh_mng_key_freeid.c}). Guarded by {@link #lock}: leaves take it with try-semantics and
 * return {@code TDX_OPERAND_BUSY | KOT} on contention.
 */
final class Kot {

    final SharexLock lock = new SharexLock();
    private final KotState[] state;
    private final long[] wbinvdBitmap;

    Kot(int maxHkids) {
        state = new KotState[maxHkids];
        Arrays.fill(state, KotState.HKID_FREE);
        wbinvdBitmap = new long[maxHkids];
    }

    int size() {
        return state.length;
    }

    synchronized KotState state(int hkid) {
        return state[hkid];
    }

    synchronized void set(int hkid, KotState s) {
        state[hkid] = s;
    }

    synchronized long wbinvdBitmap(int hkid) {
        return wbinvdBitmap[hkid];
    }

    synchronized void setWbinvdBitmap(int hkid, long bitmap) {
        wbinvdBitmap[hkid] = bitmap;
    }

    synchronized void clearWbinvdBit(int hkid, int pkg) {
        wbinvdBitmap[hkid] &= ~(1L << pkg);
    }

    /** {@link #clearWbinvdBit} for every HKID in {@code [min, max]} that is FLUSHED; true if there was one. */
    synchronized boolean clearWbinvdBitOfFlushed(int min, int max, int pkg) {
        boolean any = false;
        for (int h = min; h <= max; h++) {
            if (state[h] == KotState.HKID_FLUSHED) {
                wbinvdBitmap[h] &= ~(1L << pkg);
                any = true;
            }
        }
        return any;
    }

    synchronized int count(KotState s, int min, int max) {
        int n = 0;
        for (int h = min; h <= max && h < state.length; h++) {
            if (state[h] == s) {
                n++;
            }
        }
        return n;
    }
}
