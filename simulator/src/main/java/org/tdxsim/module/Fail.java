package org.tdxsim.module;

import org.tdxsim.module.status.Explanation;

/**
 * Internal control flow for "this check failed with this status": thrown by a handler, caught by
 * the dispatcher, never seen by callers. Carries the full RAX value (status | operand id) and the
 * one-line reason that becomes the result's explanation.
 */
final class Fail extends RuntimeException {

    final long status;
    final String why;
    /** A ready-made explanation (e.g. from the TD_PARAMS checks); null = build one from {@link #why}. */
    final Explanation explanation;

    Fail(long status, String why) {
        this(status, why, null);
    }

    Fail(long status, String why, Explanation explanation) {
        super(why, null, false, false);
        this.status = status;
        this.why = why;
        this.explanation = explanation;
    }
}
