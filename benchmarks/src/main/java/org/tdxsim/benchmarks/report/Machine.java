package org.tdxsim.benchmarks.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * The machine a run measured, as the results page states it: CPU count, CPU model (from
 * {@code /proc/cpuinfo}), kernel, memory, JDK, and whether this is a virtual machine (the
 * {@code hypervisor} CPU flag: then {@code /dev/kvm} is nested virtualization).
 *
 * <p>{@code main} prints the description as JSON ({@code benchmarks/run} stores it as
 * {@code raw/machine.json}).
 */
public record Machine(int nproc, String cpuModel, String kernel, String memTotal, String jdk, String jvm,
        boolean hypervisor, String date) {

    public static Machine describe() {
        return describe(Path.of("/proc"));
    }

    /** Reads {@code cpuinfo}, {@code meminfo} and {@code sys/kernel/osrelease} under {@code proc}. */
    static Machine describe(Path proc) {
        List<String> cpuinfo = lines(proc.resolve("cpuinfo"));
        String model = field(cpuinfo, "model name").orElse("unknown");
        boolean hypervisor = field(cpuinfo, "flags").map(f -> List.of(f.split(" ")).contains("hypervisor"))
                .orElse(false);
        String kernel = lines(proc.resolve("sys/kernel/osrelease")).stream().findFirst()
                .orElse(System.getProperty("os.version"));
        String mem = field(lines(proc.resolve("meminfo")), "MemTotal").map(Machine::gib).orElse("unknown");
        String jdk = System.getProperty("java.vendor") + " " + System.getProperty("java.runtime.version");
        String jvm = System.getProperty("java.vm.name") + " (" + System.getProperty("java.vm.info") + ")";
        return new Machine(Runtime.getRuntime().availableProcessors(), model, kernel, mem, jdk, jvm, hypervisor,
                OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS).toString());
    }

    private static List<String> lines(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (IOException e) {
            return List.of();
        }
    }

    private static Optional<String> field(List<String> lines, String key) {
        for (String l : lines) {
            int colon = l.indexOf(':');
            if (colon > 0 && l.substring(0, colon).trim().equals(key)) {
                return Optional.of(l.substring(colon + 1).trim());
            }
        }
        return Optional.empty();
    }

    /** "24566052 kB" → "23.4 GiB". */
    private static String gib(String kb) {
        try {
            long k = Long.parseLong(kb.replace("kB", "").trim());
            return String.format("%.1f GiB", k / 1024.0 / 1024.0);
        } catch (NumberFormatException e) {
            return kb;
        }
    }

    public static void main(String[] args) throws IOException {
        System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(describe()));
    }
}
