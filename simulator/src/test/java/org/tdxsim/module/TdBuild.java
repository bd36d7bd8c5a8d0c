package org.tdxsim.module;

import static org.tdxsim.module.Fixtures.assertSuccess;

import java.util.ArrayList;
import java.util.List;

/** A TD driven through TDH.MNG.INIT (and optionally a vCPU), remembering every page it owns. */
final class TdBuild {

    final TdxModule m;
    final long tdr;
    final int hkid;
    final List<Long> tdcx = new ArrayList<>();
    final List<Long> tdPages = new ArrayList<>();
    final List<Long> tdvprs = new ArrayList<>();

    private TdBuild(TdxModule m, long tdr, int hkid) {
        this.m = m;
        this.tdr = tdr;
        this.hkid = hkid;
    }

    /** CREATE, KEY.CONFIG on every package, MIN_NUM_TDCS_PAGES × ADDCX (1.0: 4). */
    static TdBuild keyed(TdxModule m, int hkid) {
        TdBuild b = new TdBuild(m, TdSetup.createKeyed(m, hkid), hkid);
        for (int i = 0; i < m.minTdcsPages(); i++) {
            long p = m.memory().allocatePage();
            assertSuccess(m.tdhMngAddcx(p, b.tdr));
            b.tdcx.add(p);
        }
        return b;
    }

    /** {@link #keyed} + TDH.MNG.INIT with a valid TD_PARAMS. */
    static TdBuild initialized(TdxModule m, int hkid, boolean debug, int maxVcpus) {
        TdBuild b = keyed(m, hkid);
        assertSuccess(m.tdhMngInit(b.tdr, TdImages.valid(m, debug, maxVcpus)));
        return b;
    }

    static TdBuild initialized(TdxModule m) {
        return initialized(m, m.privateHkidMin() + 1, false, 1);
    }

    /** TDH.VP.CREATE + enough TDH.VP.ADDCX pages for TDH.VP.INIT. */
    long vcpuCreated() {
        long tdvpr = m.memory().allocatePage();
        assertSuccess(m.tdhVpCreate(tdvpr, tdr));
        tdvprs.add(tdvpr);
        int need = m.is10() ? m.maxTdvpsPages() : m.minTdvpsPages();
        for (int i = 1; i < need; i++) {
            long p = m.memory().allocatePage();
            assertSuccess(m.tdhVpAddcx(p, tdvpr));
            tdPages.add(p);
        }
        return tdvpr;
    }

    /** {@link #vcpuCreated()} + TDH.VP.INIT. */
    long vcpuInitialized() {
        long tdvpr = vcpuCreated();
        assertSuccess(m.tdhVpInit(tdvpr, 0));
        return tdvpr;
    }

    /** TDH.MEM.SEPT.ADD for every level from the root down to 1 covering {@code gpa}. */
    void septFor(long gpa) {
        int root = m.tds().get(tdr).sept.rootLevel;
        for (int level = root; level >= 1; level--) {
            long page = m.memory().allocatePage();
            long aligned = gpa & ~((1L << (12 + 9 * level)) - 1);
            assertSuccess(m.tdhMemSeptAdd(aligned | level, tdr, page));
            tdPages.add(page);
        }
    }

    /** TDH.MEM.PAGE.ADD of a page filled with {@code fill} at {@code gpa} (needs {@link #septFor}). */
    long pageAdd(long gpa, byte fill) {
        long src = m.memory().allocatePage();
        byte[] data = new byte[4096];
        java.util.Arrays.fill(data, fill);
        m.memory().write(src, data);
        long target = m.memory().allocatePage();
        assertSuccess(m.tdhMemPageAdd(gpa, tdr, target, src));
        tdPages.add(target);
        m.memory().freePage(src);
        return target;
    }
}
