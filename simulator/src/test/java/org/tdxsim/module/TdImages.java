package org.tdxsim.module;

import org.tdxsim.module.tdparams.TdParams;

/** Valid TD_PARAMS images for tests (sim-data's builder defaults: 4-level EPT, XFAM x87|SSE, 1 vCPU). */
final class TdImages {

    private TdImages() {
    }

    static TdParams.Builder builder(TdxModule m) {
        return TdParams.builder(m.profile());
    }

    /** A valid TD_PARAMS written to a fresh host page; returns its PA. */
    static long write(TdxModule m, TdParams p) {
        long pa = m.memory().allocatePage();
        m.memory().write(pa, p.encode());
        return pa;
    }

    static long valid(TdxModule m, boolean debug, int maxVcpus) {
        return write(m, builder(m).attributes(debug ? 1 : 0).maxVcpus(maxVcpus).build());
    }

    static long valid(TdxModule m) {
        return valid(m, false, 1);
    }
}
