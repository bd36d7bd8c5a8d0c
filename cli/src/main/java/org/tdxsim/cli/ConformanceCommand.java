package org.tdxsim.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.tdxsim.conformance.ConformanceRunner;
import org.tdxsim.conformance.Options;
import org.tdxsim.conformance.Summary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tdxsim conformance}: the conformance suite (helper "conf"'s ConformanceRunner) with reports. */
@Command(name = "conformance", mixinStandardHelpOptions = true,
        description = {"Run the conformance suite: the checks of module + KVM behaviour, on the simulator (default)",
            "or on this host's /dev/kvm. Prints one line per check and a summary; writes JUnit XML",
            "(TEST-*.xml), conformance-report.html with the GPAW decision matrix, and decision-table.{md,csv,html}."},
        footer = {"", "Exit codes: 0 every check passed (skips allowed), 1 a check failed, 2 usage error."})
final class ConformanceCommand extends Cmd {

    /** Where reports go unless --report says otherwise (ignored by git: /reports/). */
    static final String DEFAULT_REPORT_DIR = "reports/conformance";

    enum Backend { sim, device }

    @Option(names = "--backend", paramLabel = "sim|device", defaultValue = "sim",
            description = "sim: the simulated kernel and module (default); device: this host's /dev/kvm.")
    Backend backend;

    @Option(names = "--module", paramLabel = "V", description = "Only this simulator module version (default: every one).")
    String module;

    @Option(names = "--platform", paramLabel = "P", description = "Only this simulator platform (default: every one).")
    String platform;

    @Option(names = "--report", paramLabel = "DIR", description = "Report folder (default: " + DEFAULT_REPORT_DIR + ").")
    Path report;

    @Option(names = "--no-report", description = "Write no report files.")
    boolean noReport;

    @Option(names = "--no-table", description = "Skip enumerating the decision table (faster).")
    boolean noTable;

    @Option(names = {"-q", "--quiet"}, description = "No per-check progress lines, only the summary.")
    boolean quiet;

    @Option(names = "--only", paramLabel = "GROUP", split = ",",
            description = "Run only these check groups (class names such as CapabilitiesChecks; default: all).")
    java.util.List<String> only;

    @Override
    int execute() {
        if (module != null) {
            Profiles.builtInModule("--module", module);
        }
        if (platform != null) {
            Profiles.builtInPlatform("--platform", platform);
        }
        if (noReport && report != null) {
            throw new BadInput("--no-report", "conflicts with --report");
        }
        Options o = Options.defaults().withBackend(backend.name()).withDecisionTable(!noTable).withProgress(!quiet);
        if (module != null) {
            o = o.withModule(module);
        }
        if (platform != null) {
            o = o.withPlatform(platform);
        }
        if (only != null) {
            var all = org.tdxsim.conformance.ConformanceSuite.classes();
            com.google.common.collect.ImmutableList.Builder<Class<?>> chosen = com.google.common.collect.ImmutableList.builder();
            for (String name : only) {
                chosen.add(all.stream().filter(c -> c.getSimpleName().equals(name)).findFirst().orElseThrow(() -> new BadInput(
                        "--only", "unknown check group '" + name + "'; known: "
                                + String.join(", ", all.stream().map(Class::getSimpleName).toList()))));
            }
            o = o.withCheckClasses(chosen.build());
        }
        if (!noReport) {
            o = o.withReportDir(report != null ? report : Path.of(DEFAULT_REPORT_DIR));
        }
        out().flush();
        PrintStream ps = new PrintStream(main().rawOut(), true, StandardCharsets.UTF_8);
        Summary s = ConformanceRunner.run(o, ps);
        ps.flush();
        return s.ok() ? OK : CHECK_FAILED;
    }
}
