package org.tdxsim.module;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tdxsim.module.Fixtures.assertStatus;
import static org.tdxsim.module.Fixtures.assertSuccess;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * TD lifecycle, KOT and PAMT rules that need no TDH.MNG.INIT (abi §7.2, §7.4, §4.1 row 2 PAMT statuses,
 * §1.1 TDH.PHYMEM.PAGE.RECLAIM outputs).
 */
class TdLifecycleTest {

    static java.util.stream.Stream<String> versions() {
        return Fixtures.versions();
    }

    private static int maxTdcs(TdxModule m) {
        return (int) m.profile().constant("MAX_NUM_TDCS_PAGES").getAsLong();
    }

    /** abi §7.4 / §4.1 row 2: TDH.MNG.CREATE operand checks, each with the operand that carried the value. */
    @ParameterizedTest
    @MethodSource("versions")
    void createOperandChecks(String v) {
        TdxModule m = Fixtures.ready(v);
        HostMemory mem = m.memory();
        long tdr = mem.allocatePage();
        int hkid = m.privateHkidMin() + 1;
        assertStatus(m, m.tdhMngCreate(tdr, m.privateHkidMax() + 1), "TDX_OPERAND_INVALID", "RDX");
        assertStatus(m, m.tdhMngCreate(tdr, hkid | 1L << 16), "TDX_OPERAND_INVALID", "RDX");
        assertStatus(m, m.tdhMngCreate(tdr, 0), "TDX_OPERAND_INVALID", "RDX");
        assertStatus(m, m.tdhMngCreate(tdr + 8, hkid), "TDX_OPERAND_INVALID", "RCX");
        assertStatus(m, m.tdhMngCreate(mem.withHkid(tdr, hkid), hkid), "TDX_OPERAND_INVALID", "RCX");
        assertStatus(m, m.tdhMngCreate(0x1000, hkid), "TDX_OPERAND_ADDR_RANGE_ERROR", "RCX");
        assertStatus(m, m.tdhMngCreate(1L << 60, hkid), "TDX_OPERAND_INVALID", "RCX");
        // the global private HKID is RESERVED, not FREE
        assertStatus(m, m.tdhMngCreate(tdr, m.privateHkidMin()), "TDX_HKID_NOT_FREE");
        assertSuccess(m.tdhMngCreate(tdr, hkid));
        assertThat(m.pageType(tdr)).isEqualTo(PageType.PT_TDR);
        assertThat(m.kotState(hkid)).isEqualTo(KotState.HKID_ASSIGNED);
        assertThat(m.lifecycle(tdr)).contains(TdLifecycle.TD_HKID_ASSIGNED);
        // the page is no longer free; the HKID is no longer free
        assertStatus(m, m.tdhMngCreate(tdr, hkid + 1), "TDX_PAGE_METADATA_INCORRECT", "RCX");
        assertStatus(m, m.tdhMngCreate(mem.allocatePage(), hkid), "TDX_HKID_NOT_FREE");
    }

    /** abi §7.2: KEY.CONFIG once per package; repeat → TDX_KEY_CONFIGURED; KEYS_CONFIGURED after the last package. */
    @ParameterizedTest
    @MethodSource("versions")
    void keyConfigPerPackage(String v) {
        TdxModule m = Fixtures.ready(v, Fixtures.platform("emerald-rapids-xeon-platinum-8570"));
        long tdr = m.memory().allocatePage();
        assertSuccess(m.tdhMngCreate(tdr, m.privateHkidMin() + 1));
        assertStatus(m, m.tdhMngAddcx(m.memory().allocatePage(), tdr), "TDX_TD_KEYS_NOT_CONFIGURED");
        assertSuccess(m.tdhMngKeyConfig(tdr, 0));
        assertThat(m.lifecycle(tdr)).contains(TdLifecycle.TD_HKID_ASSIGNED);
        assertStatus(m, m.tdhMngKeyConfig(tdr, 0), "TDX_KEY_CONFIGURED");
        assertSuccess(m.tdhMngKeyConfig(tdr, 1));
        assertThat(m.lifecycle(tdr)).contains(TdLifecycle.TD_KEYS_CONFIGURED);
        assertStatus(m, m.tdhMngKeyConfig(tdr, 1), "TDX_LIFECYCLE_STATE_INCORRECT");
        // not a TDR
        long page = m.memory().allocatePage();
        assertStatus(m, m.tdhMngKeyConfig(page, 0), "TDX_PAGE_METADATA_INCORRECT", "RCX");
    }

    /** abi §7.3: TDCS pages beyond MAX_NUM_TDCS_PAGES (1.0: 4, 1.5: 9, 2.0: 12) → TDX_TDCX_NUM_INCORRECT. */
    @ParameterizedTest
    @MethodSource("versions")
    void addcxBeyondMaxIsRejected(String v) {
        TdxModule m = Fixtures.ready(v);
        long tdr = TdSetup.createKeyed(m, m.privateHkidMin() + 1);
        int max = maxTdcs(m);
        assertThat(max).isEqualTo(switch (v) {
            case "1.0" -> 4;
            case "2.0.08" -> 12;
            default -> 9;
        });
        long used = m.memory().allocatePage();
        assertSuccess(m.tdhMngAddcx(used, tdr));
        // the same page again: no longer PT_NDA; the TDR operand must be a TDR
        assertStatus(m, m.tdhMngAddcx(used, tdr), "TDX_PAGE_METADATA_INCORRECT", "RCX");
        assertStatus(m, m.tdhMngAddcx(m.memory().allocatePage(), used), "TDX_PAGE_METADATA_INCORRECT", "RDX");
        for (int i = 1; i < max; i++) {
            assertSuccess(m.tdhMngAddcx(m.memory().allocatePage(), tdr));
        }
        assertStatus(m, m.tdhMngAddcx(m.memory().allocatePage(), tdr), "TDX_TDCX_NUM_INCORRECT");
    }

    /** abi §7.2: TDR.FATAL makes KEY.CONFIG and ADDCX fail with TDX_TD_FATAL. */
    @ParameterizedTest
    @MethodSource("versions")
    void fatalTd(String v) {
        TdxModule m = Fixtures.ready(v);
        long tdr = m.memory().allocatePage();
        assertSuccess(m.tdhMngCreate(tdr, m.privateHkidMin() + 1));
        m.markFatal(tdr);
        assertStatus(m, m.tdhMngKeyConfig(tdr, 0), "TDX_TD_FATAL");
        assertStatus(m, m.tdhMngAddcx(m.memory().allocatePage(), tdr), "TDX_TD_FATAL");
    }

    /**
     * abi §7.2/§7.4 teardown of a TD that never ran TDH.MNG.INIT: VPFLUSHDONE (HKID FLUSHED, TD_BLOCKED),
     * KEY.FREEID needs CACHE.WB on every package (TDX_WBCACHE_NOT_COMPLETE), RECLAIM needs TD_TEARDOWN and
     * the TDR goes last (TDX_TD_ASSOCIATED_PAGES_EXIST); RECLAIM reports type/owner/size in RCX/RDX/R8.
     */
    @ParameterizedTest
    @MethodSource("versions")
    void teardownOfAnUninitialisedTd(String v) {
        TdxModule m = Fixtures.ready(v, Fixtures.platform("emerald-rapids-xeon-platinum-8570"));
        int hkid = m.privateHkidMin() + 1;
        long tdr = TdSetup.createKeyed(m, hkid);
        List<Long> tdcx = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            long p = m.memory().allocatePage();
            assertSuccess(m.tdhMngAddcx(p, tdr));
            tdcx.add(p);
        }
        assertStatus(m, m.tdhMngKeyFreeid(tdr), "TDX_LIFECYCLE_STATE_INCORRECT");
        assertStatus(m, m.tdhPhymemCacheWb(0), "TDX_NO_HKID_READY_TO_WBCACHE");
        SeamcallResult early = m.tdhPhymemPageReclaim(tdcx.get(0));
        assertStatus(m, early, "TDX_LIFECYCLE_STATE_INCORRECT");
        assertThat(early.rcx()).isEqualTo(PageType.PT_TDCX.value());
        assertThat(early.rdx()).isEqualTo(tdr);

        assertSuccess(m.tdhMngVpflushdone(tdr));
        assertThat(m.lifecycle(tdr)).contains(TdLifecycle.TD_BLOCKED);
        assertThat(m.kotState(hkid)).isEqualTo(KotState.HKID_FLUSHED);
        assertStatus(m, m.tdhMngVpflushdone(tdr), "TDX_LIFECYCLE_STATE_INCORRECT");
        assertStatus(m, m.tdhMngKeyFreeid(tdr), "TDX_WBCACHE_NOT_COMPLETE");
        assertSuccess(m.tdhPhymemCacheWb(0));
        assertStatus(m, m.tdhMngKeyFreeid(tdr), "TDX_WBCACHE_NOT_COMPLETE");
        assertSuccess(m.tdhPhymemCacheWb(1));
        assertSuccess(m.tdhMngKeyFreeid(tdr));
        assertThat(m.lifecycle(tdr)).contains(TdLifecycle.TD_TEARDOWN);
        assertThat(m.kotState(hkid)).isEqualTo(KotState.HKID_FREE);

        SeamcallResult tdrFirst = m.tdhPhymemPageReclaim(tdr);
        assertStatus(m, tdrFirst, "TDX_TD_ASSOCIATED_PAGES_EXIST");
        assertThat(tdrFirst.rcx()).isEqualTo(PageType.PT_TDR.value());
        assertThat(tdrFirst.rdx()).isZero();
        for (long p : tdcx) {
            SeamcallResult r = m.tdhPhymemPageReclaim(p);
            assertSuccess(r);
            assertThat(r.rcx()).isEqualTo(PageType.PT_TDCX.value());
            assertThat(r.rdx()).isEqualTo(tdr);
            assertThat(r.r8()).isZero();
        }
        assertSuccess(m.tdhPhymemPageReclaim(tdr));
        assertThat(m.liveTds()).isZero();
        assertThat(m.assignedPages()).isEmpty();
        SeamcallResult again = m.tdhPhymemPageReclaim(tdr);
        assertStatus(m, again, "TDX_PAGE_METADATA_INCORRECT", "RCX");
        assertStatus(m, m.tdhPhymemPageReclaim(tdr + 1), "TDX_OPERAND_INVALID", "RCX");
    }

    /**
     * abi §7.4: HKID exhaustion and recovery — every free private HKID can be assigned once; then TDH.MNG.CREATE
     * fails with TDX_HKID_NOT_FREE for each of them; tearing one TD down frees its HKID for a new TD.
     */
    @ParameterizedTest
    @MethodSource("versions")
    void hkidExhaustionThenRecovery(String v) {
        TdxModule m = Fixtures.ready(v);
        List<Long> tdrs = new ArrayList<>();
        for (int h = m.privateHkidMin() + 1; h <= m.privateHkidMax(); h++) {
            long tdr = m.memory().allocatePage();
            assertSuccess(m.tdhMngCreate(tdr, h));
            tdrs.add(tdr);
        }
        assertThat(m.hkidsInUse()).isEqualTo(m.privateHkidMax() - m.privateHkidMin() + 1);
        long spare = m.memory().allocatePage();
        for (int h = m.privateHkidMin(); h <= m.privateHkidMax(); h++) {
            assertStatus(m, m.tdhMngCreate(spare, h), "TDX_HKID_NOT_FREE");
        }
        long victim = tdrs.get(3);
        int freed = m.privateHkidMin() + 4;
        assertSuccess(m.tdhMngVpflushdone(victim));
        for (int pkg = 0; pkg < m.numPackages(); pkg++) {
            assertSuccess(m.tdhPhymemCacheWb(pkg));
        }
        assertSuccess(m.tdhMngKeyFreeid(victim));
        assertSuccess(m.tdhPhymemPageReclaim(victim));
        assertThat(m.kotState(freed)).isEqualTo(KotState.HKID_FREE);
        assertSuccess(m.tdhMngCreate(spare, freed));
        assertThat(m.kotState(freed)).isEqualTo(KotState.HKID_ASSIGNED);
    }
}
