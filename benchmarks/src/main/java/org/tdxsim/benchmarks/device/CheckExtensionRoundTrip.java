package org.tdxsim.benchmarks.device;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.tdxsim.kvm.device.DeviceBackend;

/**
 * The cost of one {@code java.lang.foreign} round trip into the kernel: {@code KVM_CHECK_EXTENSION
 * (KVM_CAP_VM_TYPES)} on {@code /dev/kvm} through {@link DeviceBackend#ioctl} (a confined arena per
 * call, errno captured by the linker, variadic downcall). {@code benchmarks/src/main/c/
 * kvm_check_extension_loop.c} issues the same ioctl from C, so the two give the FFM overhead ratio.
 *
 * <p>Usable two ways: as a JMH benchmark ({@code @Benchmark} methods, once the benchmarks module runs
 * the JMH annotation processor), or stand-alone through {@link #main} (a warmed-up loop printing
 * ns/op in the C program's format), which needs only the kvm-model jar and
 * {@code --enable-native-access=ALL-UNNAMED}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class CheckExtensionRoundTrip {

    /** KVM_CHECK_EXTENSION = _IO(KVMIO, 0x03), uapi §1. */
    static final long KVM_CHECK_EXTENSION = 0xAE03L;
    /** KVM_CAP_VM_TYPES = 235, uapi §1. */
    static final long KVM_CAP_VM_TYPES = 235;

    private DeviceBackend backend;
    private int kvmFd;

    @Setup(Level.Trial)
    public void openKvm() {
        backend = new DeviceBackend();
        kvmFd = backend.open(DeviceBackend.DEV_KVM);
        if (kvmFd < 0) {
            backend.close();
            throw new IllegalStateException("cannot open " + DeviceBackend.DEV_KVM + ": errno " + -kvmFd);
        }
    }

    @TearDown(Level.Trial)
    public void closeKvm() {
        backend.close();
    }

    /** One ioctl through the device backend's FFM downcall. */
    @Benchmark
    public long deviceBackendCheckExtension() {
        return backend.ioctl(kvmFd, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES);
    }

    /**
     * Stand-alone run: {@code [iterations] [rounds]} (defaults 2,000,000 and 5). Prints one line per
     * round and the best round, like the C baseline, so a harness can divide the two "best" values.
     */
    public static void main(String[] args) {
        long iterations = args.length > 0 ? Long.parseLong(args[0]) : 2_000_000L;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        CheckExtensionRoundTrip bench = new CheckExtensionRoundTrip();
        try {
            bench.openKvm();
        } catch (IllegalStateException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        }
        try {
            long sink = 0;
            for (long i = 0; i < 200_000; i++) { // let C2 compile the downcall path first
                sink += bench.deviceBackendCheckExtension();
            }
            double best = Double.MAX_VALUE;
            for (int r = 0; r < rounds; r++) {
                long start = System.nanoTime();
                for (long i = 0; i < iterations; i++) {
                    long rc = bench.deviceBackendCheckExtension();
                    if (rc < 0) {
                        throw new IllegalStateException("ioctl failed: errno " + -rc);
                    }
                    sink += rc;
                }
                double ns = (double) (System.nanoTime() - start) / iterations;
                best = Math.min(best, ns);
                System.out.printf("java ffm ioctl KVM_CHECK_EXTENSION: %.1f ns/op (%d calls)%n", ns, iterations);
            }
            System.out.printf("java best: %.1f%n", best);
            if (sink == Long.MIN_VALUE) {
                System.out.println(sink); // keeps sink alive
            }
        } finally {
            bench.closeKvm();
        }
    }
}
