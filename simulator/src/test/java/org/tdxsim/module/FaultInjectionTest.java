package org.tdxsim.module;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.tdxsim.module.Fixtures.assertSuccess;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link FaultInjector}: only statuses a leaf really returns can be injected, and an injected failure
 * returns exactly that status and changes nothing, so repeating the call afterwards completes the
 * lifecycle with the same MRTD and the same end state as a run without injection.
 */
class FaultInjectionTest {

    /** Every (module version, fault point) pair the version defines. */
    static Stream<Arguments> pointsPerVersion() {
        List<Arguments> out = new ArrayList<>();
        for (String v : Fixtures.VERSIONS) {
            TdxModule m = TdxModule.create(Fixtures.module(v), Fixtures.gnr());
            for (FaultPoint p : m.faults().available()) {
                out.add(Arguments.of(v, p));
            }
        }
        return out.stream();
    }

    /**
     * Property: for every point, arming it once makes the first call of its leaf that reaches it fail
     * with the point's status (operand included), with module state — global state, KOT, PAMT counts,
     * TD lifecycle/OP_STATE/child count/package bitmap, vCPU states, S-EPT entries — unchanged; the
     * repeated call succeeds and the whole TD lifecycle ends exactly as the uninjected reference run
     * (same MRTD, nothing assigned, only the global HKID in use).
     */
    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("pointsPerVersion")
    void injectedFailureChangesNothingAndTheRetrySucceeds(String version, FaultPoint point) {
        Lifecycle reference = new Lifecycle(version, null);
        reference.run();
        Lifecycle injected = new Lifecycle(version, point);
        injected.run();
        assertThat(injected.firedAt).as("%s was reached during the lifecycle", point).isNotNull();
        assertThat(injected.m.faults().fired(point)).isEqualTo(1);
        assertThat(injected.m.faults().pending(point)).isZero();
        assertThat(injected.mrtd).isEqualTo(reference.mrtd);
        assertThat(injected.m.assignedPages()).isEmpty();
        assertThat(injected.m.hkidsInUse()).isEqualTo(1);
        assertThat(injected.m.liveTds()).isZero();
    }

    /** The status must be one the leaf returns (abi §7.4 for TDH.MNG.CREATE): anything else is refused. */
    @Test
    void refusesStatusesTheLeafCannotReturn() {
        TdxModule m = Fixtures.ready("1.5.06");
        assertThatThrownBy(() -> m.faults().inject(Leaf.TDH_MNG_CREATE, "TDX_SYS_BUSY", 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("TDH.MNG.CREATE cannot return TDX_SYS_BUSY")
                .hasMessageContaining("TDX_OPERAND_BUSY|KOT").hasMessageContaining("TDX_RND_NO_ENTROPY");
        assertThatThrownBy(() -> m.faults().inject(Leaf.TDH_MR_FINALIZE, "TDX_RND_NO_ENTROPY", 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("TDX_OPERAND_BUSY|RCX");
        assertThatThrownBy(() -> m.faults().inject(Leaf.TDH_MNG_KEY_CONFIG, "TDX_OPERAND_BUSY|KOT", 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("TDX_OPERAND_BUSY|KET");
        assertThatThrownBy(() -> m.faults().inject(Leaf.TDH_MNG_RD, "TDX_OPERAND_BUSY", 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no injectable failure");
        assertThatThrownBy(() -> m.faults().inject(Leaf.TDH_MEM_PAGE_ADD, "TDX_OPERAND_BUSY", 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ambiguous")
                .hasMessageContaining("TDX_OPERAND_BUSY|RDX").hasMessageContaining("TDX_OPERAND_BUSY|R8");
        assertThatThrownBy(() -> m.faults().inject(Leaf.TDH_MR_FINALIZE, "TDX_OPERAND_BUSY", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1");
        assertThat(m.faults().inject(Leaf.TDH_MR_FINALIZE, "TDX_OPERAND_BUSY", 2)).isEqualTo(FaultPoint.MR_FINALIZE_TDR);
        assertThat(m.faults().inject(Leaf.TDH_MNG_CREATE, "TDX_OPERAND_BUSY | KOT", 1)).isEqualTo(FaultPoint.MNG_CREATE_KOT);
        assertThat(m.faults().pending(FaultPoint.MR_FINALIZE_TDR)).isEqualTo(2);
        m.faults().clear();
        assertThat(m.faults().pending(FaultPoint.MR_FINALIZE_TDR)).isZero();
    }

    /** 1.0 defines no TDX_RND_NO_ENTROPY and no OP_STATE operand (abi §2.2, §2.3): those points do not exist there. */
    @Test
    void versionGatedPoints() {
        TdxModule m10 = Fixtures.ready("1.0");
        assertThatThrownBy(() -> m10.faults().inject(Leaf.TDH_MNG_CREATE, "TDX_RND_NO_ENTROPY", 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("module 1.0 cannot return");
        assertThat(m10.faults().available()).doesNotContain(FaultPoint.MNG_ADDCX_ENTROPY, FaultPoint.VP_CREATE_OP_STATE)
                .contains(FaultPoint.MNG_KEY_CONFIG_ENTROPY, FaultPoint.MNG_CREATE_KOT);
        assertThat(Fixtures.ready("2.0.08").faults().available()).contains(FaultPoint.MNG_CREATE_ENTROPY,
                FaultPoint.MNG_ADDCX_ENTROPY);
    }

    /** An armed point waits for a call that gets that far: an earlier check keeps its own status. */
    @Test
    void earlierChecksWinAndKeepTheInjectionArmed() {
        TdxModule m = Fixtures.ready("1.5.06");
        m.faults().inject(FaultPoint.MNG_CREATE_ENTROPY, 1);
        SeamcallResult bad = m.tdhMngCreate(m.memory().allocatePage(), 0);
        Fixtures.assertStatus(m, bad, "TDX_OPERAND_INVALID", "RDX");
        assertThat(m.faults().pending(FaultPoint.MNG_CREATE_ENTROPY)).isEqualTo(1);
        long tdr = m.memory().allocatePage();
        SeamcallResult r = m.tdhMngCreate(tdr, m.privateHkidMin() + 1);
        Fixtures.assertStatus(m, r, "TDX_RND_NO_ENTROPY");
        assertThat(r.explanation().summary()).contains("TD_UUID").contains("injected");
        assertThat(m.pageType(tdr)).isEqualTo(PageType.PT_NDA);
        assertThat(m.kotState(m.privateHkidMin() + 1)).isEqualTo(KotState.HKID_FREE);
        assertSuccess(m.tdhMngCreate(tdr, m.privateHkidMin() + 1));
    }

    /** TDH.MNG.ADDCX needs entropy only for the MIN_NUM_TDCS_PAGES-th page ([M1.5.01] tdh_mng_add_cx.c). */
    @Test
    void addcxEntropyOnlyAtTheMinimumPage() {
        TdxModule m = Fixtures.ready("1.5.01");
        long tdr = TdSetup.createKeyed(m, m.privateHkidMin() + 1);
        m.faults().inject(FaultPoint.MNG_ADDCX_ENTROPY, 1);
        for (int i = 0; i < m.minTdcsPages() - 1; i++) {
            assertSuccess(m.tdhMngAddcx(m.memory().allocatePage(), tdr));
        }
        long page = m.memory().allocatePage();
        Fixtures.assertStatus(m, m.tdhMngAddcx(page, tdr), "TDX_RND_NO_ENTROPY");
        assertThat(m.tds().get(tdr).numTdcx()).isEqualTo(m.minTdcsPages() - 1);
        assertThat(m.pageType(page)).isEqualTo(PageType.PT_NDA);
        assertSuccess(m.tdhMngAddcx(page, tdr));
    }

    /** Everything about the module a failed SEAMCALL must not change. */
    record Snapshot(SysState sys, int initLps, long pkgBitmap, int hkidsInUse, int liveTds, Map<PageType, Long> assigned,
                    Map<Long, String> tds, Map<Long, String> vcpus) {
        static Snapshot of(TdxModule m) {
            Map<Long, String> tds = new TreeMap<>();
            m.tds().forEach((pa, td) -> tds.put(pa, td.lifecycle + " fatal=" + td.fatal + " pkg=" + td.pkgConfigBitmap
                    + " tdcx=" + td.numTdcx() + " chld=" + td.chldcnt.get() + " op=" + td.opState + " init10=" + td.init10
                    + " fin10=" + td.finalized10 + " vcpus=" + td.numVcpus.get() + " assoc=" + td.numAssocVcpus.get()
                    + " sept=" + (td.sept == null ? -1 : td.sept.nonFreeEntries()) + " kot=" + m.kotState(td.hkid)
                    + " wbinvd=" + m.kot().wbinvdBitmap(td.hkid)));
            Map<Long, String> vcpus = new TreeMap<>();
            m.vcpus().forEach((pa, v) -> vcpus.put(pa, v.state + " pages=" + v.numTdvpsPages() + " lp=" + v.assocLpid));
            return new Snapshot(m.sysState(), m.numInitLps(), m.pkgConfigBitmap(), m.hkidsInUse(), m.liveTds(),
                    new TreeMap<>(m.assignedPages()), tds, vcpus);
        }
    }

    /**
     * One TD's whole life on a fresh module (bring-up through reclaiming the TDR, as in
     * {@link HappyPathTest}), every SEAMCALL issued through {@link #step} so a point can be armed at
     * the first call of its leaf that reaches it.
     */
    static final class Lifecycle {
        final TdxModule m;
        final FaultPoint point;
        String firedAt;
        byte[] mrtd;

        Lifecycle(String version, FaultPoint point) {
            this.m = TdxModule.create(Fixtures.module(version), Fixtures.gnr());
            this.point = point;
        }

        SeamcallResult step(Leaf leaf, Supplier<SeamcallResult> call) {
            if (point != null && firedAt == null && point.leaf() == leaf) {
                Snapshot before = Snapshot.of(m);
                m.faults().inject(point, 1);
                SeamcallResult r = call.get();
                if (m.faults().pending(point) == 0) {
                    firedAt = leaf.specName();
                    assertThat(r.rax()).as("%s → %s", point, r).isEqualTo(point.rax(m.profile()));
                    assertThat(r.explanation().summary()).contains("injected");
                    assertThat(Snapshot.of(m)).as("state after the injected %s", point).isEqualTo(before);
                } else {
                    m.faults().clear();
                    assertSuccess(r);
                    return r;
                }
            }
            SeamcallResult r = call.get();
            assertSuccess(r);
            return r;
        }

        void run() {
            step(Leaf.TDH_SYS_INIT, m::tdhSysInit);
            for (int lp = 0; lp < m.numLps(); lp++) {
                int l = lp;
                step(Leaf.TDH_SYS_LP_INIT, () -> m.tdhSysLpInit(l));
            }
            m.writeTdmrInfo();
            step(Leaf.TDH_SYS_CONFIG, () -> m.tdhSysConfig(TdxModule.TDMR_INFO_ARRAY_PA, 1, m.privateHkidMin()));
            for (int pkg = 0; pkg < m.numPackages(); pkg++) {
                int p = pkg;
                step(Leaf.TDH_SYS_KEY_CONFIG, () -> m.tdhSysKeyConfig(p));
            }
            long end = m.memory().tdmrBase() + m.memory().tdmrSize();
            while (m.tdhSysTdmrInit(m.memory().tdmrBase()).rdx() < end) {
                // TDMR initialisation proceeds in chunks
            }
            int hkid = m.privateHkidMax();
            long tdr = m.memory().allocatePage();
            List<Long> pages = new ArrayList<>();
            step(Leaf.TDH_MNG_CREATE, () -> m.tdhMngCreate(tdr, hkid));
            for (int pkg = 0; pkg < m.numPackages(); pkg++) {
                int p = pkg;
                step(Leaf.TDH_MNG_KEY_CONFIG, () -> m.tdhMngKeyConfig(tdr, p));
            }
            int tdcs = m.is10() ? m.maxTdcsPages() : m.minTdcsPages();
            for (int i = 0; i < tdcs; i++) {
                long p = m.memory().allocatePage();
                pages.add(p);
                step(Leaf.TDH_MNG_ADDCX, () -> m.tdhMngAddcx(p, tdr));
            }
            long params = TdImages.valid(m);
            step(Leaf.TDH_MNG_INIT, () -> m.tdhMngInit(tdr, params));
            long tdvpr = m.memory().allocatePage();
            step(Leaf.TDH_VP_CREATE, () -> m.tdhVpCreate(tdvpr, tdr));
            int need = m.is10() ? m.maxTdvpsPages() : m.minTdvpsPages();
            for (int i = 1; i < need; i++) {
                long p = m.memory().allocatePage();
                pages.add(p);
                step(Leaf.TDH_VP_ADDCX, () -> m.tdhVpAddcx(p, tdvpr));
            }
            step(Leaf.TDH_VP_INIT, () -> m.tdhVpInit(tdvpr, 0));
            long gpa = 0x20_0000L;
            for (int level = m.tds().get(tdr).sept.rootLevel; level >= 1; level--) {
                long p = m.memory().allocatePage();
                pages.add(p);
                long info = (gpa & ~((1L << (12 + 9 * level)) - 1)) | level;
                step(Leaf.TDH_MEM_SEPT_ADD, () -> m.tdhMemSeptAdd(info, tdr, p));
            }
            long src = m.memory().allocatePage();
            m.memory().write(src, new byte[4096]);
            long target = m.memory().allocatePage();
            pages.add(target);
            step(Leaf.TDH_MEM_PAGE_ADD, () -> m.tdhMemPageAdd(gpa, tdr, target, src));
            for (int off = 0; off < 4096; off += 256) {
                int o = off;
                step(Leaf.TDH_MR_EXTEND, () -> m.tdhMrExtend(gpa + o, tdr));
            }
            step(Leaf.TDH_MR_FINALIZE, () -> m.tdhMrFinalize(tdr));
            mrtd = m.mrtd(tdr).orElseThrow();
            step(Leaf.TDH_VP_FLUSH, () -> m.tdhVpFlush(tdvpr));
            step(Leaf.TDH_MNG_VPFLUSHDONE, () -> m.tdhMngVpflushdone(tdr));
            for (int pkg = 0; pkg < m.numPackages(); pkg++) {
                int p = pkg;
                step(Leaf.TDH_PHYMEM_CACHE_WB, () -> m.tdhPhymemCacheWb(p));
            }
            step(Leaf.TDH_MNG_KEY_FREEID, () -> m.tdhMngKeyFreeid(tdr));
            pages.add(tdvpr);
            for (long p : pages) {
                step(Leaf.TDH_PHYMEM_PAGE_RECLAIM, () -> m.tdhPhymemPageReclaim(p));
            }
            step(Leaf.TDH_PHYMEM_PAGE_RECLAIM, () -> m.tdhPhymemPageReclaim(tdr));
        }
    }
}
