package org.tdxsim.conformance;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.tdxsim.conformance.CheckResult.Status;

/**
 * The result of one {@link ConformanceRunner#run run}.
 *
 * @param results every executed check, in execution order
 * @param containerFailures failures outside any single check (e.g. a target that could not be set up)
 * @param targets the targets of the run: name → "TDX ready", or why TDX is not available there
 * @param reportDir where the JUnit XML and HTML reports were written, if a report folder was given
 * @param duration wall time of the run
 */
public record Summary(ImmutableList<CheckResult> results, ImmutableList<String> containerFailures,
        ImmutableMap<String, String> targets, Optional<Path> reportDir, Duration duration) {

    public long passed() {
        return count(Status.PASSED);
    }

    public long failed() {
        return count(Status.FAILED) + containerFailures.size();
    }

    public long skipped() {
        return count(Status.SKIPPED);
    }

    public long findings() {
        return count(Status.FINDING);
    }

    /** True when nothing failed (skips and findings do not make a run red). */
    public boolean ok() {
        return failed() == 0;
    }

    public ImmutableList<CheckResult> withStatus(Status status) {
        return results.stream().filter(r -> r.status() == status).collect(ImmutableList.toImmutableList());
    }

    /** Skip reasons with how many checks each skipped, most frequent first. */
    public ImmutableMap<String, Long> skipReasons() {
        Map<String, Long> counts = new TreeMap<>();
        for (CheckResult r : withStatus(Status.SKIPPED)) {
            counts.merge(r.reason(), 1L, Long::sum);
        }
        return counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .collect(ImmutableMap.toImmutableMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    private long count(Status status) {
        return results.stream().filter(r -> r.status() == status).count();
    }
}
