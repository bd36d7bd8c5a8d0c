package org.tdxsim.benchmarks.paired;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tdxsim.benchmarks.bringup.PlainVmBringUp;
import org.tdxsim.benchmarks.bringup.SimBackends;
import org.tdxsim.benchmarks.bringup.TdBringUp;
import org.tdxsim.benchmarks.device.FfmFloor;
import org.tdxsim.kvm.Kvm;
import org.tdxsim.kvm.KvmBackend;
import org.tdxsim.kvm.device.DeviceBackend;
import org.tdxsim.kvm.uapi.Ioctls;
import org.tdxsim.kvm.uapi.KvmConstants;

/**
 * Paired rounds for the two headline ratios (issue #7 targets 1 and 2): the two sides alternate in
 * short rounds — A, B, A, B, … — and each round's ratio is computed from neighbours, so a change in
 * machine load (other builds on a shared 2-core box) hits both sides of a ratio alike. The median
 * of the per-round ratios is the figure; the spread is reported with it. JMH runs the same code
 * sequentially (one side after the other) for its own statistics and allocation profile.
 *
 * <ul>
 *   <li>{@code bringup}: simulated TD bring-up ({@link TdBringUp}) vs real-kernel plain-VM bring-up
 *       ({@link PlainVmBringUp}), both in this JVM through the typed client;
 *   <li>{@code ioctl <c-binary>}: {@code KVM_CHECK_EXTENSION} through {@link DeviceBackend#ioctl}, the
 *       typed client and {@link FfmFloor} (the cheapest FFM downcall) in this JVM, vs the C loop
 *       {@code kvm_check_extension_loop} run as a child process for one round (it times itself, so
 *       process start-up is not counted).
 * </ul>
 *
 * Usage: {@code PairedRatios <out.json> bringup|ioctl [c-binary] [--quick]}.
 */
public final class PairedRatios {

    /**
     * One round: each side's wall time per operation (µs for bring-up, ns for ioctl) and their ratio,
     * the same in CPU time of the measuring thread (user + system: not inflated while other processes
     * run), and an optional third series {@code c} (NaN if none).
     */
    public record Round(double a, double b, double ratio, double aCpu, double bCpu, double cpuRatio, double c,
            double d, double dCpu) {}

    /**
     * The result.
     *
     * @param a,b            what was compared; the ratio is a / b
     * @param unit           unit of the per-round figures
     * @param c              an optional third series measured in the same rounds ("" if none), ratio c / b
     */
    public record Result(String what, String a, String b, String c, String unit, List<Round> rounds,
            double medianRatio, double q1Ratio, double q3Ratio, double medianA, double medianB, double medianCRatio,
            double medianCpuRatio, double q1CpuRatio, double q3CpuRatio, double medianACpu, double medianBCpu,
            double medianDCpuRatio, double medianDCpu) {}

    static final Pattern C_ROUND = Pattern.compile("^c [^:]+: ([0-9.]+) ns/op.*cpu ([0-9.]+) ns/op");
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private PairedRatios() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: PairedRatios <out.json> bringup|ioctl [c-binary] [--quick]");
            System.exit(2);
        }
        boolean quick = List.of(args).contains("--quick");
        Result r = switch (args[1]) {
            case "bringup" -> bringUp(quick ? 4 : 25, quick ? 100 : 300);
            case "ioctl" -> ioctl(Path.of(args[2]), quick ? 3 : 10, quick ? 200_000 : 1_000_000);
            default -> throw new IllegalArgumentException("unknown comparison " + args[1]);
        };
        write(Path.of(args[0]), r);
        System.err.printf("%s: median ratio %.3f (quartiles %.3f–%.3f), CPU time %.3f (%.3f–%.3f), %d rounds%n",
                r.what(), r.medianRatio(), r.q1Ratio(), r.q3Ratio(), r.medianCpuRatio(), r.q1CpuRatio(),
                r.q3CpuRatio(), r.rounds().size());
    }

    static void write(Path out, Result r) throws IOException {
        Files.createDirectories(out.toAbsolutePath().getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), r);
    }

    /** Target 1: rounds of {@code roundMillis} per side, after 2 s of warm-up per side. */
    public static Result bringUp(int rounds, long roundMillis) {
        try (KvmBackend sim = SimBackends.create();
                DeviceBackend device = new DeviceBackend();
                TdBringUp td = TdBringUp.prepare(sim, 4, 16);
                PlainVmBringUp vm = PlainVmBringUp.prepare(device, 4, 16)) {
            // Warm-up by work, not by the clock: on a busy machine 2 s of wall time can leave C2 without
            // enough invocations, and cold rounds would then count as the simulator's cost.
            warmUp(td::buildAndClose, rounds > 5 ? 3000 : 100, Math.min(2000, roundMillis * 5));
            warmUp(vm::buildAndClose, rounds > 5 ? 300 : 10, Math.min(2000, roundMillis * 5));
            List<Round> out = new ArrayList<>();
            for (int i = 0; i < rounds; i++) {
                double[] a = perOpMicros(td::buildAndClose, roundMillis);
                double[] b = perOpMicros(vm::buildAndClose, roundMillis);
                out.add(new Round(a[0], b[0], a[0] / b[0], a[1], b[1], a[1] / b[1], Double.NaN, Double.NaN,
                        Double.NaN));
            }
            return summarize("TD bring-up: simulated TD / real-kernel plain VM", "simulated TD bring-up (µs)",
                    "real plain-VM bring-up (µs)", "", "µs", out);
        }
    }

    /** Target 2: {@code rounds} of {@code calls} ioctls per side; C runs as a child process per round. */
    public static Result ioctl(Path cBinary, int rounds, long calls) throws IOException, InterruptedException {
        try (DeviceBackend device = new DeviceBackend(); Kvm kvm = Kvm.open(device); FfmFloor floor = new FfmFloor()) {
            int fd = kvm.fd();
            long sink = 0;
            for (int i = 0; i < 300_000; i++) { // C2 compiles the downcall path
                sink += device.ioctl(fd, Ioctls.KVM_CHECK_EXTENSION, KvmConstants.KVM_CAP_VM_TYPES);
                sink += kvm.checkExtension(KvmConstants.KVM_CAP_VM_TYPES);
                sink += floor.ioctl(fd, Ioctls.KVM_CHECK_EXTENSION, KvmConstants.KVM_CAP_VM_TYPES);
            }
            List<Round> out = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                double[] c = runC(cBinary, calls);
                long t0 = System.nanoTime();
                long cpu0 = THREADS.getCurrentThreadCpuTime();
                for (long i = 0; i < calls; i++) {
                    sink += device.ioctl(fd, Ioctls.KVM_CHECK_EXTENSION, KvmConstants.KVM_CAP_VM_TYPES);
                }
                double ffm = (System.nanoTime() - t0) / (double) calls;
                double ffmCpu = (THREADS.getCurrentThreadCpuTime() - cpu0) / (double) calls;
                t0 = System.nanoTime();
                for (long i = 0; i < calls; i++) {
                    sink += kvm.checkExtension(KvmConstants.KVM_CAP_VM_TYPES);
                }
                double client = (System.nanoTime() - t0) / (double) calls;
                t0 = System.nanoTime();
                cpu0 = THREADS.getCurrentThreadCpuTime();
                for (long i = 0; i < calls; i++) {
                    sink += floor.ioctl(fd, Ioctls.KVM_CHECK_EXTENSION, KvmConstants.KVM_CAP_VM_TYPES);
                }
                double fl = (System.nanoTime() - t0) / (double) calls;
                double flCpu = (THREADS.getCurrentThreadCpuTime() - cpu0) / (double) calls;
                out.add(new Round(ffm, c[0], ffm / c[0], ffmCpu, c[1], ffmCpu / c[1], client, fl, flCpu));
            }
            if (sink == 42) {
                System.err.println(sink); // keeps the loops' results alive
            }
            return summarize("KVM_CHECK_EXTENSION round trip: DeviceBackend.ioctl / C ioctl()",
                    "DeviceBackend.ioctl (ns)", "C ioctl() (ns)", "Kvm.checkExtension (ns)", "ns", out);
        }
    }

    /** One round of the C loop: its own wall and CPU ns/op for {@code calls} ioctls. */
    private static double[] runC(Path cBinary, long calls) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cBinary.toString(), Long.toString(calls), "1").redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        for (String line : text.split("\n")) {
            Matcher m = C_ROUND.matcher(line);
            if (m.find()) {
                return new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))};
            }
        }
        throw new IllegalStateException(cBinary + " exited " + rc + " without a figure: " + text.strip());
    }

    /** Runs {@code op} at least {@code times} times and for at least {@code millis} ms. */
    static void warmUp(Runnable op, int times, long millis) {
        long end = System.nanoTime() + millis * 1_000_000L;
        for (int i = 0; i < times || System.nanoTime() < end; i++) {
            op.run();
        }
    }

    /**
     * Mean wall and CPU time per call of {@code op} in µs, calling it for at least {@code millis} ms (at
     * least 3 times).
     */
    static double[] perOpMicros(Runnable op, long millis) {
        long budget = millis * 1_000_000L;
        long n = 0;
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        long elapsed;
        do {
            op.run();
            n++;
            elapsed = System.nanoTime() - t0;
        } while (elapsed < budget || n < 3);
        long cpu = THREADS.getCurrentThreadCpuTime() - cpu0;
        return new double[] {elapsed / 1000.0 / n, cpu / 1000.0 / n};
    }

    static Result summarize(String what, String a, String b, String c, String unit, List<Round> rounds) {
        List<Double> ratios = rounds.stream().map(Round::ratio).sorted().toList();
        List<Double> cRatios = rounds.stream().map(r -> r.c() / r.b()).filter(x -> !Double.isNaN(x)).sorted().toList();
        List<Double> cpuRatios = rounds.stream().map(Round::cpuRatio).sorted().toList();
        return new Result(what, a, b, c, unit, rounds, quantile(ratios, 0.5), quantile(ratios, 0.25),
                quantile(ratios, 0.75), quantile(rounds.stream().map(Round::a).sorted().toList(), 0.5),
                quantile(rounds.stream().map(Round::b).sorted().toList(), 0.5),
                cRatios.isEmpty() ? Double.NaN : quantile(cRatios, 0.5), quantile(cpuRatios, 0.5),
                quantile(cpuRatios, 0.25), quantile(cpuRatios, 0.75),
                quantile(rounds.stream().map(Round::aCpu).sorted().toList(), 0.5),
                quantile(rounds.stream().map(Round::bCpu).sorted().toList(), 0.5),
                quantile(rounds.stream().map(r -> r.dCpu() / r.bCpu()).sorted().toList(), 0.5),
                quantile(rounds.stream().map(Round::dCpu).sorted().toList(), 0.5));
    }

    /** Linear-interpolated quantile of sorted values. */
    static double quantile(List<Double> sorted, double q) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        double pos = q * (sorted.size() - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return sorted.get(lo) + (sorted.get(hi) - sorted.get(lo)) * (pos - lo);
    }
}
