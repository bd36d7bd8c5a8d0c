package org.tdxsim.module.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.tdxsim.module.ReliabilityProbe;
import org.tdxsim.module.Registers;
import org.tdxsim.module.SeamcallResult;
import org.tdxsim.module.TdxModule;

/**
 * Eight threads, each a logical processor, hammer one module: they add vCPUs, S-EPT pages and private
 * pages to two shared TDs (racing on the same S-EPT entries and GPAs), read TD metadata, extend the
 * measurement, and meanwhile build and tear down TDs of their own. Every SEAMCALL result must be one
 * the real module can give for that race — success, {@code TDX_OPERAND_BUSY|operand} (then retried, as
 * the kernel does), or the entry-state status of an S-EPT entry another LP filled first — and no call
 * may throw. Afterwards nothing is lost or torn: each shared TD's CHLDCNT equals the pages the threads
 * were told were added, every added page holds exactly its source bytes, NUM_VCPUS equals the successful
 * TDH.VP.INITs, and after teardown no TD, HKID, PAMT page or lock is left (abi §2.3, §7.2–§7.4).
 */
class ModuleStressTest {

    static final int THREADS = 8;
    /** 32 MiB of GPA: 16 × 2 MiB regions, so threads collide on the same S-EPT entries. */
    static final int REGIONS = 16;

    @Test
    void eightThreadsSharedAndSeparateTds() throws Exception {
        Figures f = stress(THREADS, 1_500, 1);
        System.out.println("[rel] module stress: " + f);
    }

    @Test
    @Tag("long")
    void eightThreadsSharedAndSeparateTdsLong() throws Exception {
        Figures f = stress(THREADS, 100_000, 2);
        System.out.println("[rel] module stress (long): " + f);
    }

    record Figures(int threads, long operations, long seamcalls, long busyRetries, long separateTdCycles) {
        @Override
        public String toString() {
            return threads + " threads × " + operations / threads + " operations = " + operations + " operations, "
                    + seamcalls + " SEAMCALLs, " + busyRetries + " TDX_OPERAND_BUSY retries, " + separateTdCycles
                    + " separate-TD create/teardown cycles";
        }
    }

    /** A shared TD and what the threads were told was added to it. */
    static final class Shared {
        final ModuleTds.Td td;
        final Map<Long, byte[]> pageContent = new ConcurrentHashMap<>();
        final Set<Long> mappedGpas = ConcurrentHashMap.newKeySet();
        final AtomicLong septAdded = new AtomicLong();
        final AtomicLong vcpuPages = new AtomicLong();
        final AtomicLong vcpusInit = new AtomicLong();
        final List<Long> tdvprs = new ArrayList<>();

        Shared(ModuleTds.Td td) {
            this.td = td;
        }
    }

    final AtomicLong seamcalls = new AtomicLong();
    final AtomicLong busy = new AtomicLong();
    final AtomicLong cycles = new AtomicLong();

    Figures stress(int threads, int opsPerThread, long seed) throws Exception {
        TdxModule m = ModuleTds.ready("1.5.06");
        int g = m.globalPrivateHkid();
        List<Shared> shared = List.of(new Shared(ModuleTds.initialized(m, g + 9, false, threads)),
                new Shared(ModuleTds.initialized(m, g + 10, true, threads)));
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<?>> done = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                int lp = t;
                done.add(pool.submit(() -> {
                    start.await();
                    worker(m, lp, g + 1 + lp, shared, opsPerThread, new SplittableRandom(seed * 31 + lp));
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
        for (Shared s : shared) {
            verify(m, s);
        }
        for (Shared s : shared) {
            ModuleTds.teardown(s.td);
        }
        assertThat(m.liveTds()).isZero();
        assertThat(m.hkidsInUse()).as("only the global HKID").isEqualTo(1);
        assertThat(m.assignedPages()).isEmpty();
        assertThat(ReliabilityProbe.liveVcpus(m)).isZero();
        return new Figures(threads, (long) threads * opsPerThread, seamcalls.get(), busy.get(), cycles.get());
    }

    /** No lost or torn state on a shared TD. */
    private void verify(TdxModule m, Shared s) {
        long tdcs = s.td.tdcs.size();
        assertThat(ReliabilityProbe.childCount(m, s.td.tdr)).as("CHLDCNT = TDCS + vCPU + S-EPT + private pages")
                .isEqualTo(tdcs + s.vcpuPages.get() + s.septAdded.get() + s.pageContent.size());
        assertThat(ReliabilityProbe.septEntries(m, s.td.tdr)).as("S-EPT entries = non-leaf + leaf mappings")
                .isEqualTo(s.septAdded.get() + s.mappedGpas.size());
        assertThat(s.mappedGpas).hasSameSizeAs(s.pageContent.keySet());
        SeamcallResult numVcpus = m.tdhMngRd(s.td.tdr, 0x9010000200000001L, 0);
        assertThat(numVcpus.r8()).as("TDCS.NUM_VCPUS").isEqualTo(s.vcpusInit.get());
        for (var e : s.pageContent.entrySet()) {
            assertThat(ReliabilityProbe.readAsModule(m, e.getKey(), 4096)).as("content of private page %x", e.getKey())
                    .isEqualTo(e.getValue());
        }
        assertThat(ReliabilityProbe.allLocksFree(m, s.td.allPages())).isTrue();
    }

    // ---------------------------------------------------------------- one thread

    private void worker(TdxModule m, int lp, int ownHkid, List<Shared> shared, int ops, SplittableRandom rnd) {
        for (Shared s : shared) {
            addVcpu(m, lp, s);
        }
        for (int i = 0; i < ops; i++) {
            Shared s = shared.get(rnd.nextInt(shared.size()));
            int op = rnd.nextInt(100);
            if (op < 35) {
                long gpa = (long) rnd.nextInt(REGIONS) << 21;
                ensureSept(m, lp, s, gpa);
            } else if (op < 60) {
                long gpa = ((long) rnd.nextInt(REGIONS) << 21) | ((long) rnd.nextInt(8) << 12);
                ensureSept(m, lp, s, gpa);
                pageAdd(m, lp, s, gpa, (byte) rnd.nextInt(256));
            } else if (op < 80) {
                read(m, lp, s);
            } else if (op < 95) {
                long gpa = ((long) rnd.nextInt(REGIONS) << 21) | ((long) rnd.nextInt(8) << 12) | ((long) rnd.nextInt(16) << 8);
                extend(m, lp, s, gpa);
            } else {
                ownTdCycle(m, lp, ownHkid);
            }
        }
    }

    /** One SEAMCALL, retried while the module answers TDX_OPERAND_BUSY (any operand); the final result. */
    private SeamcallResult call(TdxModule m, int lp, Registers in) {
        long busyBase = m.profile().status("TDX_OPERAND_BUSY");
        for (int attempt = 0; attempt < 1_000_000; attempt++) {
            SeamcallResult r = m.seamcall(lp, in);
            seamcalls.incrementAndGet();
            if ((r.rax() & 0xFFFF_FFFF_0000_0000L) != busyBase) {
                return r;
            }
            assertThat(m.profile().operandName((int) r.rax())).as("BUSY carries a known operand id: %s", r).isPresent();
            busy.incrementAndGet();
            Thread.onSpinWait();
        }
        throw new AssertionError("still busy after 1,000,000 attempts: livelock on " + in);
    }

    private static Registers regs(int leaf, long rcx, long rdx, long r8, long r9) {
        return new Registers(Registers.raxFor(leaf, 0), rcx, rdx, r8, r9, 0, 0);
    }

    private void expect(TdxModule m, SeamcallResult r, String what, String... allowed) {
        for (String a : allowed) {
            String[] p = a.split("\\|");
            long v = p.length == 2 ? m.profile().status(p[0], p[1]) : m.profile().status(p[0]);
            if (r.rax() == v) {
                return;
            }
        }
        throw new AssertionError(what + ": " + r + " — " + r.explanation() + " is not one of " + List.of(allowed));
    }

    private void addVcpu(TdxModule m, int lp, Shared s) {
        long tdvpr = m.memory().allocatePage();
        SeamcallResult r = call(m, lp, regs(10, tdvpr, s.td.tdr, 0, 0));
        expect(m, r, "TDH.VP.CREATE", "TDX_SUCCESS");
        s.vcpuPages.incrementAndGet();
        for (int i = 1; i < ModuleTds.minTdvps(m); i++) {
            long p = m.memory().allocatePage();
            expect(m, call(m, lp, regs(4, p, tdvpr, 0, 0)), "TDH.VP.ADDCX", "TDX_SUCCESS");
            s.vcpuPages.incrementAndGet();
            synchronized (s) {
                s.td.vcpuPages.add(p);
            }
        }
        expect(m, call(m, lp, regs(22, tdvpr, 0, 0, 0)), "TDH.VP.INIT", "TDX_SUCCESS");
        s.vcpusInit.incrementAndGet();
        synchronized (s) {
            s.td.tdvprs.add(tdvpr);
            s.td.vcpuLp.add(lp);
        }
    }

    /** Levels 3..1 for {@code gpa}; an entry another LP added first is TDX_EPT_ENTRY_STATE_INCORRECT|RCX. */
    private void ensureSept(TdxModule m, int lp, Shared s, long gpa) {
        for (int level = 3; level >= 1; level--) {
            long aligned = gpa & -(1L << (12 + 9 * level));
            long page = m.memory().allocatePage();
            SeamcallResult r = call(m, lp, regs(3, aligned | level, s.td.tdr, page, 0));
            expect(m, r, "TDH.MEM.SEPT.ADD", "TDX_SUCCESS", "TDX_EPT_ENTRY_STATE_INCORRECT|RCX");
            if (r.isSuccess()) {
                s.septAdded.incrementAndGet();
                synchronized (s) {
                    s.td.septPages.add(page);
                }
            } else {
                m.memory().freePage(page);
            }
        }
    }

    private void pageAdd(TdxModule m, int lp, Shared s, long gpa, byte fill) {
        long src = m.memory().allocatePage();
        long target = m.memory().allocatePage();
        byte[] content = new byte[4096];
        java.util.Arrays.fill(content, fill);
        content[0] = (byte) lp;
        m.memory().write(src, content);
        SeamcallResult r = call(m, lp, regs(2, gpa, s.td.tdr, target, src));
        m.memory().freePage(src);
        expect(m, r, "TDH.MEM.PAGE.ADD", "TDX_SUCCESS", "TDX_EPT_ENTRY_STATE_INCORRECT|RCX");
        if (r.isSuccess()) {
            assertThat(s.mappedGpas.add(gpa)).as("GPA %x mapped twice", gpa).isTrue();
            s.pageContent.put(target, content);
            synchronized (s) {
                s.td.privatePages.add(target);
            }
        } else {
            m.memory().freePage(target);
        }
    }

    private void read(TdxModule m, int lp, Shared s) {
        // NUM_VCPUS, OP_STATE, ATTRIBUTES, TDR.CHLDCNT — all host-readable in production (abi §6.5)
        long[] ids = {0x9010000200000001L, 0x9010000200000004L, 0x1110000300000000L, 0x8010000300000004L};
        for (long id : ids) {
            SeamcallResult r = call(m, lp, new Registers(Registers.raxFor(11, 0), s.td.tdr, id, 0, 0, 0, 0));
            expect(m, r, "TDH.MNG.RD", "TDX_SUCCESS");
        }
    }

    private void extend(TdxModule m, int lp, Shared s, long gpa) {
        boolean mapped = s.mappedGpas.contains(gpa & ~0xFFFL);
        SeamcallResult r = call(m, lp, regs(16, gpa, s.td.tdr, 0, 0));
        if (mapped) {
            expect(m, r, "TDH.MR.EXTEND of a mapped GPA", "TDX_SUCCESS");
        } else {
            expect(m, r, "TDH.MR.EXTEND", "TDX_SUCCESS", "TDX_EPT_ENTRY_NOT_PRESENT|RCX");
        }
    }

    /** A whole TD of this thread's own, from CREATE to the TDR's reclaim, on this LP. */
    private void ownTdCycle(TdxModule m, int lp, int hkid) {
        List<Long> pages = new ArrayList<>();
        long tdr = m.memory().allocatePage();
        expect(m, call(m, lp, regs(9, tdr, hkid, 0, 0)), "TDH.MNG.CREATE", "TDX_SUCCESS");
        expect(m, call(m, lp, regs(8, tdr, 0, 0, 0)), "TDH.MNG.KEY.CONFIG", "TDX_SUCCESS");
        for (int i = 0; i < ModuleTds.minTdcs(m); i++) {
            long p = m.memory().allocatePage();
            pages.add(p);
            expect(m, call(m, lp, regs(1, p, tdr, 0, 0)), "TDH.MNG.ADDCX", "TDX_SUCCESS");
        }
        long params = ModuleTds.tdParams(m, false, 1);
        expect(m, call(m, lp, regs(21, tdr, params, 0, 0)), "TDH.MNG.INIT", "TDX_SUCCESS");
        m.memory().freePage(params);
        long tdvpr = m.memory().allocatePage();
        pages.add(tdvpr);
        expect(m, call(m, lp, regs(10, tdvpr, tdr, 0, 0)), "TDH.VP.CREATE", "TDX_SUCCESS");
        for (int i = 1; i < ModuleTds.minTdvps(m); i++) {
            long p = m.memory().allocatePage();
            pages.add(p);
            expect(m, call(m, lp, regs(4, p, tdvpr, 0, 0)), "TDH.VP.ADDCX", "TDX_SUCCESS");
        }
        expect(m, call(m, lp, regs(22, tdvpr, 0, 0, 0)), "TDH.VP.INIT", "TDX_SUCCESS");
        expect(m, call(m, lp, regs(17, tdr, 0, 0, 0)), "TDH.MR.FINALIZE", "TDX_SUCCESS");
        expect(m, call(m, lp, regs(18, tdvpr, 0, 0, 0)), "TDH.VP.FLUSH", "TDX_SUCCESS");
        expect(m, call(m, lp, regs(19, tdr, 0, 0, 0)), "TDH.MNG.VPFLUSHDONE", "TDX_SUCCESS");
        expect(m, call(m, lp, regs(40, 0, 0, 0, 0)), "TDH.PHYMEM.CACHE.WB", "TDX_SUCCESS");
        expect(m, call(m, lp, regs(20, tdr, 0, 0, 0)), "TDH.MNG.KEY.FREEID", "TDX_SUCCESS");
        for (long p : pages) {
            expect(m, call(m, lp, regs(28, p, 0, 0, 0)), "TDH.PHYMEM.PAGE.RECLAIM", "TDX_SUCCESS");
            m.memory().freePage(p);
        }
        expect(m, call(m, lp, regs(28, tdr, 0, 0, 0)), "TDH.PHYMEM.PAGE.RECLAIM TDR", "TDX_SUCCESS");
        m.memory().freePage(tdr);
        cycles.incrementAndGet();
    }
}
