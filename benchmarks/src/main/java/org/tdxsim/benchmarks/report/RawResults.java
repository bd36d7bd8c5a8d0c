package org.tdxsim.benchmarks.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads what one {@code benchmarks/run} left in {@code results/raw/}: JMH JSON, the C programs'
 * output, hyperfine (or bash-loop) JSON, the scaling and profile JSON, machine and load notes.
 * Anything missing reads as empty, so the page can say "not measured" instead of failing.
 */
final class RawResults {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern C_ROUND = Pattern.compile("^c [^:]+: ([0-9.]+) (?:ns|us)/op");

    private final Path dir;

    RawResults(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    Optional<JsonNode> json(String name) {
        Path p = dir.resolve(name);
        if (!Files.isRegularFile(p)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readTree(p.toFile()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    List<String> lines(String name) {
        try {
            return Files.readAllLines(dir.resolve(name));
        } catch (IOException e) {
            return List.of();
        }
    }

    boolean exists(String name) {
        return Files.exists(dir.resolve(name));
    }

    /** One JMH result: score in its unit, the per-iteration scores, and gc.alloc.rate.norm if profiled. */
    record Jmh(String benchmark, String mode, double score, double error, String unit, List<Double> iterations,
            OptionalDouble allocBytesPerOp) {

        String method() {
            return benchmark.substring(benchmark.lastIndexOf('.') + 1);
        }
    }

    /** The result of benchmark method {@code method} (simple name) in JMH file {@code name}. */
    Optional<Jmh> jmh(String name, String method) {
        Optional<JsonNode> root = json(name);
        if (root.isEmpty()) {
            return Optional.empty();
        }
        for (JsonNode r : root.get()) {
            String b = r.path("benchmark").asText();
            if (!b.endsWith("." + method)) {
                continue;
            }
            JsonNode pm = r.path("primaryMetric");
            List<Double> its = new ArrayList<>();
            for (JsonNode fork : pm.path("rawData")) {
                for (JsonNode v : fork) {
                    its.add(v.asDouble());
                }
            }
            JsonNode alloc = r.path("secondaryMetrics").path("gc.alloc.rate.norm");
            OptionalDouble a = alloc.isMissingNode() ? OptionalDouble.empty() : OptionalDouble.of(alloc.path("score").asDouble());
            double err = pm.path("scoreError").asDouble(Double.NaN);
            return Optional.of(new Jmh(b, r.path("mode").asText(), pm.path("score").asDouble(), err,
                    pm.path("scoreUnit").asText(), its, a));
        }
        return Optional.empty();
    }

    /** Per-round figures of a C program's output ("c …: 123.4 ns/op (…)"). */
    List<Double> cRounds(String name) {
        List<Double> out = new ArrayList<>();
        for (String l : lines(name)) {
            Matcher m = C_ROUND.matcher(l);
            if (m.find()) {
                out.add(Double.parseDouble(m.group(1)));
            }
        }
        return out;
    }

    /** Wall times in seconds of a whole-process measurement (hyperfine JSON or the bash loop's). */
    List<Double> processTimes(String name) {
        List<Double> out = new ArrayList<>();
        json("process-" + name + ".json").ifPresent(root -> {
            for (JsonNode t : root.path("results").path(0).path("times")) {
                out.add(t.asDouble());
            }
        });
        return out;
    }

    /** The distinct exit codes of a whole-process measurement's runs, in order of appearance. */
    List<Integer> processExitCodes(String name) {
        List<Integer> out = new ArrayList<>();
        json("process-" + name + ".json").ifPresent(root -> {
            for (JsonNode c : root.path("results").path(0).path("exit_codes")) {
                if (!out.contains(c.asInt())) {
                    out.add(c.asInt());
                }
            }
        });
        return out;
    }

    /** Mean user + system CPU seconds per run (hyperfine only; NaN otherwise). */
    double processCpuSeconds(String name) {
        return json("process-" + name + ".json").map(r -> r.path("results").path(0))
                .filter(r -> r.has("user") && r.has("system"))
                .map(r -> r.path("user").asDouble() + r.path("system").asDouble()).orElse(Double.NaN);
    }

    /** The tool that timed a whole process: "hyperfine" or "bash loop". */
    String processTool(String name) {
        return json("process-" + name + ".json").map(r -> r.path("tool").asText("hyperfine")).orElse("");
    }

    /** Load-average marks: label → "1m 5m 15m". */
    List<String[]> loads() {
        List<String[]> out = new ArrayList<>();
        for (String l : lines("load.txt")) {
            String[] f = l.trim().split("\\s+");
            if (f.length >= 4) {
                out.add(f);
            }
        }
        return out;
    }

    static double mean(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    static double min(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    static double median(List<Double> xs) {
        if (xs.isEmpty()) {
            return Double.NaN;
        }
        List<Double> s = new ArrayList<>(xs);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
