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
