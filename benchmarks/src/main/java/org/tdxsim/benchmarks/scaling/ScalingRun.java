package org.tdxsim.benchmarks.scaling;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.tdxsim.benchmarks.bringup.PlainVmBringUp;
import org.tdxsim.benchmarks.bringup.SimBackends;
import org.tdxsim.benchmarks.bringup.TdBringUp;
import org.tdxsim.kvm.KvmBackend;
import org.tdxsim.kvm.KvmException;
import org.tdxsim.kvm.device.DeviceBackend;
import org.tdxsim.kvm.sim.SimulatedKernel;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.ModuleProfiles;

/**
 * Issue #7 target 5: how the simulator's cost grows.
 *
 * <ul>
 *   <li>vCPU sweep: TD bring-up (as {@link TdBringUp}, 16 pages) with 1 … 576 vCPUs (MAX_VCPUS_PER_TD
 *       of the newest module) on the default platform widened to 576 logical processors (KVM caps a
 *       TD's vCPUs at the present CPUs); per point the median bring-up + close time and the heap the
 *       live TD retains. For context the same counts for a plain VM on the real {@code /dev/kvm}
 *       (time only: the kernel's memory is not on our heap).
 *   <li>TD sweep: TDs of 4 vCPUs / 16 pages kept alive one after another until the platform's
 *       private HKIDs are used up (the first is the module's global HKID); per step the median time to
 *       bring up and close one more TD beside the live ones, and the heap all live TDs retain (with
 *       the kernel's teardown log emptied first; that log is measured apart). One more bring-up past
 *       the last HKID records how the kernel refuses it.
 * </ul>
 *
 * Usage: {@code ScalingRun <out.json> [--quick]} ({@code --quick}: a few small points, for the smoke
 * test). Writes JSON read by {@link org.tdxsim.benchmarks.report.ResultsPage}.
 */
public final class ScalingRun {

    static final int[] VCPU_COUNTS = {1, 2, 4, 8, 16, 32, 64, 128, 192, 256, 384, 512, 576};
    static final int[] QUICK_VCPU_COUNTS = {1, 2, 4};
    static final int TD_VCPUS = 4;
    static final int PAGES = 16;
    /** Per sweep point: repeat until this much time is spent (and at least {@link #MIN_REPS} times). */
    static final long POINT_BUDGET_NANOS = 700_000_000L;
    static final int MIN_REPS = 3;
    static final int MAX_REPS = 200;

    /**
     * One vCPU-sweep point (JSON). {@code realReps} 0 means the real kernel was not measured at this
     * count ({@code realMicros} is then 0).
     */
    public record VcpuPoint(int vcpus, double simMicros, double simCpuMicros, int simReps, long retainedBytes,
            long afterCloseBytes, double realMicros, double realCpuMicros, int realReps) {}

    /** The vCPU sweep (JSON); {@code realUnavailable} is empty when the real kernel was measured. */
    public record VcpuSweep(String platform, String module, int maxVcpus, List<VcpuPoint> points, Fit simTimeFit,
            Fit simCpuFit, Fit heapFit, Fit realTimeFit, Fit realCpuFit, String realUnavailable) {}

    /**
     * One TD-sweep point: bring-up + close of one more TD beside {@code tds − 1} live ones (median wall and
     * CPU time); {@code retainedBytes} = used heap after GC with {@code tds} live TDs minus the same with
     * none, and {@code keeperBytes} its growth over the previous point.
     */
    public record TdPoint(int tds, double buildMicros, double buildCpuMicros, long keeperBytes, long retainedBytes) {}

    /**
     * The TD sweep. {@code SimulatedKernel.teardownLog()} records every teardown SEAMCALL and is never
     * trimmed, so the sweep empties it before each heap reading (the TDs' own footprint), and measures it
     * apart: {@code logEntriesPerClosedTd} and {@code logBytesPerClosedTd} over {@code logProbeTds} extra
     * bring-up + close cycles at the end. {@code closedTds}: TDs brought up and closed in the whole sweep.
     */
    public record TdSweep(String platform, String module, int privateHkids, int tdVcpus, int pages,
            List<TdPoint> points, String stop, Fit buildTimeFit, Fit buildCpuFit, Fit heapFit, long closedTds,
            int logProbeTds, double logEntriesPerClosedTd, double logBytesPerClosedTd) {}

    /** What the run writes: both sweeps. */
    public record Result(VcpuSweep vcpuSweep, TdSweep tdSweep) {}

    private ScalingRun() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: ScalingRun <out.json> [--quick]");
            System.exit(2);
        }
        boolean quick = Arrays.asList(args).contains("--quick");
        Result r = run(quick);
        write(Path.of(args[0]), r);
    }

    public static void write(Path out, Result r) throws IOException {
        ObjectMapper json = new ObjectMapper().findAndRegisterModules().enable(SerializationFeature.INDENT_OUTPUT);
        Files.createDirectories(out.toAbsolutePath().getParent());
        json.writeValue(out.toFile(), r);
    }

    public static Result run(boolean quick) {
        VcpuSweep v = vcpuSweep(quick ? QUICK_VCPU_COUNTS : VCPU_COUNTS, quick);
        TdSweep t = tdSweep(quick);
        return new Result(v, t);
    }

    // ------------------------------------------------------------------ vCPUs

    static VcpuSweep vcpuSweep(int[] counts, boolean quick) {
        ModuleProfile module = ModuleProfiles.latest();
        int top = counts[counts.length - 1];
        PlatformProfile platform = SimBackends.withLogicalProcessors(PlatformProfiles.defaultPlatform(),
                Math.max(top, PlatformProfiles.defaultPlatform().logicalProcessors()));
        List<VcpuPoint> points = new ArrayList<>();
        String realUnavailable;
        long budget = quick ? 20_000_000L : POINT_BUDGET_NANOS;
        try (KvmBackend sim = SimBackends.create(module, platform);
                RealSide real = RealSide.open()) {
            realUnavailable = real.unavailable().orElse("");
            warmUp(sim, quick);
            int max = Integer.MAX_VALUE;
            for (int n : counts) {
                try (TdBringUp b = TdBringUp.prepare(sim, n, PAGES)) {
                    max = b.maxVcpus();
                    if (n > max) {
                        System.err.printf("scaling: vCPU sweep stops at %d: KVM_CAP_MAX_VCPUS of a TD is %d%n", n, max);
                        break;
                    }
                    Timing t = time(b::buildAndClose, budget);
                    long[] heap = heapOfOneTd(module, platform, n);
                    long before = heap[0];
                    long live = heap[1];
                    long after = heap[2];
                    Optional<Timing> rt = real.time(n, budget);
                    points.add(new VcpuPoint(n, t.medianMicros(), t.medianCpuMicros(), t.reps(), live - before,
                            after - before, rt.map(Timing::medianMicros).orElse(0.0),
                            rt.map(Timing::medianCpuMicros).orElse(0.0), rt.map(Timing::reps).orElse(0)));
                    System.err.printf("scaling: %3d vCPUs: sim %.1f µs (%d reps), retained %d B, real %s%n", n,
                            t.medianMicros(), t.reps(), live - before,
                            rt.map(x -> String.format("%.1f µs (%d reps)", x.medianMicros(), x.reps())).orElse("-"));
                }
            }
            Fit simFit = fit(points, p -> (double) p.vcpus(), VcpuPoint::simMicros);
            Fit simCpuFit = fit(points, p -> (double) p.vcpus(), VcpuPoint::simCpuMicros);
            Fit heapFit = fit(points, p -> (double) p.vcpus(), p -> (double) p.retainedBytes());
            List<VcpuPoint> withReal = points.stream().filter(p -> p.realReps() > 0).toList();
            Fit realFit = fit(withReal, p -> (double) p.vcpus(), VcpuPoint::realMicros);
            Fit realCpuFit = fit(withReal, p -> (double) p.vcpus(), VcpuPoint::realCpuMicros);
            return new VcpuSweep(platform.name(), module.version().toString(), max, points, simFit, simCpuFit, heapFit,
                    realFit, realCpuFit, realUnavailable);
        }
    }

    /**
     * Used heap after GC {before, with one live TD of {@code vcpus} vCPUs, after closing it}, on a fresh
     * simulated kernel: no page freed by earlier TDs can be reused, so the TD's page contents count, and
     * the teardown log is emptied before each reading.
     */
    private static long[] heapOfOneTd(ModuleProfile module, PlatformProfile platform, int vcpus) {
        try (SimulatedKernel fresh = SimBackends.create(module, platform);
                TdBringUp b = TdBringUp.prepare(fresh, vcpus, PAGES)) {
            fresh.teardownLog().clear();
            long before = Heap.usedAfterGc();
            TdBringUp.Td td = b.build();
            long live = Heap.usedAfterGc();
            td.close();
            fresh.teardownLog().clear();
            long after = Heap.usedAfterGc();
            return new long[] {before, live, after};
        }
    }

    /** The real kernel's plain-VM bring-up at a vCPU count, if /dev/kvm can be used here. */
    private static final class RealSide implements AutoCloseable {
        private final DeviceBackend backend;
        private final Optional<String> unavailable;

        private RealSide(DeviceBackend backend, Optional<String> unavailable) {
            this.backend = backend;
            this.unavailable = unavailable;
        }

        static RealSide open() {
            DeviceBackend d = new DeviceBackend();
            int fd = d.open(DeviceBackend.DEV_KVM);
            if (fd < 0) {
                d.close();
                return new RealSide(null, Optional.of("cannot open /dev/kvm: errno " + -fd));
            }
            d.close(fd);
            return new RealSide(d, Optional.empty());
        }

        Optional<String> unavailable() {
            return unavailable;
        }

        Optional<Timing> time(int vcpus, long budget) {
            if (backend == null) {
                return Optional.empty();
            }
            try (PlainVmBringUp b = PlainVmBringUp.prepare(backend, vcpus, PAGES)) {
                return Optional.of(time(b::buildAndClose, budget));
            } catch (KvmException e) {
                System.err.println("scaling: real plain VM with " + vcpus + " vCPUs: " + e.getMessage());
                return Optional.empty();
            }
        }

        private static Timing time(Runnable r, long budget) {
            return ScalingRun.time(r, budget);
        }

        @Override
        public void close() {
            if (backend != null) {
                backend.close();
            }
        }
    }

    // ------------------------------------------------------------------ live TDs

    static TdSweep tdSweep(boolean quick) {
        ModuleProfile module = ModuleProfiles.latest();
        PlatformProfile platform = PlatformProfiles.defaultPlatform();
        int privateHkids = platform.maxPrivateHkid() - platform.minPrivateHkid() + 1;
        int limit = quick ? 3 : Integer.MAX_VALUE;
        long budget = quick ? 10_000_000L : 150_000_000L;
        List<TdPoint> points = new ArrayList<>();
        List<TdBringUp.Td> live = new ArrayList<>();
        String stop;
        long closed = 0;
        int probe = quick ? 5 : 300;
        double entriesPerTd;
        double bytesPerTd;
        try (SimulatedKernel sim = SimBackends.create(module, platform);
                TdBringUp b = TdBringUp.prepare(sim, TD_VCPUS, PAGES)) {
            warmUp(sim, quick);
            sim.teardownLog().clear();
            long base = Heap.usedAfterGc();
            long previous = 0;
            while (true) {
                if (live.size() >= limit) {
                    stop = "stopped after " + limit + " TDs (quick run)";
                    break;
                }
                // Time bring-up + close of one more TD beside the live ones (needs one free HKID, as the
                // keeper built next does), then build the keeper.
                Timing t;
                TdBringUp.Td td;
                try {
                    t = time(b::buildAndClose, budget);
                    closed += t.reps();
                    td = b.build();
                } catch (KvmException e) {
                    stop = "TD " + (live.size() + 1) + " refused: " + e.getMessage();
                    break;
                }
                live.add(td);
                sim.teardownLog().clear();
                long retained = Heap.usedAfterGc() - base;
                long keeper = retained - previous;
                previous = retained;
                points.add(new TdPoint(live.size(), t.medianMicros(), t.medianCpuMicros(), keeper, retained));
                System.err.printf("scaling: %2d live TDs: bring-up + close beside them %.1f µs (CPU %.1f µs), "
                        + "this TD %d B, all live TDs %d B%n", live.size(), t.medianMicros(), t.medianCpuMicros(),
                        keeper, retained);
            }
            for (TdBringUp.Td td : live) {
                td.close();
            }
            closed += points.size();
            live.clear();
            // The teardown log apart: `probe` more bring-up + close cycles, heap with and without the log.
            sim.teardownLog().clear();
            long start = Heap.usedAfterGc();
            for (int i = 0; i < probe; i++) {
                b.buildAndClose();
            }
            closed += probe;
            entriesPerTd = sim.teardownLog().entries().size() / (double) probe;
            long withLog = Heap.usedAfterGc();
            sim.teardownLog().clear();
            long withoutLog = Heap.usedAfterGc();
            bytesPerTd = (withLog - withoutLog) / (double) probe;
            System.err.printf("scaling: teardown log: %.1f entries, %.0f B per closed TD (heap %d → %d → %d B)%n",
                    entriesPerTd, bytesPerTd, start, withLog, withoutLog);
        } finally {
            live.forEach(TdBringUp.Td::close);
        }
        System.err.println("scaling: " + stop);
        Fit timeFit = fit(points, p -> (double) p.tds(), TdPoint::buildMicros);
        Fit cpuFit = fit(points, p -> (double) p.tds(), TdPoint::buildCpuMicros);
        Fit heapFit = fit(points, p -> (double) p.tds(), p -> (double) p.retainedBytes());
        return new TdSweep(platform.name(), module.version().toString(), privateHkids, TD_VCPUS, PAGES, points, stop,
                timeFit, cpuFit, heapFit, closed, probe, entriesPerTd, bytesPerTd);
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Medians of repeated runs (wall time, and CPU time of this thread, which other processes on a busy
     * machine do not inflate), repeated until {@code budget} ns are spent (3 … 200 times).
     */
    record Timing(double medianMicros, double medianCpuMicros, int reps) {}

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    static Timing time(Runnable r, long budget) {
        List<Long> wall = new ArrayList<>();
        List<Long> cpu = new ArrayList<>();
        long start = System.nanoTime();
        while (wall.size() < MIN_REPS || (System.nanoTime() - start < budget && wall.size() < MAX_REPS)) {
            long c0 = THREADS.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            r.run();
            wall.add(System.nanoTime() - t0);
            cpu.add(THREADS.getCurrentThreadCpuTime() - c0);
        }
        return new Timing(median(wall) / 1000.0, median(cpu) / 1000.0, wall.size());
    }

    private static double median(List<Long> xs) {
        List<Long> s = new ArrayList<>(xs);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2.0;
    }

    /** JIT warm-up: 3000 standard TD bring-ups and at least 2 s (a few for --quick). */
    private static void warmUp(KvmBackend sim, boolean quick) {
        try (TdBringUp b = TdBringUp.prepare(sim, TD_VCPUS, PAGES)) {
            long end = System.nanoTime() + (quick ? 10_000_000L : 2_000_000_000L);
            int times = quick ? 5 : 3000; // by work too: a busy machine gives 2 s of wall time little CPU
            for (int i = 0; i < times || System.nanoTime() < end; i++) {
                b.buildAndClose();
            }
        }
    }

    private static <P> Fit fit(List<P> points, java.util.function.Function<P, Double> x,
            java.util.function.Function<P, Double> y) {
        if (points.size() < 2) {
            return new Fit(Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        return Fit.of(points.stream().map(x).toList(), points.stream().map(y).toList(), 8);
    }
}
