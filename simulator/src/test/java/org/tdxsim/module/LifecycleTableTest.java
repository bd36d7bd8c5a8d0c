package org.tdxsim.module;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tdxsim.module.Fixtures.assertSuccess;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * abi §7.2 TD lifecycle table, row by row: each leaf runs only in the lifecycle state its row names and
 * otherwise fails with the row's status — TDH.MNG.KEY.CONFIG needs TD_HKID_ASSIGNED
 * (LIFECYCLE_STATE_INCORRECT); the TDCS leaves need TD_KEYS_CONFIGURED (TD_KEYS_NOT_CONFIGURED);
 * TDH.MNG.VPFLUSHDONE needs HKID_ASSIGNED or KEYS_CONFIGURED, TDH.MNG.KEY.FREEID needs TD_BLOCKED and
 * TDH.PHYMEM.PAGE.RECLAIM of a TD page needs TD_TEARDOWN (all LIFECYCLE_STATE_INCORRECT).
 */
class LifecycleTableTest {

    /** A TD with a vCPU and a mapped page, then driven to {@code state}. */
    record World(TdxModule m, TdBuild td, long tdvpr) {
    }

    private static World world(String v, TdLifecycle state) {
        TdxModule m = Fixtures.ready(v);
        TdBuild td = TdBuild.initialized(m, m.privateHkidMin() + 1, false, 2);
        long tdvpr = td.vcpuInitialized();
        td.septFor(0);
        td.pageAdd(0, (byte) 1);
        Td t = m.tds().get(td.tdr);
        if (state == TdLifecycle.TD_HKID_ASSIGNED) {
            t.lifecycle = TdLifecycle.TD_HKID_ASSIGNED; // set directly: a keyed TD cannot go back by a leaf
            t.pkgConfigBitmap = 0;
            return new World(m, td, tdvpr);
        }
        if (state != TdLifecycle.TD_KEYS_CONFIGURED) {
            assertSuccess(m.tdhVpFlush(tdvpr));
            assertSuccess(m.tdhMngVpflushdone(td.tdr));
        }
        if (state == TdLifecycle.TD_TEARDOWN) {
            for (int pkg = 0; pkg < m.numPackages(); pkg++) {
                assertSuccess(m.tdhPhymemCacheWb(pkg));
            }
            assertSuccess(m.tdhMngKeyFreeid(td.tdr));
        }
        assertThat(m.lifecycle(td.tdr)).contains(state);
        return new World(m, td, tdvpr);
    }

    /** Row → (required states, status otherwise). */
    record Rule(String leaf, List<TdLifecycle> allowed, String status, Function<World, SeamcallResult> call) {
        @Override
        public String toString() {
            return leaf;
        }
    }

    static final List<TdLifecycle> KEYS = List.of(TdLifecycle.TD_KEYS_CONFIGURED);
    static final String KNC = "TDX_TD_KEYS_NOT_CONFIGURED";
    static final String LSI = "TDX_LIFECYCLE_STATE_INCORRECT";

    static List<Rule> rules() {
        return List.of(
                new Rule("TDH.MNG.KEY.CONFIG", List.of(TdLifecycle.TD_HKID_ASSIGNED), LSI, w -> w.m.tdhMngKeyConfig(w.td.tdr, 0)),
                new Rule("TDH.MNG.ADDCX", KEYS, KNC, w -> w.m.tdhMngAddcx(w.m.memory().allocatePage(), w.td.tdr)),
                new Rule("TDH.MNG.INIT", KEYS, KNC, w -> w.m.tdhMngInit(w.td.tdr, TdImages.valid(w.m))),
                new Rule("TDH.MNG.RD", KEYS, KNC, w -> w.m.tdhMngRd(w.td.tdr, 0x1110000300000000L, 0)),
                new Rule("TDH.MNG.WR", KEYS, KNC, w -> w.m.tdhMngWr(w.td.tdr, 0x9110000300000012L, 1, 1)),
                new Rule("TDH.VP.CREATE", KEYS, KNC, w -> w.m.tdhVpCreate(w.m.memory().allocatePage(), w.td.tdr)),
                new Rule("TDH.VP.ADDCX", KEYS, KNC, w -> w.m.tdhVpAddcx(w.m.memory().allocatePage(), w.tdvpr)),
                new Rule("TDH.VP.INIT", KEYS, KNC, w -> w.m.tdhVpInit(w.tdvpr, 0)),
                new Rule("TDH.VP.RD", KEYS, KNC, w -> w.m.tdhVpRd(w.tdvpr, 0xA020000200000002L, 0)),
                new Rule("TDH.VP.FLUSH", KEYS, KNC, w -> w.m.tdhVpFlush(w.tdvpr)),
                new Rule("TDH.MEM.SEPT.ADD", KEYS, KNC, w -> w.m.tdhMemSeptAdd(0x4000_0000L | 2, w.td.tdr, w.m.memory().allocatePage())),
                new Rule("TDH.MEM.PAGE.ADD", KEYS, KNC, w -> w.m.tdhMemPageAdd(0x1000, w.td.tdr, w.m.memory().allocatePage(),
                        w.m.memory().allocatePage())),
                new Rule("TDH.MR.EXTEND", KEYS, KNC, w -> w.m.tdhMrExtend(0, w.td.tdr)),
                new Rule("TDH.MR.FINALIZE", KEYS, KNC, w -> w.m.tdhMrFinalize(w.td.tdr)),
                new Rule("TDH.MNG.VPFLUSHDONE", List.of(TdLifecycle.TD_HKID_ASSIGNED, TdLifecycle.TD_KEYS_CONFIGURED), LSI,
                        w -> w.m.tdhMngVpflushdone(w.td.tdr)),
                new Rule("TDH.MNG.KEY.FREEID", List.of(TdLifecycle.TD_BLOCKED), LSI, w -> w.m.tdhMngKeyFreeid(w.td.tdr)),
                new Rule("TDH.PHYMEM.PAGE.RECLAIM", List.of(TdLifecycle.TD_TEARDOWN), LSI,
                        w -> w.m.tdhPhymemPageReclaim(w.td.tdPages.get(w.td.tdPages.size() - 1))));
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String v : Fixtures.VERSIONS) {
            for (Rule r : rules()) {
                for (TdLifecycle s : TdLifecycle.values()) {
                    out.add(Arguments.of(v, r, s));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} in {2}")
    @MethodSource("cases")
    void leafRunsOnlyInItsLifecycleStates(String v, Rule rule, TdLifecycle state) {
        World w = world(v, state);
        SeamcallResult r = rule.call.apply(w);
        long status = Fixtures.status(w.m, rule.status);
        if (rule.allowed.contains(state)) {
            assertThat(r.rax()).as("%s: %s", r, r.explanation()).isNotEqualTo(status);
        } else {
            assertThat(r.rax()).as("%s: %s", r, r.explanation()).isEqualTo(status);
        }
    }
}
