package org.tdxsim.module;

/**
 * TDR.LIFECYCLE_STATE (abi §7.2; values identical in 1.0, 1.5 and 2.0).
 */
public enum TdLifecycle {
    /** Entered by TDH.MNG.CREATE. */
    TD_HKID_ASSIGNED(0),
    /** Entered by the last TDH.MNG.KEY.CONFIG (one per package). */
    TD_KEYS_CONFIGURED(1),
    /** Entered by TDH.MNG.VPFLUSHDONE. */
    TD_BLOCKED(2),
    /** Entered by TDH.MNG.KEY.FREEID; pages can then be reclaimed. */
    TD_TEARDOWN(3);

    private final int value;

    TdLifecycle(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }
}
