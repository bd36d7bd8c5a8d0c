package org.tdxsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MainTest {

    @Test
    void helpExitsZeroAndListsTheCommands() {
        CliRun r = CliRun.run("--help");
        assertThat(r.rc()).as(r.toString()).isZero();
        assertThat(r.out()).contains("serve");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"conformance", "check", "explain", "profiles", "profiles list",
        "profiles show", "profiles diff", "decision-table", "probe", "capture-host", "serve"})
    void everyCommandHasHelp(String command) {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(command.split(" ")));
        args.add("--help");
        CliRun r = CliRun.run(args.toArray(String[]::new));
        assertThat(r.rc()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("Usage: tdxsim " + command);
        assertThat(r.err()).isEmpty();
    }

    @Test
    void topLevelHelpListsEveryCommandButTheHiddenOne() {
        String out = CliRun.run("--help").out();
        assertThat(out).contains("conformance", "check", "explain", "profiles", "decision-table", "probe", "capture-host", "serve")
                .doesNotContain("cds-training");
    }

    @Test
    void unknownOptionIsOneLineAndExitTwo() {
        CliRun r = CliRun.run("--frobnicate");
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("--frobnicate").doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void unknownCommandIsOneLineAndExitTwo() {
        CliRun r = CliRun.run("frobnicate");
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.errLines()).hasSize(1);
    }

    @Test
    void capturedOutputHasNoAnsiEscapesUnlessAsked() {
        assertThat(CliRun.run("--help").out()).doesNotContain("\u001b[");
        assertThat(new Style(true).red("x")).isEqualTo("\u001b[31mx\u001b[0m");
        assertThat(Style.forMode("auto", false).enabled()).isFalse();
        assertThat(Style.forMode("never", true).enabled()).isFalse();
    }

    @Test
    void badColourModeIsAUsageError() {
        CliRun r = CliRun.run("--color=sometimes", "--help");
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("--color");
    }
}
