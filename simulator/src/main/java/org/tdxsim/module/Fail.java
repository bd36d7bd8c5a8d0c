package org.tdxsim.module;

/**
 * Internal control flow for "this check failed with this status": thrown by a handler, caught by
 * the dispatcher, never seen by callers. Carries the full RAX value (status | operand id) and the
 * one-line reason that becomes the result's explanation.
 */
final class Fail extends RuntimeException {

    final long status;
    final String why;

    Fail(long status, String why) {
        super(why, null, false, false);
        this.status = status;
        this.why = why;
    }
}
