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
import java.util.function.LongSupplier;
import org.tdxsim.kvm.Kvm;
import org.tdxsim.kvm.device.DeviceBackend;
import org.tdxsim.kvm.uapi.Ioctls;
import org.tdxsim.kvm.uapi.KvmConstants;

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

    private DeviceBackend backend;
    private int kvmFd;
    private Kvm kvm;

    @Setup(Level.Trial)
    public void openKvm() {
        backend = new DeviceBackend();
        kvmFd = backend.open(DeviceBackend.DEV_KVM);
        if (kvmFd < 0) {
            backend.close();
            throw new IllegalStateException("cannot open " + DeviceBackend.DEV_KVM + ": errno " + -kvmFd);
        }
        kvm = Kvm.open(backend);
    }

    @TearDown(Level.Trial)
    public void closeKvm() {
        if (kvm != null) {
            kvm.close();
        }
        backend.close();
    }

    /** One ioctl through the device backend's FFM downcall (the transport alone). */
    @Benchmark
    public long deviceBackendCheckExtension() {
        return backend.ioctl(kvmFd, Ioctls.KVM_CHECK_EXTENSION, KvmConstants.KVM_CAP_VM_TYPES);
    }

    /** The same through the typed client ({@code Kvm.checkExtension}: handle checks + the transport). */
    @Benchmark
    public int typedClientCheckExtension() {
        return kvm.checkExtension(KvmConstants.KVM_CAP_VM_TYPES);
    }

    /**
     * Stand-alone run: {@code [iterations] [rounds]} (defaults 2,000,000 and 5). Prints one line per
     * round and variant, then {@code java best: <ns/op>} for the transport (the number to divide by the C
     * baseline's {@code c best}) and {@code java client best: <ns/op>} for the typed client.
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
            double backend = measure("java ffm ioctl", bench::deviceBackendCheckExtension, iterations, rounds);
            double client = measure("java typed client", bench::typedClientCheckExtension, iterations, rounds);
            System.out.printf("java best: %.1f%n", backend);
            System.out.printf("java client best: %.1f%n", client);
        } finally {
            bench.closeKvm();
        }
    }

    private static double measure(String label, LongSupplier call, long iterations, int rounds) {
        long sink = 0;
        for (long i = 0; i < 200_000; i++) { // let C2 compile the downcall path first
            sink += call.getAsLong();
        }
        double best = Double.MAX_VALUE;
        for (int r = 0; r < rounds; r++) {
            long start = System.nanoTime();
            for (long i = 0; i < iterations; i++) {
                long rc = call.getAsLong();
                if (rc < 0) {
                    throw new IllegalStateException("ioctl failed: errno " + -rc);
                }
                sink += rc;
            }
            double ns = (double) (System.nanoTime() - start) / iterations;
            best = Math.min(best, ns);
            System.out.printf("%s KVM_CHECK_EXTENSION: %.1f ns/op (%d calls)%n", label, ns, iterations);
        }
        if (sink == Long.MIN_VALUE) {
            System.out.println(sink); // keeps sink alive
        }
        return best;
    }
}
