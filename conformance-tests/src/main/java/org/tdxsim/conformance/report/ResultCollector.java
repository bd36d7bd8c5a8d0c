package org.tdxsim.conformance.report;

import com.google.common.collect.ImmutableList;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.UniqueId;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.tdxsim.conformance.CheckResult;
import org.tdxsim.conformance.CheckResult.Status;
import org.tdxsim.conformance.FindingException;

/**
 * Collects one {@link CheckResult} per executed test and, if given a stream, prints one progress
 * line per check as it finishes ({@code PASS  group › check  [target]}, reason on failures and skips).
 *
 * <p>Names come from the unique-id segments the engines build: a {@code class-template-invocation}
 * segment (Jupiter {@code @ParameterizedClass}) is the target; {@code class} segments give the group;
 * the rest (methods, properties, parameterized invocations) make up the check name.
 */
public final class ResultCollector implements TestExecutionListener {

    private final Optional<PrintStream> progress;
    private final List<CheckResult> results = new ArrayList<>();
    private final List<String> containerFailures = new ArrayList<>();
    private TestPlan plan;

    public ResultCollector(Optional<PrintStream> progress) {
        this.progress = progress;
    }

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        this.plan = testPlan;
    }

    private final java.util.Map<String, Long> started = new java.util.HashMap<>();

    @Override
    public synchronized void executionStarted(TestIdentifier id) {
        started.put(id.getUniqueId(), System.nanoTime());
    }

    @Override
    public synchronized void executionSkipped(TestIdentifier id, String reason) {
        if (id.isTest()) {
            record(id, Status.SKIPPED, reason);
        } else {
            // A skipped container skips its tests without reporting them one by one: count them.
            for (TestIdentifier t : descendantTests(id)) {
                record(t, Status.SKIPPED, reason);
            }
        }
    }

    @Override
    public synchronized void executionFinished(TestIdentifier id, TestExecutionResult result) {
        Throwable t = result.getThrowable().orElse(null);
        if (!id.isTest()) {
            if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
                // e.g. an assumption in @BeforeAll: its tests never start, so report each as skipped.
                for (TestIdentifier test : descendantTests(id)) {
                    if (recorded.add(test.getUniqueId())) {
                        record(test, Status.SKIPPED, message(t));
                    }
                }
            }
            if (result.getStatus() == TestExecutionResult.Status.FAILED) {
                String failure = names(id).describe() + ": " + message(t);
                containerFailures.add(failure);
                progress.ifPresent(out -> out.println("FAIL  " + failure));
            }
            return;
        }
        Status status = switch (result.getStatus()) {
            case SUCCESSFUL -> Status.PASSED;
            case FAILED -> Status.FAILED;
            case ABORTED -> FindingException.isFinding(t) ? Status.FINDING : Status.SKIPPED;
        };
        record(id, status, status == Status.PASSED ? "" : message(t));
    }

    /** Results recorded so far. */
    public synchronized ImmutableList<CheckResult> results() {
        return ImmutableList.copyOf(results);
    }

    /** Failures of containers (class setup, argument providers), each one line. */
    public synchronized ImmutableList<String> containerFailures() {
        return ImmutableList.copyOf(containerFailures);
    }

    private final java.util.Set<String> recorded = new java.util.HashSet<>();

    private void record(TestIdentifier id, Status status, String reason) {
        recorded.add(id.getUniqueId());
        Names n = names(id);
        Long t0 = started.remove(id.getUniqueId());
        long millis = t0 == null ? 0 : (System.nanoTime() - t0) / 1_000_000;
        CheckResult r = new CheckResult(n.check(), n.group(), n.target(), status, reason, millis);
        results.add(r);
        progress.ifPresent(out -> out.println(line(r)));
    }

    /** One progress line: status label, group › check, target, and the reason when not passed. */
    public static String line(CheckResult r) {
        StringBuilder b = new StringBuilder(r.status().label()).append("  ")
                .append(r.group()).append(" › ").append(r.check());
        if (!r.target().isEmpty()) {
            b.append("  [").append(r.target()).append(']');
        }
        if (r.millis() > 0) {
            b.append("  ").append(r.millis()).append(" ms");
        }
        if (!r.reason().isEmpty()) {
            b.append("\n        ").append(oneLine(r.reason()));
        }
        return b.toString();
    }

    private List<TestIdentifier> descendantTests(TestIdentifier id) {
        if (plan == null) {
            return List.of();
        }
        return plan.getDescendants(id).stream().filter(TestIdentifier::isTest).toList();
    }

    record Names(String group, String target, String check) {
        String describe() {
            String s = group.isEmpty() ? check : check.isEmpty() ? group : group + " › " + check;
            return target.isEmpty() ? s : s + " [" + target + "]";
        }
    }

    private Names names(TestIdentifier id) {
        List<TestIdentifier> chain = new ArrayList<>();
        for (TestIdentifier cur = id; cur != null; ) {
            chain.addFirst(cur);
            cur = plan == null ? null : cur.getParentIdObject().flatMap(p -> {
                try {
                    return Optional.of(plan.getTestIdentifier(p));
                } catch (RuntimeException e) {
                    return Optional.empty();
                }
            }).orElse(null);
        }
        String group = "";
        String target = "";
        List<String> check = new ArrayList<>();
        for (TestIdentifier cur : chain) {
            String type = lastSegmentType(cur.getUniqueIdObject());
            switch (type) {
                case "engine" -> { }
                case "class", "nested-class", "class-template" -> group = group.isEmpty()
                        ? cur.getDisplayName() : group + "." + cur.getDisplayName();
                case "class-template-invocation" -> target = stripIndex(cur.getDisplayName());
                default -> check.add(cur.getDisplayName());
            }
        }
        return new Names(group, target, String.join(" ", check));
    }

    private static String lastSegmentType(UniqueId id) {
        return id.getLastSegment().getType();
    }

    /** "[3] sim · 1.5.06 · gnr" → "sim · 1.5.06 · gnr". */
    private static String stripIndex(String displayName) {
        return displayName.replaceFirst("^\\[\\d+]\\s*", "");
    }

    static String message(Throwable t) {
        if (t == null) {
            return "";
        }
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            m = t.getClass().getSimpleName();
        } else if (!(t instanceof AssertionError) && !(t instanceof org.opentest4j.TestAbortedException)) {
            m = t.getClass().getSimpleName() + ": " + m;
        }
        return m.strip();
    }

    private static String oneLine(String s) {
        String flat = s.replaceAll("\\s*\\R\\s*", " ⏎ ");
        return flat.length() > 400 ? flat.substring(0, 397) + "..." : flat;
    }
}
