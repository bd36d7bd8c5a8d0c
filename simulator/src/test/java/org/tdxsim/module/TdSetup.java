package org.tdxsim.module;

import static org.tdxsim.module.Fixtures.assertSuccess;

/** Builds TDs step by step for tests. */
final class TdSetup {

    private TdSetup() {
    }

    /** TDH.MNG.CREATE + TDH.MNG.KEY.CONFIG on every package: a TD in TD_KEYS_CONFIGURED. */
    static long createKeyed(TdxModule m, int hkid) {
        long tdr = m.memory().allocatePage();
        assertSuccess(m.tdhMngCreate(tdr, hkid));
        for (int pkg = 0; pkg < m.numPackages(); pkg++) {
            assertSuccess(m.tdhMngKeyConfig(tdr, pkg));
        }
        return tdr;
    }

    /** {@link #createKeyed} plus {@code n} TDCS pages. */
    static long withTdcx(TdxModule m, int hkid, int n) {
        long tdr = createKeyed(m, hkid);
        for (int i = 0; i < n; i++) {
            assertSuccess(m.tdhMngAddcx(m.memory().allocatePage(), tdr));
        }
        return tdr;
    }

    /** MIN_NUM_TDCS_PAGES (1.0: exactly MAX_NUM_TDCS_PAGES). */
    static int minTdcs(TdxModule m) {
        return m.minTdcsPages();
    }
}
