package org.tdxsim.module;

/** Connects TDH.MNG.INIT to the TD_PARAMS checks of {@code org.tdxsim.module.tdparams}. */
final class TdParamsAdapter {

    private TdParamsAdapter() {
    }

    static TdParamsGate create(TdxModule m) {
        return (c, td, params) -> {
            throw new UnsupportedOperationException("TD_PARAMS checks not wired yet");
        };
    }
}
