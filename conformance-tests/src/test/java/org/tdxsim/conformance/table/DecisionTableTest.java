package org.tdxsim.conformance.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tdxsim.module.platform.PlatformProfiles;

/**
 * The enumeration and its renderings on a small space run for real on the simulated kernel: module 2.0.08
 * and 1.5.01, MAXPHYADDR 46 and 52 with and without 5-level EPT, LA57 on, EAX[7:0] 0 and 49, under
 * UPSTREAM and PRE_MERGE — 2 × 4 × 2 × 2 × 256 = 8192 cells.
 */
class DecisionTableTest {

    static DecisionMatrix m;

    @BeforeAll
    static void enumerate() {
        InputSpace space = new InputSpace(PlatformProfiles.DEFAULT, ImmutableList.of(46, 52), ImmutableList.of(false, true),
                ImmutableList.of(true), ImmutableList.of("1.5.01", "2.0.08"), ImmutableList.of("UPSTREAM", "PRE_MERGE"),
                ImmutableList.of(0, 49));
        m = DecisionTable.enumerate(DecisionTable.Config.standard().withSpace(space).withThreads(1));
    }

    @Test
    void everyCombinationHasACell() {
        assertThat(m.size()).isEqualTo(8192).isEqualTo(m.space().size());
        assertThat(m.rows()).hasSize(32);
        assertThat(m.bringUps()).hasSize(8);
    }

    /** uapi §4.1 / §4.6: UPSTREAM decides from EAX[23:16], PRE_MERGE from EAX[7:0]; abi §6.4: KVM refuses 1.5.01. */
    @Test
    void cellsFollowTheKernelsRules() {
        DecisionMatrix.Row up = row("UPSTREAM", "2.0.08", 52, true, 0);
        assertThat(up.at(48).kind()).isEqualTo(Outcome.Kind.GPAW0);
        assertThat(up.at(52).kind()).isEqualTo(Outcome.Kind.GPAW1);
        assertThat(up.at(47)).isInstanceOfSatisfying(Outcome.KvmRejected.class,
                k -> assertThat(k.errnoName()).isEqualTo("EINVAL"));
        assertThat(row("UPSTREAM", "2.0.08", 52, false, 0).at(52).kind()).isEqualTo(Outcome.Kind.KVM_ERRNO);

        DecisionMatrix.Row pre = row("PRE_MERGE", "2.0.08", 52, true, 49);
        assertThat(pre.cells()).allSatisfy(o -> assertThat(o.kind()).isEqualTo(Outcome.Kind.GPAW1));
        assertThat(row("PRE_MERGE", "2.0.08", 52, true, 0).cells())
                .allSatisfy(o -> assertThat(o.kind()).isEqualTo(Outcome.Kind.GPAW0));

        assertThat(row("UPSTREAM", "1.5.01", 52, true, 0).cells())
                .allSatisfy(o -> assertThat(o.kind()).isEqualTo(Outcome.Kind.TDX_UNAVAILABLE));
    }

    @Test
    void policyDifferencesAreListed() {
        List<PolicyDiff.Difference> d = PolicyDiff.between(m, "UPSTREAM", "PRE_MERGE");
        assertThat(d).isNotEmpty().anySatisfy(x -> {
            assertThat(x.row().module()).isEqualTo("2.0.08");
            assertThat(x.a().kind()).isEqualTo(Outcome.Kind.KVM_ERRNO);
            assertThat(x.b().kind()).isIn(Outcome.Kind.GPAW0, Outcome.Kind.GPAW1);
        });
        assertThat(d).noneSatisfy(x -> assertThat(x.row().module()).isEqualTo("1.5.01"));
    }

    @Test
    void csvRunsCoverEveryCellOnce() {
        StringWriter w = new StringWriter();
        CsvRenderer.write(m, w);
        List<String> lines = w.toString().lines().toList();
        assertThat(lines.getFirst()).isEqualTo(CsvRenderer.HEADER);
        long cells = lines.stream().skip(1).mapToLong(l -> Long.parseLong(l.split(",")[9])).sum();
        assertThat(cells).isEqualTo(m.size());
        assertThat(lines).anyMatch(l -> l.startsWith("UPSTREAM,2.0.08,") && l.contains(",52,52,1,GPAW1,"));
    }

    @Test
    void markdownReadsAsRuns() {
        String md = MarkdownRenderer.render(m, PolicyDiff.compute(m));
        assertThat(md).contains("# GPAW / EPT decision table", "## Policy UPSTREAM", "### UPSTREAM · module 2.0.08",
                "0–47 EINVAL · 48 GPAW 0 · 49–51 EINVAL · 52 GPAW 1 · 53–255 EINVAL", "## Where policies disagree",
                "### UPSTREAM vs PRE_MERGE");
    }

    @Test
    void htmlIsSelfContainedAndCarriesEveryCell(@TempDir Path dir) throws IOException {
        DecisionTable.writeAll(m, dir);
        String html = Files.readString(dir.resolve("decision-table.html"));
        assertThat(html).startsWith("<!DOCTYPE html>").doesNotContain("http://", "https://", "<script src", "<link ");
        String json = html.substring(html.indexOf("const DT = ") + 11, html.indexOf(";\n(function"));
        JsonNode data = new ObjectMapper().readTree(json.replace("<\\/", "</"));
        long cells = 0;
        for (JsonNode row : data.get("rows")) {
            for (JsonNode run : row.get("r")) {
                cells += run.get(1).asLong();
                assertThat(run.get(0).asInt()).isLessThan(data.get("outcomes").size());
            }
        }
        assertThat(cells).isEqualTo(m.size());
        assertThat(Files.readString(dir.resolve("decision-table.md"))).contains("## Policy PRE_MERGE");
        assertThat(Files.size(dir.resolve("decision-table.csv"))).isPositive();
    }

    /** Runs the page's script against a minimal DOM in node, hovering one cell, where node is installed. */
    @Test
    void htmlScriptRendersAndExplainsACell(@TempDir Path dir) throws Exception {
        assumeTrue(onPath("node"), "node is not installed: the page's script is checked structurally only");
        DecisionTable.writeAll(m, dir);
        Path js = dir.resolve("dom.js");
        try (var in = DecisionTableTest.class.getResourceAsStream("dom-harness.js")) {
            Files.write(js, in.readAllBytes());
        }
        Process p = new ProcessBuilder("node", js.toString(), dir.resolve("decision-table.html").toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        // first canvas = UPSTREAM · module 1.5.01: the hovered cell explains why TDX is unavailable
        assertThat(out).contains("canvases 4", "tooltip block", "UPSTREAM · module 1.5.01", "GuestPhysBits = 48", "no TDX");
    }

    static DecisionMatrix.Row row(String policy, String module, int maxPa, boolean ept5, int eax) {
        return m.rows().stream().filter(r -> r.policy().equals(policy) && r.module().equals(module)
                && r.host().maxPhysAddr() == maxPa && r.host().ept5Level() == ept5 && r.eax70() == eax)
                .findFirst().orElseThrow();
    }

    static boolean onPath(String exe) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, exe))) {
                return true;
            }
        }
        return false;
    }
}
