package org.tdxsim.conformance.report;

import com.google.common.html.HtmlEscapers;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ArrayList;
import org.tdxsim.conformance.CheckResult;
import org.tdxsim.conformance.CheckResult.Status;
import org.tdxsim.conformance.Options;
import org.tdxsim.conformance.Summary;
import org.tdxsim.conformance.table.DecisionMatrix;
import org.tdxsim.conformance.table.HtmlRenderer;
import org.tdxsim.conformance.table.PolicyDiff;

/**
 * {@code conformance-report.html}: a self-contained page (inline CSS/JS, no network) with the counts,
 * skip reasons, findings with counterexamples, failures, every check grouped by target, and the
 * decision matrix.
 */
public final class HtmlReport {

    private HtmlReport() {
    }

    public static String render(Summary s, Options o, Optional<DecisionMatrix> matrix) {
        StringBuilder h = new StringBuilder(256 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>tdxsim conformance report</title>\n")
                .append("<style>body{font-family:system-ui,sans-serif;margin:16px;color:#222;font-size:14px}")
                .append("table.r{border-collapse:collapse;font-size:12px;margin-bottom:10px}")
                .append("table.r td,table.r th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}")
                .append(".PASSED{color:#2e7d32}.FAILED{color:#c62828;font-weight:bold}.SKIPPED{color:#757575}")
                .append(".FINDING{color:#e65100;font-weight:bold}.big{font-size:18px}")
                .append("details{margin:4px 0}summary{cursor:pointer}</style></head><body>\n");
        h.append("<h1 style=\"font-size:22px\">tdxsim conformance report</h1>\n<p>")
                .append(e("backend " + o.backend() + o.module().map(m -> " · module " + m).orElse(" · every module")
                        + o.platform().map(p -> " · platform " + p).orElse(o.backend().equals("sim") ? " · every platform" : "")
                        + " · " + Instant.now()))
                .append("</p>\n");
        h.append("<p class=\"big\"><span class=\"PASSED\">").append(s.passed()).append(" passed</span> · <span class=\"FAILED\">")
                .append(s.failed()).append(" failed</span> · <span class=\"SKIPPED\">").append(s.skipped())
                .append(" skipped</span> · <span class=\"FINDING\">").append(s.findings()).append(" findings</span> (")
                .append(s.results().size()).append(" checks, ").append(String.format("%.1f s", s.duration().toMillis() / 1000.0))
                .append(")</p>\n");

        if (!s.targets().isEmpty()) {
            h.append("<h2>Targets</h2>\n<table class=\"r\"><tr><th>target</th><th>passed</th><th>failed</th>"
                    + "<th>skipped</th><th>findings</th><th>TDX</th></tr>\n");
            s.targets().forEach((name, state) -> {
                long[] n = new long[4];
                s.results().stream().filter(r -> r.target().equals(name)).forEach(r -> n[r.status().ordinal()]++);
                h.append("<tr><td>").append(e(name)).append("</td><td>").append(n[0]).append("</td><td class=\"")
                        .append(n[1] > 0 ? "FAILED" : "").append("\">").append(n[1]).append("</td><td>").append(n[2])
                        .append("</td><td>").append(n[3]).append("</td><td>").append(e(state)).append("</td></tr>\n");
            });
            h.append("</table>\n");
        }
        if (s.failed() > 0) {
            h.append("<h2>Failures</h2>\n");
            table(h, s.withStatus(Status.FAILED), true);
            if (!s.containerFailures().isEmpty()) {
                h.append("<ul>");
                s.containerFailures().forEach(f -> h.append("<li class=\"FAILED\">").append(e(f)).append("</li>"));
                h.append("</ul>\n");
            }
        }
        if (s.findings() > 0) {
            h.append("<h2>Findings</h2>\n<p>Expectations a user would hold that the specified behaviour breaks; "
                    + "each with the counterexample the check found. Not failures of the system under test.</p>\n");
            table(h, s.withStatus(Status.FINDING), true);
        }
        if (s.skipped() > 0) {
            h.append("<h2>Skipped, by reason</h2>\n<table class=\"r\"><tr><th>checks</th><th>reason</th></tr>\n");
            s.skipReasons().forEach((reason, n) -> h.append("<tr><td>").append(n).append("</td><td>")
                    .append(e(reason)).append("</td></tr>\n"));
            h.append("</table>\n");
        }
        h.append("<h2>All checks, by target</h2>\n");
        Map<String, List<CheckResult>> byTarget = new LinkedHashMap<>();
        for (CheckResult r : s.results()) {
            byTarget.computeIfAbsent(r.target().isEmpty() ? "(not targeted: simulator properties)" : r.target(),
                    k -> new ArrayList<>()).add(r);
        }
        byTarget.forEach((target, rs) -> {
            long failed = rs.stream().filter(r -> r.status() == Status.FAILED).count();
            long passed = rs.stream().filter(r -> r.status() == Status.PASSED).count();
            long skipped = rs.stream().filter(r -> r.status() == Status.SKIPPED).count();
            long found = rs.stream().filter(r -> r.status() == Status.FINDING).count();
            h.append("<details").append(failed > 0 ? " open" : "").append("><summary>").append(e(target))
                    .append(" — ").append(passed).append(" passed, ").append(failed).append(" failed, ")
                    .append(skipped).append(" skipped, ").append(found).append(" findings</summary>\n");
            table(h, rs, false);
            h.append("</details>\n");
        });
        matrix.ifPresent(m -> {
            h.append("<h2>GPAW / EPT decision matrix (simulated kernel)</h2>\n");
            h.append(HtmlRenderer.fragment(m, PolicyDiff.compute(m)));
        });
        h.append("</body></html>\n");
        return h.toString();
    }

    private static void table(StringBuilder h, List<CheckResult> rs, boolean withTarget) {
        h.append("<table class=\"r\"><tr><th>status</th><th>group</th><th>check</th>");
        if (withTarget) {
            h.append("<th>target</th>");
        }
        h.append("<th>reason</th></tr>\n");
        for (CheckResult r : rs) {
            h.append("<tr><td class=\"").append(r.status().name()).append("\">").append(r.status().label())
                    .append("</td><td>").append(e(r.group())).append("</td><td>").append(e(r.check())).append("</td>");
            if (withTarget) {
                h.append("<td>").append(e(r.target())).append("</td>");
            }
            h.append("<td>").append(e(r.reason())).append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    private static String e(String s) {
        return HtmlEscapers.htmlEscaper().escape(s);
    }
}
