package org.tdxsim.benchmarks.profile;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Condenses a JFR recording of a whole {@code ./tdxsim} process (all threads) into the JSON shape of
 * {@link BringUpProfile} — how {@code benchmarks/run} shows what dominates a command that misses its
 * goal (the decision table).
 *
 * <p>Usage: {@code JfrSummary <recording.jfr> <out.json> <seconds>}.
 */
public final class JfrSummary {

    private JfrSummary() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: JfrSummary <recording.jfr> <out.json> <seconds>");
            System.exit(2);
        }
        BringUpProfile.write(Path.of(args[1]),
                BringUpProfile.analyse(Path.of(args[0]), Double.parseDouble(args[2]), 0, ""));
    }
}
