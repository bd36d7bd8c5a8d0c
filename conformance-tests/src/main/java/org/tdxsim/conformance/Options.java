package org.tdxsim.conformance;

import com.google.common.collect.ImmutableList;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Options of one conformance run ({@code tdxsim conformance [--backend sim|device] [--module V]
 * [--platform P] [--report DIR]}).
 *
 * @param backend {@code sim} (default) or {@code device}
 * @param module simulator module version, or empty for every shipped version
 * @param platform simulator platform profile, or empty for every shipped platform
 * @param reportDir where to write JUnit XML and {@code conformance-report.html}; empty = no files
 * @param decisionTable whether to run the decision-table properties and exhaustive checks and embed the
 *     matrix in the HTML report (off: only the targeted checks run)
 * @param targets explicit targets instead of the ones {@code backend/module/platform} select (used to aim
 *     the suite at a wrapped or deliberately broken backend)
 * @param checkClasses the check classes to run; empty = the whole suite ({@link ConformanceSuite})
 * @param progress whether to print one line per check while running
 */
public record Options(String backend, Optional<String> module, Optional<String> platform,
        Optional<Path> reportDir, boolean decisionTable, ImmutableList<Target> targets,
        ImmutableList<Class<?>> checkClasses, boolean progress) {

    /** Simulator, every module × platform, no report files, decision table on, progress on. */
    public static Options defaults() {
        return new Options(RunConfig.SIM, Optional.empty(), Optional.empty(), Optional.empty(), true,
                ImmutableList.of(), ImmutableList.of(), true);
    }

    public Options withBackend(String b) {
        return new Options(b, module, platform, reportDir, decisionTable, targets, checkClasses, progress);
    }

    public Options withModule(String m) {
        return new Options(backend, Optional.ofNullable(m), platform, reportDir, decisionTable, targets,
                checkClasses, progress);
    }

    public Options withPlatform(String p) {
        return new Options(backend, module, Optional.ofNullable(p), reportDir, decisionTable, targets,
                checkClasses, progress);
    }

    public Options withReportDir(Path dir) {
        return new Options(backend, module, platform, Optional.ofNullable(dir), decisionTable, targets,
                checkClasses, progress);
    }

    public Options withDecisionTable(boolean on) {
        return new Options(backend, module, platform, reportDir, on, targets, checkClasses, progress);
    }

    public Options withTargets(ImmutableList<Target> t) {
        return new Options(backend, module, platform, reportDir, decisionTable, t, checkClasses, progress);
    }

    public Options withCheckClasses(ImmutableList<Class<?>> classes) {
        return new Options(backend, module, platform, reportDir, decisionTable, targets, classes, progress);
    }

    public Options withProgress(boolean on) {
        return new Options(backend, module, platform, reportDir, decisionTable, targets, checkClasses, on);
    }
}
