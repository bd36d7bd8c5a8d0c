package org.tdxsim.module;

/**
 * Key Ownership Table entry state of one HKID (abi §7.4: 0 FREE, 1 ASSIGNED, 2 FLUSHED, 3 RESERVED).
 */
public enum KotState {
    HKID_FREE(0),
    HKID_ASSIGNED(1),
    HKID_FLUSHED(2),
    /** The module's global private HKID, reserved by TDH.SYS.CONFIG. */
    HKID_RESERVED(3);

    private final int value;

    KotState(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }
}
