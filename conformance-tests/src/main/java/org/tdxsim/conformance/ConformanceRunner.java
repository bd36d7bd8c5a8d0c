package org.tdxsim.conformance;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.reporting.legacy.xml.LegacyXmlReportGeneratingListener;
import org.tdxsim.conformance.CheckResult.Status;
import org.tdxsim.conformance.report.HtmlReport;
import org.tdxsim.conformance.report.ResultCollector;
import org.tdxsim.conformance.table.DecisionMatrix;
import org.tdxsim.conformance.table.DecisionTable;

/**
 * Runs the conformance suite without Maven, on the JUnit Platform Launcher: the CLI's
 * {@code tdxsim conformance} calls {@link #run(Options, PrintStream)}; {@link #main} is the same for a
 * bare {@code java -cp ...} on a host.
 *
 * <p>Output: one progress line per check, then a summary (passed / failed / skipped with reasons /
 * findings with counterexamples). With a report folder: JUnit legacy XML ({@code TEST-*.xml}, what CI
 * systems read), {@code conformance-report.html} (results plus the decision matrix), and the decision
 * table as {@code decision-table.{md,csv,html}}.
 */
public final class ConformanceRunner {

    private ConformanceRunner() {
    }

    /** Runs the suite; never throws for a failing check (that is in the summary). */
    public static Summary run(Options options, PrintStream out) {
        long start = System.nanoTime();
        Map<String, String> config = new LinkedHashMap<>();
        config.put(RunConfig.BACKEND, options.backend());
        options.module().ifPresent(m -> config.put(RunConfig.MODULE, m));
        options.platform().ifPresent(p -> config.put(RunConfig.PLATFORM, p));
        Optional<String> targetsId = options.targets().isEmpty()
                ? Optional.empty() : Optional.of(TargetRegistry.register(options.targets()));
        targetsId.ifPresent(id -> config.put(RunConfig.TARGETS, id));
        Path jqwikDb = jqwikDatabase(options);
        config.put("jqwik.database", jqwikDb.toString());
        config.put("jqwik.reporting.onlyfailures", "true");
        // jqwik's sample reports go to the platform's report entries, not to stdout: our progress lines
        // and the summary carry the counterexamples.
        config.put("jqwik.reporting.usejunitplatform", "true");

        RunConfig runConfig = RunConfig.from(k -> Optional.ofNullable(config.get(k)));
        ImmutableMap<String, String> targets;
        try {
            // bad names fail here with one line, not as a container failure per class
            targets = Targets.resolve(runConfig).stream().collect(ImmutableMap.toImmutableMap(Target::name,
                    t -> t.bringUp().map(r -> "no TDX: " + r).orElse("TDX ready" + (t.simulated() ? "" : " or not probed")),
                    (a, b) -> a));
        } catch (IllegalArgumentException e) {
            targetsId.ifPresent(TargetRegistry::release);
            out.println("conformance: " + e.getMessage());
            return new Summary(ImmutableList.of(), ImmutableList.of(e.getMessage()), ImmutableMap.of(),
                    options.reportDir(), Duration.ofNanos(System.nanoTime() - start));
        }
        // Without the decision table, its properties and exhaustive checks (which enumerate it) are left out too.
        ImmutableList<Class<?>> classes = !options.checkClasses().isEmpty() ? options.checkClasses()
                : options.decisionTable() ? ConformanceSuite.classes() : ConformanceSuite.CHECKS;
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(classes.stream().map(c -> selectClass(c)).toList())
                .configurationParameters(config)
                .build();

        out.println("tdxsim conformance — backend " + options.backend()
                + options.module().map(m -> ", module " + m).orElse("")
                + options.platform().map(p -> ", platform " + p).orElse("")
                + (options.targets().isEmpty() ? "" : ", targets " + options.targets()));
        ResultCollector collector = new ResultCollector(options.progress() ? Optional.of(out) : Optional.empty());
        List<TestExecutionListener> listeners = new ArrayList<>();
        listeners.add(collector);
        options.reportDir().ifPresent(dir -> {
            createDirectories(dir);
            listeners.add(new LegacyXmlReportGeneratingListener(dir,
                    new PrintWriter(System.err, true, StandardCharsets.UTF_8)));
        });
        RunConfig.Holder.set(runConfig);
        try {
            Launcher launcher = LauncherFactory.create();
            launcher.execute(request, listeners.toArray(TestExecutionListener[]::new));
        } finally {
            RunConfig.Holder.clear();
            targetsId.ifPresent(TargetRegistry::release);
        }

        Optional<DecisionMatrix> matrix = Optional.empty();
        if (options.decisionTable()) {
            matrix = Optional.of(DecisionTable.standard());
        }
        Summary summary = new Summary(collector.results(), collector.containerFailures(), targets, options.reportDir(),
                Duration.ofNanos(System.nanoTime() - start));
        if (options.reportDir().isPresent()) {
            Path dir = options.reportDir().get();
            final Optional<DecisionMatrix> m = matrix;
            m.ifPresent(mx -> DecisionTable.writeAll(mx, dir));
            write(dir.resolve("conformance-report.html"), HtmlReport.render(summary, options, m));
        }
        printSummary(summary, matrix, out);
        return summary;
    }

    /** Prints counts, skip reasons, findings and failures. */
    public static void printSummary(Summary s, Optional<DecisionMatrix> matrix, PrintStream out) {
        out.println();
        out.printf("Conformance: %d passed, %d failed, %d skipped, %d findings (%d checks, %.1f s)%n",
                s.passed(), s.failed(), s.skipped(), s.findings(), s.results().size(),
                s.duration().toMillis() / 1000.0);
        if (!s.targets().isEmpty()) {
            out.println("Targets:");
            s.targets().forEach((name, state) -> {
                long[] n = new long[4];
                s.results().stream().filter(r -> r.target().equals(name)).forEach(r -> n[r.status().ordinal()]++);
                out.printf("  %-55s %3d passed %3d failed %3d skipped %2d findings — %s%n", name, n[0], n[1], n[2], n[3],
                        firstLine(state));
            });
        }
        if (s.skipped() > 0) {
            out.println("Skipped, by reason:");
            s.skipReasons().forEach((reason, n) -> out.printf("  %5d × %s%n", n, firstLine(reason)));
        }
        if (s.findings() > 0) {
            out.println("Findings (expectations the spec itself breaks; see the counterexample):");
            for (CheckResult r : s.withStatus(Status.FINDING)) {
                out.println("  " + r.group() + " › " + r.check() + (r.target().isEmpty() ? "" : " [" + r.target() + "]"));
                out.println("      " + firstLine(r.reason()));
            }
        }
        if (s.failed() > 0) {
            out.println("Failures:");
            for (CheckResult r : s.withStatus(Status.FAILED)) {
                out.println("  " + r.group() + " › " + r.check() + (r.target().isEmpty() ? "" : " [" + r.target() + "]"));
                out.println("      " + firstLine(r.reason()));
            }
            s.containerFailures().forEach(f -> out.println("  " + firstLine(f)));
        }
        matrix.ifPresent(m -> out.printf("Decision table: %,d combinations enumerated in %d ms%n",
                m.size(), m.elapsed().toMillis()));
        s.reportDir().ifPresent(d -> out.println("Reports: " + d.toAbsolutePath()
                + " (conformance-report.html, TEST-*.xml, decision-table.{html,md,csv})"));
    }

    /**
     * Command line: {@code [--backend sim|device] [--module V] [--platform P] [--report DIR]
     * [--no-table] [--quiet]}. Exit status 0 when nothing failed, 1 on failures, 2 on bad usage.
     */
    public static void main(String[] args) {
        Options o = Options.defaults();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--backend" -> o = o.withBackend(value(args, ++i, a));
                case "--module" -> o = o.withModule(value(args, ++i, a));
                case "--platform" -> o = o.withPlatform(value(args, ++i, a));
                case "--report" -> o = o.withReportDir(Path.of(value(args, ++i, a)));
                case "--no-table" -> o = o.withDecisionTable(false);
                case "--quiet" -> o = o.withProgress(false);
                case "-h", "--help" -> {
                    System.out.println("usage: ConformanceRunner [--backend sim|device] [--module V] "
                            + "[--platform P] [--report DIR] [--no-table] [--quiet]");
                    return;
                }
                default -> usage("unknown option " + a);
            }
        }
        if (!o.backend().equals(RunConfig.SIM) && !o.backend().equals(RunConfig.DEVICE)) {
            usage("--backend must be sim or device, not " + o.backend());
        }
        Summary s = run(o, System.out);
        System.exit(s.ok() ? 0 : 1);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            usage(option + " needs a value");
        }
        return args[i];
    }

    private static void usage(String message) {
        System.err.println("conformance: " + message);
        System.exit(2);
    }

    private static Path jqwikDatabase(Options options) {
        try {
            return options.reportDir().map(d -> d.resolve("jqwik-database"))
                    .orElse(Files.createTempDirectory("tdxsim-jqwik").resolve("jqwik-database"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create report folder " + dir, e);
        }
    }

    static void write(Path file, String text) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static String firstLine(String s) {
        String flat = s.strip().replaceAll("\\s*\\R\\s*", " ⏎ ");
        return flat.length() > 300 ? flat.substring(0, 297) + "..." : flat;
    }
}
