package org.tdxsim.module;

import java.util.Optional;
import org.tdxsim.module.status.Explanation;
import org.tdxsim.module.tdparams.EventFilterInput;

/**
 * The seam between TDH.MNG.INIT's state checks (rows 1–7, here) and the TD_PARAMS content checks
 * (rows 8–26 of abi §4.1 / the 1.0 order of §4.2), which live in {@code org.tdxsim.module.tdparams}.
 */
interface TdParamsGate {

    sealed interface Verdict permits Rejected, Accepted {
    }

    /** TD_PARAMS rejected: the full RAX value, RCX extended info, and the reason. */
    record Rejected(long rax, long rcx, String why, Explanation explanation) implements Verdict {
    }

    record Accepted(TdSettings settings) implements Verdict {
    }

    /**
     * @param params  the 1024 bytes at the TD_PARAMS PA
     * @param filters 2.0's event-filter operands when RCX bit 0 was set, else empty
     */
    Verdict check(Call c, Td td, byte[] params, Optional<EventFilterInput> filters);
}
