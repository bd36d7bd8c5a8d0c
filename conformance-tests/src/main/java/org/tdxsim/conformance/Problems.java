package org.tdxsim.conformance;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects every violation a check finds before failing, so one run reports all of them (a plain list:
 * AssertJ's soft assertions generate proxies on first use, which costs seconds per JVM).
 */
final class Problems {

    private final List<String> problems = new ArrayList<>();

    /** Records {@code String.format(what, args)} unless {@code ok}. */
    void check(boolean ok, String what, Object... args) {
        if (!ok) {
            problems.add(String.format(what, args));
        }
    }

    /** Fails with every recorded problem, one per line. */
    void assertNone() {
        if (!problems.isEmpty()) {
            throw new AssertionError(problems.size() + " problem(s):\n  " + String.join("\n  ", problems));
        }
    }
}
