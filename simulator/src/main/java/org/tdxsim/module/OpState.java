package org.tdxsim.module;

import java.util.Optional;

/**
 * TDCS.OP_STATE (1.5 and 2.0; abi §7.3, [M1.5.01] {@code include/auto_gen/op_state_lookup.h}).
 * Which leaf may run in which state comes from the profile's {@code opStateLookup} table, not from
 * this enum. 1.0 has no OP_STATE; the engine keeps the equivalent TDR.INIT / TDCS.FINALIZED flags
 * and maps them onto {@link #UNINITIALIZED}/{@link #INITIALIZED}/{@link #RUNNABLE} for reporting.
 */
public enum OpState {
    UNINITIALIZED(0),
    INITIALIZED(1),
    RUNNABLE(2),
    LIVE_EXPORT(3),
    PAUSED_EXPORT(4),
    POST_EXPORT(5),
    MEMORY_IMPORT(6),
    STATE_IMPORT(7),
    POST_IMPORT(8),
    LIVE_IMPORT(9),
    FAILED_IMPORT(10);

    private final int value;

    OpState(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }

    public static Optional<OpState> fromValue(int v) {
        for (OpState s : values()) {
            if (s.value == v) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
