package org.tdxsim.module;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tdxsim.module.profile.OpStateLookup;

/**
 * abi §7.3 OP_STATE table, row by row from the profile's {@code opStateLookup}: for every implemented leaf
 * that has a row and every OP_STATE 0..10, the leaf fails with TDX_OP_STATE_INCORRECT exactly when the row's
 * bit for that state is 0. States the engine cannot reach by itself (export/import) are set directly.
 */
class OpStateTableTest {

    static Stream<Arguments> rows() {
        List<Arguments> out = new ArrayList<>();
        for (String v : List.of("1.5.01", "1.5.06", "2.0.08")) {
            OpStateLookup t = Fixtures.module(v).opStateLookup().orElseThrow();
            for (OpStateLookup.Row row : t.seamcall().values()) {
                if (Leaf.fromNumber(row.leaf()).isPresent() && calls().containsKey(row.leaf())) {
                    for (int s = 0; s <= 10; s++) {
                        out.add(Arguments.of(v, row.leaf(), row.name(), s, row.allows(s)));
                    }
                }
            }
        }
        return out.stream();
    }

    /** A call of each leaf with operands that pass every check before the OP_STATE check. */
    static java.util.Map<Integer, Function<Ctx, SeamcallResult>> calls() {
        return java.util.Map.ofEntries(
                java.util.Map.entry(1, c -> c.m.tdhMngAddcx(c.m.memory().allocatePage(), c.td.tdr)),
                java.util.Map.entry(2, c -> c.m.tdhMemPageAdd(0x1000, c.td.tdr, c.m.memory().allocatePage(),
                        c.m.memory().allocatePage())),
                java.util.Map.entry(3, c -> c.m.tdhMemSeptAdd(0x4000_0000L | 2, c.td.tdr, c.m.memory().allocatePage())),
                java.util.Map.entry(4, c -> c.m.tdhVpAddcx(c.m.memory().allocatePage(), c.tdvpr)),
                java.util.Map.entry(10, c -> c.m.tdhVpCreate(c.m.memory().allocatePage(), c.td.tdr)),
                java.util.Map.entry(11, c -> c.m.tdhMngRd(c.td.tdr, 0x1110000300000000L, 0)),
                java.util.Map.entry(13, c -> c.m.tdhMngWr(c.td.tdr, 0x1110000300000000L, 0, 0)),
                java.util.Map.entry(16, c -> c.m.tdhMrExtend(0x1000, c.td.tdr)),
                java.util.Map.entry(17, c -> c.m.tdhMrFinalize(c.td.tdr)),
                java.util.Map.entry(21, c -> c.m.tdhMngInit(c.td.tdr, TdImages.valid(c.m))),
                java.util.Map.entry(22, c -> c.m.tdhVpInit(c.tdvpr, 0)),
                java.util.Map.entry(26, c -> c.m.tdhVpRd(c.tdvprReady, 0xA020000200000002L, 0)));
    }

    record Ctx(TdxModule m, TdBuild td, long tdvpr, long tdvprReady) {
    }

    @ParameterizedTest(name = "{0} {2} in OP_STATE {3}: allowed={4}")
    @MethodSource("rows")
    void leafFailsWithOpStateIncorrectExactlyWhenTheTableSaysSo(String v, int leaf, String name, int state,
                                                                boolean allowed) {
        TdxModule m = Fixtures.ready(v);
        TdBuild td = TdBuild.initialized(m, m.privateHkidMin() + 1, false, 4);
        long tdvprReady = td.vcpuInitialized();
        long tdvpr = td.vcpuCreated();
        m.tds().get(td.tdr).opState = OpState.fromValue(state).orElseThrow();
        SeamcallResult r = calls().get(leaf).apply(new Ctx(m, td, tdvpr, tdvprReady));
        long opStateIncorrect = Fixtures.status(m, "TDX_OP_STATE_INCORRECT");
        if (allowed) {
            assertThat(r.rax()).as("%s: %s", r, r.explanation()).isNotEqualTo(opStateIncorrect);
        } else {
            assertThat(r.rax()).as("%s: %s", r, r.explanation()).isEqualTo(opStateIncorrect);
        }
    }
}
