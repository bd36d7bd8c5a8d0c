package org.tdxsim.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import com.google.common.collect.ImmutableList;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tdxsim.conformance.CheckResult.Status;

/**
 * The runner's classification and reports, on fixture classes whose outcomes are known: a pass, a
 * failure, a skip with a reason, a finding (Jupiter and jqwik), a simulator-only property on a device run.
 */
class RunnerInfrastructureTest {

    /** Jupiter fixture: one check of each outcome. */
    static class JupiterFixture {
        @Test
        void passes() {
        }

        @Test
        void fails() {
            fail("expected 5 but was 6");
        }

        @Test
        void skipped() {
            abort("host has no 5-level EPT");
        }

        @Test
        @Finding("a documented expectation breaks")
        void finding() {
            throw new FindingException("a documented expectation breaks", "input 46 → EINVAL", null);
        }
    }

    /** jqwik fixture: a finding property that jqwik falsifies, and one that holds. */
    @AddLifecycleHook(FindingHook.class)
    static class JqwikFixture {
        @Property(tries = 50, seed = "42")
        @Finding("all numbers are below 10")
        void belowTen(@ForAll @IntRange(min = 0, max = 1000) int x) {
            assertThat(x).isLessThan(10);
        }

        @Property(tries = 20)
        void holds(@ForAll int x) {
            assertThat(x ^ x).isZero();
        }
    }

    /** jqwik fixture that only runs on the simulator. */
    @AddLifecycleHook(SimulatorOnly.class)
    static class SimOnlyFixture {
        @Property(tries = 5)
        void simulated(@ForAll int x) {
            assertThat(x).isEqualTo(x);
        }
    }

    @Test
    void classifiesOutcomesAndWritesReports(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Summary s = ConformanceRunner.run(Options.defaults().withDecisionTable(false).withReportDir(dir)
                        .withCheckClasses(ImmutableList.of(JupiterFixture.class, JqwikFixture.class)),
                new PrintStream(buf, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);

        assertThat(s.passed()).as(out).isEqualTo(2);
        assertThat(s.failed()).as(out).isEqualTo(1);
        assertThat(s.skipped()).as(out).isEqualTo(1);
        assertThat(s.findings()).as(out).isEqualTo(2);
        assertThat(s.ok()).isFalse();
        assertThat(s.skipReasons()).containsKey("host has no 5-level EPT");
        CheckResult jqwikFinding = s.withStatus(Status.FINDING).stream()
                .filter(r -> r.check().contains("belowTen")).findFirst().orElseThrow();
        assertThat(jqwikFinding.reason()).startsWith(FindingException.PREFIX + "all numbers are below 10")
                .contains("counterexample: (10)"); // jqwik shrinks to the smallest falsifier

        assertThat(out).contains("PASS  ", "FAIL  ", "SKIP  ", "FIND  ", "1 failed", "2 findings");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .contains("conformance-report.html").anyMatch(n -> n.startsWith("TEST-") && n.endsWith(".xml"));
        }
        String html = Files.readString(dir.resolve("conformance-report.html"));
        assertThat(html).contains("Findings", "input 46 → EINVAL", "host has no 5-level EPT")
                .doesNotContain("http://", "https://");
    }

    @Test
    void simulatorOnlyPropertiesAreSkippedWithTheReasonOnADevice() {
        Summary s = ConformanceRunner.run(Options.defaults().withBackend(RunConfig.DEVICE).withDecisionTable(false)
                .withProgress(false).withCheckClasses(ImmutableList.of(SimOnlyFixture.class)), quiet());
        assertThat(s.results()).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(Status.SKIPPED);
            assertThat(r.reason()).contains("simulated kernel only");
        });
        Summary sim = ConformanceRunner.run(Options.defaults().withDecisionTable(false).withProgress(false)
                .withCheckClasses(ImmutableList.of(SimOnlyFixture.class)), quiet());
        assertThat(sim.passed()).isEqualTo(1);
    }

    static PrintStream quiet() {
        return new PrintStream(PrintStream.nullOutputStream(), true, StandardCharsets.UTF_8);
    }
}
