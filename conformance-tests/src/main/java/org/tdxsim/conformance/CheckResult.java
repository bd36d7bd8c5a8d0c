package org.tdxsim.conformance;

/**
 * One executed check (one test or property on one target).
 *
 * @param check what the check asserts (its display name, with the method's parameters if any)
 * @param group the class the check belongs to (e.g. {@code InitVmChecks})
 * @param target the target it ran on (backend, module, platform), or {@code ""} when not targeted
 * @param status the outcome
 * @param reason why it failed, was skipped, or what was found; {@code ""} when it passed
 * @param millis how long the check ran (0 if it never started)
 */
public record CheckResult(String check, String group, String target, Status status, String reason, long millis) {

    /** Outcome of a check, as the runner reports it. */
    public enum Status {
        PASSED("PASS"),
        FAILED("FAIL"),
        /** Not applicable to the target (JUnit assumption with the host's reason, or disabled). */
        SKIPPED("SKIP"),
        /** A {@link Finding} check did not hold: reported with its counterexample, not a failure. */
        FINDING("FIND");

        private final String label;

        Status(String label) {
            this.label = label;
        }

        /** Four-letter label used by the progress display. */
        public String label() {
            return label;
        }
    }
}
