package org.tdxsim.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tdxsim.benchmarks.bringup.SimBackends;
import org.tdxsim.benchmarks.bringup.TdBringUp;
import org.tdxsim.benchmarks.module.Inputs;
import org.tdxsim.benchmarks.report.SvgChart;
import org.tdxsim.benchmarks.scaling.Fit;
import org.tdxsim.benchmarks.scaling.ScalingRun;
import org.tdxsim.kvm.sim.SimulatedKernel;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.profile.ModuleProfiles;
import org.tdxsim.module.tdparams.PlatformRuntime;
import org.tdxsim.module.tdparams.TdParamsCheckResult;
import org.tdxsim.module.tdparams.TdhMngInitChecks;

/**
 * The harness works: what the benchmarks measure is a real, successful bring-up; the scaling run and
 * the results page produce their files. No timing is asserted anywhere (benchmarks are not tests).
 */
class HarnessSmokeTest {

    /** The measured TD bring-up reaches KVM_TDX_FINALIZE_VM and closes every fd it opened. */
    @Test
    void tdBringUpFinalizesAndReleasesEveryFd() {
        try (SimulatedKernel sim = SimBackends.create(); TdBringUp b = TdBringUp.prepare(sim, 2, 4)) {
            int before = sim.openFds();
            try (TdBringUp.Td td = b.build()) {
                assertThat(td.vcpuCount()).isEqualTo(2);
                assertThat(sim.vmView(td.vm().fd())).hasValueSatisfying(v -> assertThat(v.tdState()).isEqualTo("RUNNABLE"));
            }
            assertThat(sim.openFds()).isEqualTo(before);
        }
    }

    /** The module benchmarks measure the accepted path, not an early rejection (abi §4.1). */
    @Test
    void moduleBenchmarkInputIsAccepted() {
        var m = ModuleProfiles.latest();
        var p = PlatformProfiles.defaultPlatform();
        int tdcx = Inputs.minTdcsPages(m);
        assertThat(TdhMngInitChecks.check(m, p, PlatformRuntime.STEADY, Inputs.acceptedParams(m, p, tdcx), tdcx))
                .isInstanceOf(TdParamsCheckResult.Accepted.class);
    }

    /** Quick scaling run + results page: JSON, index.md and well-formed SVG charts are written. */
    @Test
    void scalingRunAndResultsPageWriteTheirFiles(@TempDir Path dir) throws Exception {
        Path raw = dir.resolve("raw");
        ScalingRun.Result m = ScalingRun.run(true);
        assertThat(m.vcpuSweep().points()).extracting(ScalingRun.VcpuPoint::vcpus).containsExactly(1, 2, 4);
        assertThat(m.tdSweep().points()).hasSize(3);
        assertThat(m.tdSweep().points()).allSatisfy(p -> assertThat(p.retainedBytes()).isPositive());
        assertThat(m.tdSweep().logEntriesPerClosedTd()).as("teardown SEAMCALLs recorded per closed TD").isPositive();
        ScalingRun.write(raw.resolve("scaling.json"), m);

        org.tdxsim.benchmarks.report.ResultsPage.main(new String[] {dir.toString(), "--quick"});
        String page = Files.readString(dir.resolve("index.md"));
        assertThat(page).contains("## 5. How cost grows").contains("| 1 | TD bring-up")
                .contains("not measured");
        for (String svg : List.of("vcpus-time.svg", "vcpus-heap.svg", "tds-time.svg", "tds-heap.svg")) {
            parseXml(Files.readString(dir.resolve(svg)));
        }
    }

    @Test
    void chartsAreWellFormedForEveryScaleAndForNoData() throws Exception {
        List<double[]> pts = List.of(new double[] {1, 10}, new double[] {64, 700}, new double[] {576, 5000});
        for (SvgChart.Scale x : SvgChart.Scale.values()) {
            for (SvgChart.Scale y : SvgChart.Scale.values()) {
                parseXml(SvgChart.lineChart("t <&>", "x", "y", List.of(new SvgChart.Series("a", pts)), x, y));
            }
        }
        assertThat(SvgChart.lineChart("empty", "x", "y", List.of(new SvgChart.Series("a", List.of())),
                SvgChart.Scale.LINEAR, SvgChart.Scale.LINEAR)).contains("no data");
    }

    /** Fit: a straight line has its slope; y = x² has exponent 2; y = 5 + 3x is linear with exponent → 1. */
    @Test
    void fitRecoversSlopeAndExponent() {
        List<Double> xs = List.of(8.0, 16.0, 32.0, 64.0, 128.0);
        Fit line = Fit.of(xs, xs.stream().map(x -> 5 + 3 * x).toList(), 8);
        assertThat(line.slope()).isCloseTo(3, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(line.intercept()).isCloseTo(5, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(line.growth()).isEqualTo("linear");
        Fit square = Fit.of(xs, xs.stream().map(x -> x * x).toList(), 8);
        assertThat(square.exponent()).isCloseTo(2, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(square.growth()).isEqualTo("worse than linear");
    }

    private static void parseXml(String xml) throws Exception {
        DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }
}
