package org.tdxsim.module;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tdxsim.module.Fixtures.assertStatus;
import static org.tdxsim.module.Fixtures.assertSuccess;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.platform.PlatformProfiles;

/**
 * The full life of one TD, for every shipped module version on every TDX-capable platform: bring-up →
 * CREATE → KEY.CONFIG per package → ADDCX × MIN → INIT → VP.CREATE/ADDCX/INIT → SEPT.ADD/PAGE.ADD/MR.EXTEND →
 * MR.FINALIZE → VP.FLUSH → VPFLUSHDONE → CACHE.WB per package → KEY.FREEID → RECLAIM of every page, TDR last
 * (abi §7.2–§7.4). Afterwards no PAMT page is assigned and only the global private HKID is in use.
 */
class HappyPathTest {

    static Stream<Arguments> versionsAndPlatforms() {
        List<Arguments> out = new ArrayList<>();
        for (String v : Fixtures.VERSIONS) {
            for (String p : PlatformProfiles.tdxCapableNames()) {
                out.add(Arguments.of(v, p));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("versionsAndPlatforms")
    void fullLifecycleLeavesNothingBehind(String v, String platformName) {
        PlatformProfile p = PlatformProfiles.builtIn(platformName);
        TdxModule m = Fixtures.ready(v, p);
        int hkid = m.privateHkidMax();
        TdBuild td = TdBuild.keyed(m, hkid);
        assertThat(m.opState(td.tdr)).contains(OpState.UNINITIALIZED);
        assertSuccess(m.tdhMngInit(td.tdr, TdImages.valid(m)));
        assertThat(m.opState(td.tdr)).contains(OpState.INITIALIZED);

        long tdvpr = td.vcpuInitialized();
        long gpa = 0x20_0000L;
        td.septFor(gpa);
        td.pageAdd(gpa, (byte) 0x5A);
        for (int off = 0; off < 4096; off += 256) {
            assertSuccess(m.tdhMrExtend(gpa + off, td.tdr));
        }
        assertSuccess(m.tdhMrFinalize(td.tdr));
        assertThat(m.opState(td.tdr)).contains(OpState.RUNNABLE);
        assertThat(m.mrtd(td.tdr).orElseThrow()).isNotEqualTo(new byte[48]);

        // teardown (abi §7.2)
        assertSuccess(m.tdhVpFlush(tdvpr));
        assertSuccess(m.tdhMngVpflushdone(td.tdr));
        for (int pkg = 0; pkg < m.numPackages(); pkg++) {
            assertSuccess(m.tdhPhymemCacheWb(pkg));
        }
        assertSuccess(m.tdhMngKeyFreeid(td.tdr));
        List<Long> pages = new ArrayList<>(td.tdPages);
        pages.addAll(td.tdvprs);
        pages.addAll(td.tdcx);
        for (long page : pages) {
            SeamcallResult r = m.tdhPhymemPageReclaim(page);
            assertSuccess(r);
            assertThat(r.rdx()).isEqualTo(td.tdr);
            m.memory().freePage(page);
        }
        SeamcallResult last = m.tdhPhymemPageReclaim(td.tdr);
        assertSuccess(last);
        assertThat(last.rcx()).isEqualTo(PageType.PT_TDR.value());

        assertThat(m.assignedPages()).isEmpty();
        assertThat(m.liveTds()).isZero();
        assertThat(m.hkidsInUse()).isEqualTo(1); // the global private HKID stays RESERVED
        assertThat(m.kotState(hkid)).isEqualTo(KotState.HKID_FREE);
    }

    /**
     * abi §3.6 / §4.1 row 15: a GPAW = 1 TD needs 5-level EPT; its S-EPT has a level-4 root, the SHARED bit is GPA
     * bit 51, so bit 47 is an ordinary private address bit.
     */
    @ParameterizedTest
    @MethodSource("org.tdxsim.module.Fixtures#versions")
    void gpaw52TdUsesBit51AsSharedBit(String v) {
        TdxModule m = Fixtures.ready(v);
        TdBuild td = TdBuild.keyed(m, m.privateHkidMin() + 1);
        long params = TdImages.write(m, TdImages.builder(m).eptpControls(0x26).configFlags(1).build());
        assertSuccess(m.tdhMngInit(td.tdr, params));
        assertThat(m.tds().get(td.tdr).sept.rootLevel).isEqualTo(4);
        long gpa = 1L << 47;
        td.septFor(gpa);
        td.pageAdd(gpa, (byte) 9);
        long src = m.memory().allocatePage();
        assertStatus(m, m.tdhMemPageAdd(1L << 51, td.tdr, m.memory().allocatePage(), src), "TDX_OPERAND_INVALID", "RCX");
        assertStatus(m, m.tdhMemSeptAdd(gpa | 5, td.tdr, m.memory().allocatePage()), "TDX_OPERAND_INVALID", "RCX");
        assertSuccess(m.tdhMrExtend(gpa, td.tdr));
    }

    /** MRTD is deterministic (same inputs → same value) and depends on page content (tdxsim's own construction). */
    @Test
    void mrtdIsDeterministicAndContentSensitive() {
        byte[] a = buildAndMeasure((byte) 1);
        byte[] b = buildAndMeasure((byte) 1);
        byte[] c = buildAndMeasure((byte) 2);
        assertThat(a).isEqualTo(b).isNotEqualTo(c);
    }

    private static byte[] buildAndMeasure(byte fill) {
        TdxModule m = Fixtures.ready("1.5.06");
        TdBuild td = TdBuild.initialized(m);
        td.vcpuInitialized();
        td.septFor(0);
        td.pageAdd(0, fill);
        assertSuccess(m.tdhMrExtend(0, td.tdr));
        assertSuccess(m.tdhMrFinalize(td.tdr));
        return m.mrtd(td.tdr).orElseThrow();
    }

    /** Build-time errors along the path (abi §1.1, §7.3), in 1.5+ form and 1.0 form. */
    @ParameterizedTest
    @MethodSource("org.tdxsim.module.Fixtures#versions")
    void buildTimeErrors(String v) {
        TdxModule m = Fixtures.ready(v);
        boolean v10 = v.equals("1.0");
        TdBuild td = TdBuild.initialized(m);
        // MR.FINALIZE before any vCPU (1.5+: TDX_NO_VCPUS; 1.0 has no such check)
        if (!v10) {
            assertStatus(m, m.tdhMrFinalize(td.tdr), "TDX_NO_VCPUS");
        }
        long tdvpr = td.vcpuCreated();
        assertSuccess(m.tdhVpInit(tdvpr, 0));
        assertStatus(m, m.tdhVpInit(tdvpr, 0), "TDX_VCPU_STATE_INCORRECT");
        // MAX_VCPUS = 1: a second vCPU cannot be initialised
        long second = td.vcpuCreated();
        assertStatus(m, m.tdhVpInit(second, 0), "TDX_MAX_VCPUS_EXCEEDED");
        // an incomplete TDVPS
        long bare = m.memory().allocatePage();
        assertSuccess(m.tdhVpCreate(bare, td.tdr));
        td.tdvprs.add(bare);
        assertStatus(m, m.tdhVpInit(bare, 0), v10 ? "TDX_TDVPX_NUM_INCORRECT" : "TDX_TDCX_NUM_INCORRECT");

        long gpa = 0x40_0000L;
        // PAGE.ADD without S-EPT pages
        long src = m.memory().allocatePage();
        assertStatus(m, m.tdhMemPageAdd(gpa, td.tdr, m.memory().allocatePage(), src), "TDX_EPT_WALK_FAILED", "RCX");
        td.septFor(gpa);
        String notFree = v10 ? "TDX_EPT_ENTRY_NOT_FREE" : "TDX_EPT_ENTRY_STATE_INCORRECT";
        // the level-1 S-EPT page again
        assertStatus(m, m.tdhMemSeptAdd(gpa | 1, td.tdr, m.memory().allocatePage()), notFree, "RCX");
        if (!v10) {
            assertSuccess(m.tdhMemSeptAdd(gpa | 1, td.tdr | 1, m.memory().allocatePage())); // allow_existing
            assertStatus(m, m.tdhMemSeptAdd(gpa | 1, td.tdr | 2, m.memory().allocatePage()), "TDX_OPERAND_INVALID", "RDX");
        }
        // level 0 is not a S-EPT level; a misaligned GPA for the level
        assertStatus(m, m.tdhMemSeptAdd(gpa, td.tdr, m.memory().allocatePage()), "TDX_OPERAND_INVALID", "RCX");
        assertStatus(m, m.tdhMemSeptAdd(gpa | 0x1000 | 1, td.tdr, m.memory().allocatePage()), "TDX_OPERAND_INVALID", "RCX");
        // SHARED bit (47 with GPAW 0) set
        assertStatus(m, m.tdhMemPageAdd(gpa | 1L << 47, td.tdr, m.memory().allocatePage(), src), "TDX_OPERAND_INVALID", "RCX");
        td.pageAdd(gpa, (byte) 7);
        assertStatus(m, m.tdhMemPageAdd(gpa, td.tdr, m.memory().allocatePage(), src), notFree, "RCX");
        // source must be a shared page, target must be free
        assertStatus(m, m.tdhMemPageAdd(gpa + 4096, td.tdr, m.memory().allocatePage(), m.memory().withHkid(src, td.hkid)),
                "TDX_OPERAND_INVALID", "R9");
        assertStatus(m, m.tdhMemPageAdd(gpa + 4096, td.tdr, td.tdcx.get(0), src), "TDX_PAGE_METADATA_INCORRECT", "R8");
        // the TDR itself as target: its PAMT entry is already locked by this call → BUSY, as the module's try-lock
        assertStatus(m, m.tdhMemPageAdd(gpa + 4096, td.tdr, td.tdr, src), "TDX_OPERAND_BUSY", "R8");
        // MR.EXTEND: 256-byte granularity, mapped page only
        assertStatus(m, m.tdhMrExtend(gpa + 128, td.tdr), "TDX_OPERAND_INVALID", "RCX");
        assertStatus(m, m.tdhMrExtend(gpa + 8192, td.tdr), "TDX_EPT_ENTRY_NOT_PRESENT", "RCX");
        assertSuccess(m.tdhMrFinalize(td.tdr));
        // after finalize: build leaves are over (1.5+: OP_STATE RUNNABLE; 1.0: TDCS.FINALIZED)
        String over = v10 ? "TDX_TD_FINALIZED" : "TDX_OP_STATE_INCORRECT";
        assertStatus(m, m.tdhMemPageAdd(gpa + 4096, td.tdr, m.memory().allocatePage(), src), over);
        assertStatus(m, m.tdhMrExtend(gpa, td.tdr), over);
        assertStatus(m, m.tdhMrFinalize(td.tdr), over);
        assertStatus(m, m.tdhVpCreate(m.memory().allocatePage(), td.tdr), over);
        // teardown order: VPFLUSHDONE needs every vCPU flushed
        assertStatus(m, m.tdhMngVpflushdone(td.tdr), "TDX_FLUSHVP_NOT_DONE");
        assertStatus(m, m.tdhVpFlush(1, tdvpr), "TDX_VCPU_NOT_ASSOCIATED");
        assertSuccess(m.tdhVpFlush(tdvpr));
        assertStatus(m, m.tdhVpFlush(tdvpr), "TDX_VCPU_NOT_ASSOCIATED");
        assertSuccess(m.tdhMngVpflushdone(td.tdr));
    }
}
