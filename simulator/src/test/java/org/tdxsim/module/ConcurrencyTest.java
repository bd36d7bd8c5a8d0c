package org.tdxsim.module;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;

/**
 * Concurrent SEAMCALLs on different LPs: the module's try-locks turn contention into
 * TDX_OPERAND_BUSY | operand (abi §2.3, §7.4), never into lost or doubled state. Each test asserts
 * invariants that hold for every interleaving, so it cannot pass by luck of scheduling.
 */
class ConcurrencyTest {

    private static final int THREADS = 8;
    private ExecutorService pool;

    @BeforeEach
    void start() {
        pool = Executors.newFixedThreadPool(THREADS);
    }

    @AfterEach
    void stop() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private List<SeamcallResult> race(List<Callable<SeamcallResult>> calls) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<SeamcallResult>> fs = new ArrayList<>();
        for (Callable<SeamcallResult> c : calls) {
            fs.add(pool.submit(() -> {
                go.await();
                return c.call();
            }));
        }
        go.countDown();
        List<SeamcallResult> out = new ArrayList<>();
        for (Future<SeamcallResult> f : fs) {
            out.add(f.get(30, TimeUnit.SECONDS));
        }
        return out;
    }

    /** Many LPs create a TD on the same TDR page with different HKIDs: exactly one wins, the rest see BUSY or a used page. */
    @RepeatedTest(5)
    void sameTdrPage() throws Exception {
        TdxModule m = Fixtures.ready("1.5.06");
        long tdr = m.memory().allocatePage();
        List<Callable<SeamcallResult>> calls = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            int lp = i;
            int hkid = m.privateHkidMin() + 1 + i;
            calls.add(() -> m.seamcall(lp, new Registers(Leaf.TDH_MNG_CREATE.number(), tdr, hkid, 0, 0, 0, 0)));
        }
        List<SeamcallResult> rs = race(calls);
        long busy = Fixtures.status(m, "TDX_OPERAND_BUSY", "RCX");
        long used = Fixtures.status(m, "TDX_PAGE_METADATA_INCORRECT", "RCX");
        assertThat(rs).filteredOn(SeamcallResult::isSuccess).hasSize(1);
        assertThat(rs).allSatisfy(r -> assertThat(r.rax()).isIn(0L, busy, used));
        int assigned = 0;
        for (int i = 0; i < THREADS; i++) {
            if (m.kotState(m.privateHkidMin() + 1 + i) == KotState.HKID_ASSIGNED) {
                assigned++;
            }
        }
        assertThat(assigned).isEqualTo(1);
        assertThat(m.liveTds()).isEqualTo(1);
    }

    /** Many LPs create TDs with the same HKID on different pages: one wins; the others see HKID_NOT_FREE, BUSY|KOT. */
    @RepeatedTest(5)
    void sameHkid() throws Exception {
        TdxModule m = Fixtures.ready("2.0.08");
        int hkid = m.privateHkidMin() + 1;
        List<Callable<SeamcallResult>> calls = new ArrayList<>();
        List<Long> pages = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            int lp = i;
            long tdr = m.memory().allocatePage();
            pages.add(tdr);
            calls.add(() -> m.seamcall(lp, new Registers(Leaf.TDH_MNG_CREATE.number(), tdr, hkid, 0, 0, 0, 0)));
        }
        List<SeamcallResult> rs = race(calls);
        assertThat(rs).filteredOn(SeamcallResult::isSuccess).hasSize(1);
        assertThat(rs).allSatisfy(r -> assertThat(r.rax()).isIn(0L, Fixtures.status(m, "TDX_HKID_NOT_FREE"),
                Fixtures.status(m, "TDX_OPERAND_BUSY", "KOT")));
        long tdrPages = pages.stream().filter(p -> m.pageType(p) == PageType.PT_TDR).count();
        assertThat(tdrPages).isEqualTo(1);
    }

    /**
     * Many LPs add TDCS pages to one TD: the TDR's exclusive lock serialises them; every call either succeeds,
     * sees BUSY|RDX or TDCX_NUM_INCORRECT, and the TD ends with exactly as many TDCS pages (and PT_TDCX pages) as
     * calls succeeded, never more than MAX_NUM_TDCS_PAGES.
     */
    @RepeatedTest(5)
    void addcxOnOneTd() throws Exception {
        TdxModule m = Fixtures.ready("1.5.01");
        long tdr = TdSetup.createKeyed(m, m.privateHkidMin() + 1);
        List<Callable<SeamcallResult>> calls = new ArrayList<>();
        for (int i = 0; i < 3 * THREADS; i++) {
            int lp = i % THREADS;
            long page = m.memory().allocatePage();
            calls.add(() -> m.seamcall(lp, new Registers(Leaf.TDH_MNG_ADDCX.number(), page, tdr, 0, 0, 0, 0)));
        }
        List<SeamcallResult> rs = race(calls);
        long ok = rs.stream().filter(SeamcallResult::isSuccess).count();
        assertThat(rs).allSatisfy(r -> assertThat(r.rax()).isIn(0L, Fixtures.status(m, "TDX_OPERAND_BUSY", "RDX"),
                Fixtures.status(m, "TDX_TDCX_NUM_INCORRECT")));
        assertThat(ok).isBetween(1L, (long) m.maxTdcsPages());
        assertThat(m.assignedPages().getOrDefault(PageType.PT_TDCX, 0L)).isEqualTo(ok);
        assertThat(m.tds().get(tdr).numTdcx()).isEqualTo((int) ok);
        assertThat(m.tds().get(tdr).chldcnt.get()).isEqualTo(ok);
    }
}
