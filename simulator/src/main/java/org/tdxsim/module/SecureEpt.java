package org.tdxsim.module;

import java.util.concurrent.ConcurrentHashMap;

/**
 * A TD's Secure-EPT as a map of non-free entries. Level numbering is the module's
 * {@code ept_level_t}: 0 = PT (4 KiB leaf), 1 = PD, 2 = PDPT, 3 = PML4, 4 = PML5. The root table is
 * at level {@code rootLevel} = page-walk length − 1 (3 for 4-level EPT, 4 for 5-level; abi §3.5) and
 * lives in a TDCS page. An entry at level {@code l} is keyed by {@code gpa >>> (12 + 9·l)}.
 *
 * <p>Only what the build-time leaves need is modelled: non-leaf entries created by
 * TDH.MEM.SEPT.ADD and 4 KiB leaf entries created by TDH.MEM.PAGE.ADD. Walk semantics follow
 * [M1.5.01] {@code lock_sept_check_and_walk_internal}: a walk stops at the first entry that is not
 * a non-leaf mapping, and the leaf fails with TDX_EPT_WALK_FAILED when that is above the requested
 * level.
 */
final class SecureEpt {

    enum State { FREE, NL_MAPPED, LEAF_MAPPED }

    /** One entry; {@code hpa} is the child S-EPT page or the mapped 4 KiB page. */
    record Entry(State state, long hpa) {
        static final Entry FREE = new Entry(State.FREE, 0);
    }

    /** Result of a walk: the level reached and the entry found there. */
    record Walk(int level, Entry entry) {
    }

    final int rootLevel;
    final SharexLock treeLock = new SharexLock();
    private final ConcurrentHashMap<Long, Entry>[] levels;

    @SuppressWarnings("unchecked")
    SecureEpt(int rootLevel) {
        this.rootLevel = rootLevel;
        this.levels = new ConcurrentHashMap[rootLevel + 1];
        for (int i = 0; i <= rootLevel; i++) {
            levels[i] = new ConcurrentHashMap<>();
        }
    }

    static long key(long gpa, int level) {
        return gpa >>> (12 + 9 * level);
    }

    Entry entry(long gpa, int level) {
        return levels[level].getOrDefault(key(gpa, level), Entry.FREE);
    }

    /** Walks from the root towards {@code level}; stops early at a non-NL entry. */
    Walk walk(long gpa, int level) {
        int l = rootLevel;
        Entry e = entry(gpa, l);
        while (l > level && e.state() == State.NL_MAPPED) {
            l--;
            e = entry(gpa, l);
        }
        return new Walk(l, e);
    }

    /** Installs {@code e} if the slot is still free; false if another leaf won the race. */
    boolean installIfFree(long gpa, int level, Entry e) {
        return levels[level].putIfAbsent(key(gpa, level), e) == null;
    }

    int nonFreeEntries() {
        int n = 0;
        for (ConcurrentHashMap<Long, Entry> m : levels) {
            n += m.size();
        }
        return n;
    }
}
