package org.tdxsim.benchmarks.profile;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;
import org.tdxsim.benchmarks.bringup.SimBackends;
import org.tdxsim.benchmarks.bringup.TdBringUp;
import org.tdxsim.benchmarks.module.Inputs;
import org.tdxsim.kvm.KvmBackend;
import org.tdxsim.module.cpuid.CpuidClassifier;
import org.tdxsim.module.cpuid.CpuidLeaf;
import org.tdxsim.module.cpuid.CpuidRegs;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.ModuleProfiles;

/**
 * Issue #7 target 6, the profile: runs the simulated TD bring-up of target 1 in a loop under Java
 * Flight Recorder ({@code profile} settings, started in-process) and condenses the recording into
 * what dominates — per method, the share of execution samples where it is the top frame (self) and
 * where it is anywhere on the stack (total), plus the allocation samples by allocating method.
 *
 * <p>Usage: {@code BringUpProfile <out.json> [seconds] [recording.jfr]}. The JSON is read by
 * {@link org.tdxsim.benchmarks.report.ResultsPage}; the .jfr is kept for JMC / {@code jfr print}.
 */
public final class BringUpProfile {

    /** One method's share. {@code selfShare}/{@code totalShare} are fractions of all samples. */
    public record MethodShare(String method, double selfShare, double totalShare) {}

    /** One allocating method's share of the sampled allocation weight (bytes). */
    public record AllocationShare(String method, double share, long weightBytes) {}

    /** One step of the bring-up (the typed-client call the bring-up made) and its share of samples. */
    public record StepShare(String step, double share) {}

    public record Profile(double seconds, long bringUps, double microsPerBringUp, long executionSamples,
            List<StepShare> bySteps, List<MethodShare> bySelf, List<MethodShare> byTotal,
            List<AllocationShare> allocations, String recording) {}

    static final String BUILD = "org.tdxsim.benchmarks.bringup.TdBringUp.build";
    static final String CLOSE = "org.tdxsim.benchmarks.bringup.TdBringUp$Td.close";

    static final int TOP = 60;

    private BringUpProfile() {}

    public static void main(String[] args) throws IOException, ParseException {
        if (args.length < 1) {
            System.err.println("usage: BringUpProfile <out.json> [seconds] [recording.jfr] [bringup|classify]");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 10;
        Path jfr = args.length > 2 ? Path.of(args[2]) : Files.createTempFile("tdxsim-bringup", ".jfr");
        String workload = args.length > 3 ? args[3] : "bringup";
        Profile p = switch (workload) {
            case "bringup" -> record(seconds, jfr);
            case "classify" -> recordClassify(seconds, jfr);
            default -> throw new IllegalArgumentException("unknown workload " + workload);
        };
        write(out, p);
    }

    static void write(Path out, Object value) throws IOException {
        Files.createDirectories(out.toAbsolutePath().getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), value);
    }

    /** The target-1 bring-up: warms up (3000 bring-ups, at least a third of {@code seconds}), then records. */
    public static Profile record(double seconds, Path jfr) throws IOException, ParseException {
        try (KvmBackend sim = SimBackends.create(); TdBringUp b = TdBringUp.prepare(sim, 4, 16)) {
            return record(seconds, jfr, b::buildAndClose, 3000);
        }
    }

    /** {@code CpuidClassifier.classify} with the module benchmark's input (target 6). */
    public static Profile recordClassify(double seconds, Path jfr) throws IOException, ParseException {
        ModuleProfile m = ModuleProfiles.latest();
        PlatformProfile p = PlatformProfiles.defaultPlatform();
        Map<CpuidLeaf, CpuidRegs> request = Inputs.cpuidRequest(m, p);
        long xfam = Inputs.xfam(p);
        return record(seconds, jfr, () -> CpuidClassifier.classify(m, p, request, 1L << 28, xfam, 0, 100), 1000);
    }

    private static Profile record(double seconds, Path jfr, Runnable op, int warmUpTimes)
            throws IOException, ParseException {
        long ops = 0;
        long measuredNanos;
        long warm = System.nanoTime() + (long) (seconds / 3 * 1e9);
        for (int i = 0; i < warmUpTimes || System.nanoTime() < warm; i++) { // by work and by the clock
            op.run();
        }
        try (Recording r = new Recording(Configuration.getConfiguration("profile"))) {
            r.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(2));
            r.start();
            long t0 = System.nanoTime();
            long end = t0 + (long) (seconds * 2 / 3 * 1e9);
            while (System.nanoTime() < end) {
                op.run();
                ops++;
            }
            measuredNanos = System.nanoTime() - t0;
            r.stop();
            Files.createDirectories(jfr.toAbsolutePath().getParent());
            r.dump(jfr);
        }
        return analyse(jfr, measuredNanos / 1e9, ops, Thread.currentThread().getName());
    }

    /**
     * Condenses a recording: execution and allocation samples of thread {@code thread} (the loop's; ""
     * for all threads), minus JFR's own work (its start-up instruments classes on the recorded thread).
     */
    public static Profile analyse(Path jfr, double seconds, long bringUps, String thread) throws IOException {
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> total = new HashMap<>();
        Map<String, Long> alloc = new HashMap<>();
        Map<String, Integer> steps = new HashMap<>();
        long samples = 0;
        long allocTotal = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
            String type = e.getEventType().getName();
            RecordedStackTrace st = e.getStackTrace();
            if (st == null || st.getFrames().isEmpty() || !onThread(e, thread) || isJfrWork(st)) {
                continue;
            }
            if (type.equals("jdk.ExecutionSample")) {
                samples++;
                List<RecordedFrame> frames = st.getFrames();
                self.merge(name(frames.getFirst()), 1, Integer::sum);
                steps.merge(step(frames), 1, Integer::sum);
                Set<String> seen = new HashSet<>();
                for (RecordedFrame f : frames) {
                    String n = name(f);
                    if (seen.add(n)) {
                        total.merge(n, 1, Integer::sum);
                    }
                }
            } else if (type.equals("jdk.ObjectAllocationSample")) {
                long w = e.getLong("weight");
                allocTotal += w;
                alloc.merge(firstOwnFrame(st), w, Long::sum);
            }
        }
        final long n = Math.max(1, samples);
        List<MethodShare> bySelf = top(self, total, n, true);
        List<MethodShare> byTotal = top(self, total, n, false);
        final long a = Math.max(1, allocTotal);
        List<AllocationShare> allocations = alloc.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(TOP)
                .map(en -> new AllocationShare(en.getKey(), (double) en.getValue() / a, en.getValue())).toList();
        List<StepShare> bySteps = steps.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .map(en -> new StepShare(en.getKey(), en.getValue() / (double) n)).toList();
        return new Profile(seconds, bringUps, bringUps == 0 ? 0 : seconds * 1e6 / bringUps, samples, bySteps, bySelf,
                byTotal, allocations, jfr.toString());
    }

    /**
     * The bring-up step a sample belongs to: the typed-client call {@link TdBringUp} made (the frame just
     * above {@code TdBringUp.build}), "close (teardown)" under {@code Td.close}, else "harness / other".
     */
    static String step(List<RecordedFrame> frames) {
        for (int i = 0; i < frames.size(); i++) {
            String n = name(frames.get(i));
            if (n.equals(CLOSE)) {
                return "close of the vCPU, guest_memfd and VM fds (teardown)";
            }
            if (n.equals(BUILD)) {
                if (i == 0) {
                    return "TdBringUp.build itself";
                }
                String callee = name(frames.get(i - 1));
                return callee.substring(callee.lastIndexOf('.', callee.lastIndexOf('.') - 1) + 1);
            }
        }
        return "harness / other";
    }

    private static List<MethodShare> top(Map<String, Integer> self, Map<String, Integer> total, long n,
            boolean bySelf) {
        Map<String, Integer> key = bySelf ? self : total;
        List<MethodShare> out = new ArrayList<>();
        key.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .filter(e -> bySelf || isInteresting(e.getKey())).limit(TOP)
                .forEach(e -> out.add(new MethodShare(e.getKey(), self.getOrDefault(e.getKey(), 0) / (double) n,
                        total.getOrDefault(e.getKey(), 0) / (double) n)));
        out.sort(Comparator.comparingDouble(bySelf ? MethodShare::selfShare : MethodShare::totalShare).reversed());
        return out;
    }

    /** For the inclusive list: tdxsim's own methods (the harness loop and JDK frames would top it trivially). */
    private static boolean isInteresting(String method) {
        return method.startsWith("org.tdxsim.") && !method.startsWith("org.tdxsim.benchmarks.");
    }

    /** The allocation's first tdxsim frame (else its top frame), so JDK internals map to their caller. */
    private static String firstOwnFrame(RecordedStackTrace st) {
        for (RecordedFrame f : st.getFrames()) {
            String n = name(f);
            if (isInteresting(n)) {
                return n;
            }
        }
        return name(st.getFrames().getFirst());
    }

    /** {@code thread} "" accepts every thread. */
    private static boolean onThread(RecordedEvent e, String thread) {
        if (thread.isEmpty()) {
            return true;
        }
        RecordedThread t = e.hasField("sampledThread") ? e.getThread("sampledThread") : e.getThread();
        return t != null && thread.equals(t.getJavaName());
    }

    private static boolean isJfrWork(RecordedStackTrace st) {
        return st.getFrames().stream().anyMatch(f -> f.getMethod().getType().getName().startsWith("jdk.jfr."));
    }

    private static String name(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }
}
