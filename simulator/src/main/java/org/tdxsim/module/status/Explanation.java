package org.tdxsim.module.status;

import com.google.common.collect.ImmutableList;
import java.util.List;
import java.util.Objects;

/**
 * Why a call failed, in words a user can act on: a one-line summary and ordered detail lines (for
 * example one line per offending CPUID bit). Every non-success result of the simulator carries
 * one; the status or errno itself stays exactly what the real system returns. Rendering is the
 * CLI's job; {@link #toString()} gives a plain multi-line form.
 */
public record Explanation(String summary, ImmutableList<String> details) {

    public Explanation {
        Objects.requireNonNull(summary);
        Objects.requireNonNull(details);
    }

    public static Explanation of(String summary) {
        return new Explanation(summary, ImmutableList.of());
    }

    public static Explanation of(String summary, String... details) {
        return new Explanation(summary, ImmutableList.copyOf(details));
    }

    public static Explanation of(String summary, List<String> details) {
        return new Explanation(summary, ImmutableList.copyOf(details));
    }

    /** A copy with one more detail line at the end. */
    public Explanation withDetail(String line) {
        return new Explanation(summary, ImmutableList.<String>builder().addAll(details).add(line).build());
    }

    @Override
    public String toString() {
        if (details.isEmpty()) {
            return summary;
        }
        StringBuilder sb = new StringBuilder(summary);
        for (String d : details) {
            sb.append(System.lineSeparator()).append("  - ").append(d);
        }
        return sb.toString();
    }
}
