package org.tdxsim.kvm.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.tdxsim.kvm.VcpuFd;
import org.tdxsim.kvm.sim.SimulatedKernel;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmTdxInitMemRegion;

/**
 * Eight threads drive one simulated kernel through the typed client: each builds and closes TDs of its
 * own while all of them query and populate one shared TD (CAPABILITIES, GET_CPUID, KVM_GET_CPUID2,
 * CHECK_EXTENSION, INIT_MEM_REGION of distinct pages). The kernel serializes ioctls like one big
 * {@code kvm->lock}, so every call must succeed exactly as it would alone; no exception, no lost page
 * (the shared TD holds exactly the pages the threads were told were added and then finalizes), no torn
 * answer (every GET_CPUID equals the first), and nothing is left once every fd is closed.
 */
class KernelStressTest {

    static final int THREADS = 8;

    @Test
    void eightThreadsOnOneKernel() throws Exception {
        System.out.println("[rel] kernel stress: " + stress(400, 1));
    }

    @Test
    @Tag("long")
    void eightThreadsOnOneKernelLong() throws Exception {
        System.out.println("[rel] kernel stress (long): " + stress(20_000, 2));
    }

    static String stress(int opsPerThread, long seed) throws Exception {
        SimulatedKernel k = TdFlow.kernel();
        int pages = THREADS * opsPerThread;
        TdFlow shared = new TdFlow(k).createVm().initVm();
        VcpuFd v0 = shared.vcpu(0);
        shared.vcpu(1);
        shared.privateMemory(pages);
        KvmCpuid2 reference = v0.tdxGetCpuid(KvmConstants.KVM_MAX_CPUID_ENTRIES);
        AtomicInteger nextPage = new AtomicInteger();
        AtomicLong added = new AtomicLong();
        AtomicLong ownTds = new AtomicLong();
        AtomicLong ioctls = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<Future<?>> done = new ArrayList<>();
        try {
            for (int t = 0; t < THREADS; t++) {
                SplittableRandom rnd = new SplittableRandom(seed * 131 + t);
                done.add(pool.submit(() -> {
                    start.await();
                    // user memory of this thread (confined arenas, like one per VMM thread)
                    try (Arena mine = k.memory().openArena()) {
                        MemorySegment src = mine.allocate(4096, 4096);
                        for (int i = 0; i < opsPerThread; i++) {
                            int op = rnd.nextInt(100);
                            VcpuFd v = shared.vcpus.get(rnd.nextInt(2));
                            if (op < 5) {
                                try (TdFlow own = new TdFlow(k)) {
                                    own.all(1);
                                }
                                ownTds.incrementAndGet();
                                ioctls.addAndGet(20);
                            } else if (op < 40) {
                                int p = nextPage.getAndIncrement();
                                long gpa = TdFlow.MEM_BASE + p * 4096L;
                                src.fill((byte) p);
                                KvmTdxInitMemRegion r = v.tdxInitMemRegion(new KvmTdxInitMemRegion(src.address(), gpa, 1),
                                        rnd.nextBoolean());
                                assertThat(r.nrPages()).isZero();
                                added.incrementAndGet();
                                ioctls.incrementAndGet();
                            } else if (op < 60) {
                                assertThat(v.tdxGetCpuid(KvmConstants.KVM_MAX_CPUID_ENTRIES)).isEqualTo(reference);
                                ioctls.incrementAndGet();
                            } else if (op < 80) {
                                assertThat(shared.vm.tdxCapabilities(64).cpuid().entries())
                                        .isEqualTo(shared.caps.cpuid().entries());
                                ioctls.incrementAndGet();
                            } else {
                                assertThat(shared.vm.checkExtension(KvmConstants.KVM_CAP_VM_TYPES) >>> 5 & 1).isEqualTo(1);
                                assertThat(v.getCpuid2(KvmConstants.KVM_MAX_CPUID_ENTRIES).entries()).isNotEmpty();
                                ioctls.addAndGet(2);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> d : done) {
                d.get(10, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(1, TimeUnit.MINUTES)).isTrue();
        }
        assertThat(k.vmView(shared.vm.fd()).orElseThrow().privatePages()).as("pages the threads added")
                .isEqualTo((int) added.get());
        shared.vm.tdxFinalizeVm();
        shared.close();
        IoctlFuzzTest.assertClean(k, "after the stress run");
        return THREADS + " threads × " + opsPerThread + " operations (" + ioctls.get() + " ioctls, " + added.get()
                + " pages added to the shared TD, " + ownTds.get() + " own TDs created and closed), 0 leaks";
    }
}
