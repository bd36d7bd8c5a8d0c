package org.tdxsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tdxsim.conformance.table.CsvRenderer;
import org.tdxsim.conformance.table.InputSpace;
import org.tdxsim.module.platform.PlatformProfiles;

/** {@code tdxsim conformance} and {@code tdxsim decision-table} drive the conformance module's runner and table. */
class ConformanceCommandTest {

    @TempDir
    Path dir;

    private static final Pattern SUMMARY = Pattern.compile("Conformance: (\\d+) passed, (\\d+) failed, (\\d+) skipped");

    @Test
    void oneGroupOnTheSimulatorWritesJUnitXmlAndHtml() throws Exception {
        Path report = dir.resolve("rep");
        CliRun r = CliRun.run("conformance", "--only", "CapabilitiesChecks", "--module", "2.0.08", "--platform",
                PlatformProfiles.DEFAULT, "--no-table", "--report", report.toString());
        Matcher m = SUMMARY.matcher(r.out());
        assertThat(m.find()).as(r.toString()).isTrue();
        int passed = Integer.parseInt(m.group(1));
        int failed = Integer.parseInt(m.group(2));
        assertThat(passed + failed).isPositive();
        assertThat(r.rc()).as(r.toString()).isEqualTo(failed == 0 ? 0 : 1);
        assertThat(report.resolve("conformance-report.html")).exists();
        try (var files = Files.list(report)) {
            List<Path> xml = files.filter(p -> p.getFileName().toString().matches("TEST-.*\\.xml")).toList();
            assertThat(xml).isNotEmpty();
            for (Path x : xml) {
                var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(x.toFile());
                assertThat(doc.getDocumentElement().getNodeName()).isEqualTo("testsuite");
            }
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "conformance --backend qemu|--backend",
        "conformance --module 0.9|unknown module version '0.9'",
        "conformance --platform vax-11|unknown platform 'vax-11'",
        "conformance --only NoSuchChecks|unknown check group 'NoSuchChecks'",
        "conformance --no-report --report x|conflicts with --report",
        "decision-table --policy NOPE|unknown policy 'NOPE'",
        "decision-table --format pdf|--format",
        "decision-table --module 7|unknown module version '7'",
        "decision-table --out /nonexistent-dir/t.md|does not exist",
    })
    void badInputIsOneLineAndExitTwo(String args, String expected) {
        CliRun r = CliRun.run(args.split(" "));
        assertThat(r.rc()).as(r.toString()).isEqualTo(2);
        assertThat(r.errLines()).as(r.toString()).hasSize(1);
        assertThat(r.err()).contains(expected).doesNotContain("Exception");
    }

    /** Every (host variant × module × policy × EAX[7:0] × GuestPhysBits) combination of conf's InputSpace is covered once. */
    @Test
    void decisionTableCsvHasEveryCombination() throws Exception {
        Path out = dir.resolve("t.csv");
        CliRun r = CliRun.run("decision-table", "--policy", "UPSTREAM", "--module", "2.0.08", "--format", "csv", "--out", out.toString());
        assertThat(r.rc()).as(r.toString()).isZero();
        List<String> lines = Files.readAllLines(out);
        long expected = InputSpace.standard(PlatformProfiles.DEFAULT, com.google.common.collect.ImmutableList.of("2.0.08"),
                com.google.common.collect.ImmutableList.of("UPSTREAM")).size();
        assertThat(lines.getFirst()).isEqualTo(CsvRenderer.HEADER.strip());
        // one line per run of GuestPhysBits values with the same outcome; the "cells" column counts them
        int cellsColumn = List.of(CsvRenderer.HEADER.split(",")).indexOf("cells");
        long cells = lines.stream().skip(1).mapToLong(l -> Long.parseLong(l.split(",", cellsColumn + 2)[cellsColumn])).sum();
        assertThat(cells).isEqualTo(expected);
        assertThat(r.err()).contains("combinations");
    }
}
