package org.tdxsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Runs the README's example client, {@code examples/oracle_client.py}, against {@code serve --stdio} started
 * from this test's own class path: the client exits 0 only if every expectation it prints held. Skipped
 * (with the reason) where no {@code python3} is installed.
 */
class OracleClientExampleTest {

    private static final Path CLIENT = Path.of("..", "examples", "oracle_client.py");

    @Test
    void exampleClientPasses() throws Exception {
        Assumptions.assumeTrue(python3Available(), "python3 is not on PATH, so examples/oracle_client.py cannot run here");
        assertThat(CLIENT).as("the example client ships with the repository").exists();
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of("python3", CLIENT.toString(), "--", java,
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "serve", "--stdio"));
        Path log = Files.createTempFile("oracle-client", ".log");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            p.getOutputStream().close();
            boolean done = p.waitFor(180, TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly();
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            assertThat(done).as("client finished within 180 s; output so far:%n%s", out).isTrue();
            assertThat(p.exitValue()).as("client output:%n%s", out).isZero();
            assertThat(out).contains("all expectations held").doesNotContain("FAIL ");
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static boolean python3Available() {
        try {
            Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
