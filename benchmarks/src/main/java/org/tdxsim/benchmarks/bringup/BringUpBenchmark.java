package org.tdxsim.benchmarks.bringup;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.tdxsim.kvm.KvmBackend;
import org.tdxsim.kvm.device.DeviceBackend;

/**
 * Issue #7 target 1: a full TD bring-up on the simulated kernel ({@link TdBringUp}: 4 vCPUs, 16
 * measured pages) against the nearest plain-VM bring-up on this machine's real {@code /dev/kvm}
 * ({@link PlainVmBringUp}: 4 vCPUs, a 16-page slot), both through the typed client. The ratio
 * simulated / real is the figure; below 1 means the simulator builds a whole TD faster than the real
 * kernel builds a plain VM.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class BringUpBenchmark {

    /** The simulated kernel with a prepared TD bring-up. */
    @State(Scope.Thread)
    public static class SimulatedTd {
        @Param("4")
        public int vcpus;
        @Param("16")
        public int pages;

        KvmBackend backend;
        TdBringUp bringUp;

        @Setup(Level.Trial)
        public void setUp() {
            backend = SimBackends.create();
            bringUp = TdBringUp.prepare(backend, vcpus, pages);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            bringUp.close();
            backend.close();
        }
    }

    /** The device backend on the real {@code /dev/kvm}, with a prepared plain-VM bring-up. */
    @State(Scope.Thread)
    public static class RealPlainVm {
        @Param("4")
        public int vcpus;
        @Param("16")
        public int pages;

        DeviceBackend backend;
        PlainVmBringUp bringUp;

        @Setup(Level.Trial)
        public void setUp() {
            backend = new DeviceBackend();
            bringUp = PlainVmBringUp.prepare(backend, vcpus, pages);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            bringUp.close();
            backend.close();
        }
    }

    /** CREATE_VM … FINALIZE, close, on the simulated kernel. */
    @Benchmark
    public void simulatedTdBringUp(SimulatedTd s) {
        s.bringUp.buildAndClose();
    }

    /** CREATE_VM, vCPUs + SET_CPUID2, a memory slot, close, on the real kernel. */
    @Benchmark
    public void realKernelPlainVmBringUp(RealPlainVm s) {
        s.bringUp.buildAndClose();
    }
}
