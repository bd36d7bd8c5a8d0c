package org.tdxsim.conformance;

import org.opentest4j.TestAbortedException;

/**
 * The outcome of a {@link Finding} check that did not hold: the check is reported as aborted (never
 * as passed) with the counterexample in the message, and {@link ConformanceRunner} lists it under
 * FINDINGS. Message format: {@code "FINDING: <what> — counterexample: <inputs and outcome>"}.
 */
public final class FindingException extends TestAbortedException {

    private static final long serialVersionUID = 1L;

    /** Prefix every finding message starts with; reports and the runner key on it. */
    public static final String PREFIX = "FINDING: ";

    public FindingException(String what, String counterexample, Throwable cause) {
        super(PREFIX + what + " — counterexample: " + counterexample, cause);
    }

    /** True if a result's throwable is (or reads like) a finding. */
    public static boolean isFinding(Throwable t) {
        return t instanceof FindingException
                || (t != null && t.getMessage() != null && t.getMessage().startsWith(PREFIX));
    }
}
