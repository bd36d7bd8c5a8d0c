package org.tdxsim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Runs {@code tdxsim} in-process with captured streams. */
record CliRun(int rc, String out, String err) {

    static CliRun run(String... args) {
        return withStdin(new byte[0], args);
    }

    static CliRun withStdin(String stdin, String... args) {
        return withStdin(stdin.getBytes(StandardCharsets.UTF_8), args);
    }

    static CliRun withStdin(byte[] stdin, String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int rc = Main.run(new ByteArrayInputStream(stdin), out, err, args);
        return new CliRun(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    List<String> errLines() {
        return err.lines().toList();
    }

    JsonNode json() {
        try {
            return JsonInput.mapper().readTree(out);
        } catch (Exception e) {
            throw new AssertionError("stdout is not JSON: " + out, e);
        }
    }

    List<JsonNode> jsonLines() {
        return out.lines().map(l -> {
            try {
                return JsonInput.mapper().readTree(l);
            } catch (Exception e) {
                throw new AssertionError("not a JSON line: " + l, e);
            }
        }).toList();
    }

    @Override
    public String toString() {
        return "rc=" + rc + "\n--- out\n" + out + "--- err\n" + err;
    }
}
