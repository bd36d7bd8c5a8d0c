package org.tdxsim.conformance.table;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.tdxsim.conformance.SimHosts;
import org.tdxsim.conformance.table.DecisionMatrix.Row;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.ModuleProfiles;

/**
 * The GPAW / EPT decision table, enumerated exhaustively on the simulated kernel: every host variant ×
 * module version × GPAW policy × requested EAX[7:0] × requested GuestPhysBits 0..255 (see
 * {@link InputSpace} for the domains). One module bring-up per (module, host, policy) block; blocks run
 * in parallel. Renders Markdown, CSV and a self-contained HTML page.
 *
 * <p>Command line: {@code DecisionTable [--out DIR] [--threads N]} (default {@code decision-table/}).
 */
public final class DecisionTable {

    private DecisionTable() {
    }

    /**
     * What to enumerate and how.
     *
     * @param space the input space
     * @param threads worker threads (blocks are independent hosts)
     */
    public record Config(InputSpace space, int threads) {
        /** Every shipped module version and policy over the standard host variants of the default platform. */
        public static Config standard() {
            return new Config(InputSpace.standard(PlatformProfiles.DEFAULT, ModuleProfiles.versions(),
                    SimHosts.policyNames()), Math.max(1, Runtime.getRuntime().availableProcessors()));
        }

        public Config withSpace(InputSpace s) {
            return new Config(s, threads);
        }

        public Config withThreads(int n) {
            return new Config(space, Math.max(1, n));
        }
    }

    /** The platform profile of a host variant: the base profile with the three knobs set. */
    public static PlatformProfile platform(HostConfig h) {
        return PlatformProfiles.builtIn(h.basePlatform()).withMaxPhysAddr(h.maxPhysAddr())
                .withEpt5Level(h.ept5Level()).withLa57(h.la57());
    }

    private static DecisionMatrix standard;

    /** The standard table, enumerated once per JVM (the checks and the runner's report share it). */
    public static synchronized DecisionMatrix standard() {
        if (standard == null) {
            standard = enumerate(Config.standard());
        }
        return standard;
    }

    private record Block(String policy, String module, HostConfig host) {}

    private record BlockResult(Block block, List<Row> rows, String bringUp, long calls) {}

    /** Enumerates every combination of {@code config.space()}. */
    public static DecisionMatrix enumerate(Config config) {
        long start = System.nanoTime();
        InputSpace s = config.space();
        List<Block> blocks = new ArrayList<>();
        for (String policy : s.policies()) {
            for (String module : s.modules()) {
                for (HostConfig h : s.hosts()) {
                    blocks.add(new Block(policy, module, h));
                }
            }
        }
        List<BlockResult> results = new ArrayList<>();
        if (config.threads() <= 1) {
            for (Block b : blocks) {
                results.add(run(b, s));
            }
        } else {
            ExecutorService pool = Executors.newFixedThreadPool(config.threads(), r -> {
                Thread t = new Thread(r, "decision-table");
                t.setDaemon(true);
                return t;
            });
            try {
                List<Future<BlockResult>> futures = new ArrayList<>();
                for (Block b : blocks) {
                    futures.add(pool.submit(() -> run(b, s)));
                }
                for (Future<BlockResult> f : futures) {
                    results.add(f.get());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("decision table interrupted", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("decision table block failed: " + e.getCause(), e.getCause());
            } finally {
                pool.shutdownNow();
            }
        }
        ImmutableList.Builder<Row> rows = ImmutableList.builder();
        Map<String, String> bringUps = new LinkedHashMap<>();
        long calls = 0;
        for (BlockResult r : results) {
            rows.addAll(r.rows());
            bringUps.putIfAbsent(r.block().module() + " | " + r.block().host().label(), r.bringUp());
            calls += r.calls();
        }
        return new DecisionMatrix(s, rows.build(), ImmutableMap.copyOf(bringUps),
                Duration.ofNanos(System.nanoTime() - start), calls);
    }

    private static BlockResult run(Block b, InputSpace s) {
        ModuleProfile module = ModuleProfiles.builtIn(b.module());
        PlatformProfile platform = platform(b.host());
        List<Row> rows = new ArrayList<>();
        try (BlockProbe probe = new BlockProbe(SimHosts.open(module, platform, b.policy()), true)) {
            probe.supportedAddrWidthsEax(); // read once before the rows (cached by the probe)
            for (int eax : s.eax70s()) {
                ImmutableList.Builder<Outcome> cells = ImmutableList.builderWithExpectedSize(InputSpace.GUEST_PHYS_BITS_VALUES);
                if (probe.unavailable().isPresent()) {
                    Outcome u = new Outcome.TdxUnavailable(probe.unavailable().get());
                    for (int g = 0; g < InputSpace.GUEST_PHYS_BITS_VALUES; g++) {
                        cells.add(u);
                    }
                } else {
                    for (int g = 0; g < InputSpace.GUEST_PHYS_BITS_VALUES; g++) {
                        cells.add(probe.evaluate(g, eax));
                    }
                }
                rows.add(new Row(b.policy(), b.module(), b.host(), eax, cells.build(), probe.capsEax70Mask(),
                        probe.supportedAddrWidthsEax().map(java.util.OptionalInt::of).orElse(java.util.OptionalInt.empty())));
            }
            String bringUp = probe.unavailable().map(w -> "TDX unavailable: " + w).orElse("TDX ready");
            return new BlockResult(b, rows, bringUp, probe.calls());
        }
    }

    /** Writes {@code decision-table.md}, {@code .csv} and {@code .html} into {@code dir}. */
    public static void writeAll(DecisionMatrix m, Path dir) {
        try {
            Files.createDirectories(dir);
            ImmutableList<PolicyDiff.Difference> diffs = PolicyDiff.compute(m);
            Files.writeString(dir.resolve("decision-table.md"), MarkdownRenderer.render(m, diffs), StandardCharsets.UTF_8);
            try (Writer w = Files.newBufferedWriter(dir.resolve("decision-table.csv"), StandardCharsets.UTF_8)) {
                CsvRenderer.write(m, w);
            }
            Files.writeString(dir.resolve("decision-table.html"), HtmlRenderer.page(m, diffs), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the decision table into " + dir, e);
        }
    }

    public static void main(String[] args) {
        Path out = Path.of("decision-table");
        Config config = Config.standard();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--threads" -> config = config.withThreads(Integer.parseInt(args[++i]));
                default -> {
                    System.err.println("usage: DecisionTable [--out DIR] [--threads N]");
                    System.exit(2);
                }
            }
        }
        DecisionMatrix m = enumerate(config);
        writeAll(m, out);
        System.out.printf("decision table: %,d combinations in %d ms (%,d KVM_TDX_INIT_VM calls) → %s%n",
                m.size(), m.elapsed().toMillis(), m.kernelCalls(), out.toAbsolutePath());
    }
}
