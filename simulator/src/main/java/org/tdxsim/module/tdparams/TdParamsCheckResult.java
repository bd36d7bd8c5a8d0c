package org.tdxsim.module.tdparams;

import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.status.Explanation;
import org.tdxsim.module.status.TdxStatus;

/** Outcome of the TD_PARAMS checks of TDH.MNG.INIT. */
public sealed interface TdParamsCheckResult {

    /**
     * TDH.MNG.INIT fails.
     *
     * @param status       the exact RAX value (status | operand id, or | MSR address)
     * @param rcxExtended  RCX extended error info: leaf (31:0) and subleaf (63:32) of the offending
     *                     CPUID entry where the module sets it, else 0
     * @param explanation  why, for people
     */
    record Rejected(long status, long rcxExtended, Explanation explanation) implements TdParamsCheckResult {

        public TdxStatus tdxStatus(ModuleProfile m) {
            return TdxStatus.of(status, m);
        }
    }

    /** All checks passed; {@code config} is what TDCS stores. */
    record Accepted(TdConfig config) implements TdParamsCheckResult {
    }
}
