package org.tdxsim.module.profile;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;

/**
 * Allowed TDCS.OP_STATE per leaf ({@code op_state_lookup.c}, abi §7.3; 1.5+ only).
 *
 * @param states             state name to value (0 UNINITIALIZED ... 10 FAILED_IMPORT)
 * @param seamcall           rows for SEAMCALL leaves that consult OP_STATE
 * @param servtdBindOtherTd  target-TD states allowed by TDH.SERVTD.BIND
 * @param tdcall             TDG.SERVTD.RD/WR rows
 */
public record OpStateLookup(
        ImmutableMap<String, Integer> states,
        ImmutableMap<Integer, Row> seamcall,
        ImmutableSet<String> servtdBindOtherTd,
        ImmutableMap<Integer, Row> tdcall) {

    /**
     * One leaf's row.
     *
     * @param allowedMask bit {@code s} set iff the leaf is allowed in OP_STATE {@code s}
     */
    public record Row(int leaf, String name, int allowedMask, ImmutableList<String> allowedStates) {

        public boolean allows(int opState) {
            return opState >= 0 && opState < 32 && (allowedMask >>> opState & 1) != 0;
        }
    }
}
