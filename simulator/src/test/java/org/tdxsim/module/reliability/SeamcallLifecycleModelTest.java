package org.tdxsim.module.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;
import org.junit.jupiter.api.Test;
import org.tdxsim.module.OpState;
import org.tdxsim.module.PageType;
import org.tdxsim.module.ReliabilityProbe;
import org.tdxsim.module.SeamcallResult;
import org.tdxsim.module.TdLifecycle;
import org.tdxsim.module.TdxModule;
import org.tdxsim.module.reliability.SeamcallModel.Call;
import org.tdxsim.module.reliability.SeamcallModel.Expect;

/**
 * Stateful model-based test of the TD lifecycle at SEAMCALL level: random chains of TDH.MNG.CREATE,
 * KEY.CONFIG, ADDCX, INIT, TDH.VP.CREATE/ADDCX/INIT/FLUSH, TDH.MEM.SEPT.ADD, TDH.MEM.PAGE.ADD,
 * TDH.MR.EXTEND, TDH.MR.FINALIZE, TDH.MNG.VPFLUSHDONE, TDH.PHYMEM.CACHE.WB, TDH.MNG.KEY.FREEID,
 * TDH.PHYMEM.PAGE.RECLAIM and TDH.MNG.RD, in any order and with operands drawn from every kind of
 * page (right type, wrong type, free, another TD's, misaligned, outside the TDMR), run against the
 * simulator and against {@link SeamcallModel}, an independent model built from abi §7.
 *
 * <p>Property: for every chain, every SEAMCALL returns exactly the status (RAX, operand included) the
 * model predicts; after every call the simulator's own accounting ({@code liveTds}, {@code hkidsInUse},
 * {@code assignedPages}, each TD's lifecycle and OP_STATE, each page's PAMT type, TDR.CHLDCNT) equals the
 * model's and no try-lock is left held. Zero divergences is the pass criterion.
 */
class SeamcallLifecycleModelTest {

    static final long FIELD_OP_STATE = 0x9010000200000004L;
    static final long FIELD_LIFECYCLE = 0x8010000200000005L;
    /** Below the TDMR (which starts at 1 GiB) but inside the CMR: outside every PAMT. */
    static final long OUTSIDE_TDMR = 0x3000;
    /** GPAs: page, 2 MiB, 1 GiB and 512 GiB boundaries, an unaligned 4 KiB page, one with the SHARED bit 47. */
    static final long[] GPAS = {0, 0x1000, 0x20_0000, 0x4000_0000L, 0x80_0000_0000L, 1L << 47};

    enum Leaf {
        CREATE, KEY_CONFIG, ADDCX, INIT, VP_CREATE, VP_ADDCX, VP_INIT, SEPT_ADD, PAGE_ADD, MR_EXTEND, MR_FINALIZE,
        VP_FLUSH, VPFLUSHDONE, CACHE_WB, KEY_FREEID, RECLAIM, MNG_RD
    }

    /** Kinds of page operand; resolved against the current state when the step runs. */
    enum Kind { FRESH, KNOWN_NDA, TDR, TDCX, TDVPR, EPT, REG, ANY_KNOWN, MISALIGNED, OUTSIDE }

    /** One generated step: a leaf and raw choices, resolved to concrete operands at run time. */
    record Op(Leaf leaf, Kind k1, int i1, Kind k2, int i2, Kind k3, int i3, int n) {
        @Override
        public String toString() {
            return leaf + "(" + k1 + "#" + i1 + ", " + k2 + "#" + i2 + ", " + k3 + "#" + i3 + ", n=" + n + ")";
        }
    }

    /** The system under test together with the model and the page pool. */
    static final class Sut {
        final TdxModule m;
        final SeamcallModel model;
        final List<Long> known = new ArrayList<>();
        final List<String> log = new ArrayList<>();
        int steps;
        /** Report status statistics (only inside a jqwik property). */
        boolean statistics;

        Sut(String version) {
            m = ModuleTds.ready(version);
            model = new SeamcallModel(ModuleTds.minTdcs(m), ModuleTds.maxTdcs(m), ModuleTds.minTdvps(m),
                    ModuleTds.maxTdvps(m), m.globalPrivateHkid(), m.privateHkidMin(), m.privateHkidMax());
        }

        boolean inTdmr(long pa) {
            long base = m.memory().tdmrBase();
            return pa >= base && pa - base < m.memory().tdmrSize();
        }

        long fresh() {
            long p = m.memory().allocatePage();
            known.add(p);
            return p;
        }

        private List<Long> ofType(SeamcallModel.Type t) {
            List<Long> out = new ArrayList<>();
            for (long p : known) {
                if (model.type(p) == t) {
                    out.add(p);
                }
            }
            return out;
        }

        long page(Kind k, int i) {
            List<Long> pool = switch (k) {
                case FRESH, MISALIGNED, OUTSIDE -> List.of();
                case KNOWN_NDA -> ofType(SeamcallModel.Type.NDA);
                case TDR -> ofType(SeamcallModel.Type.TDR);
                case TDCX -> ofType(SeamcallModel.Type.TDCX);
                case TDVPR -> ofType(SeamcallModel.Type.TDVPR);
                case EPT -> ofType(SeamcallModel.Type.EPT);
                case REG -> ofType(SeamcallModel.Type.REG);
                case ANY_KNOWN -> known;
            };
            return switch (k) {
                case MISALIGNED -> (known.isEmpty() ? fresh() : known.get(i % known.size())) + 0x100;
                case OUTSIDE -> OUTSIDE_TDMR;
                default -> pool.isEmpty() ? fresh() : pool.get(i % pool.size());
            };
        }

        int hkid(int i) {
            // mostly guest HKIDs, sometimes the reserved global one or one outside the private range
            return switch (i % 8) {
                case 6 -> m.globalPrivateHkid();
                case 7 -> i % 16 == 7 ? 0 : m.privateHkidMax() + 1;
                default -> m.globalPrivateHkid() + 1 + i % 4;
            };
        }

        long gpa(int i) {
            return GPAS[i % GPAS.length];
        }

        Call resolve(Op op) {
            return switch (op.leaf()) {
                case CREATE -> new Call.Create(page(op.k1(), op.i1()), hkid(op.i2()));
                case KEY_CONFIG -> new Call.KeyConfig(page(op.k1(), op.i1()));
                case ADDCX -> new Call.Addcx(page(op.k2(), op.i2()), page(op.k1(), op.i1()));
                case INIT -> new Call.Init(page(op.k1(), op.i1()), 1 + op.n() % 3);
                case VP_CREATE -> new Call.VpCreate(page(op.k2(), op.i2()), page(op.k1(), op.i1()));
                case VP_ADDCX -> new Call.VpAddcx(page(op.k2(), op.i2()), page(op.k1(), op.i1()));
                case VP_INIT -> new Call.VpInit(page(op.k1(), op.i1()));
                case SEPT_ADD -> new Call.SeptAdd(gpa(op.n()) | (1 + op.i3() % 3), page(op.k1(), op.i1()),
                        page(op.k2(), op.i2()));
                case PAGE_ADD -> new Call.PageAdd(gpa(op.n()), page(op.k1(), op.i1()), page(op.k2(), op.i2()),
                        page(op.k3(), op.i3()));
                case MR_EXTEND -> new Call.MrExtend(gpa(op.n()) + (op.i3() % 3 == 2 ? 0x80 : (op.i3() % 3) * 0x100),
                        page(op.k1(), op.i1()));
                case MR_FINALIZE -> new Call.MrFinalize(page(op.k1(), op.i1()));
                case VP_FLUSH -> new Call.VpFlush(op.n() % 4 == 3 ? 1 : 0, page(op.k1(), op.i1()));
                case VPFLUSHDONE -> new Call.VpFlushDone(page(op.k1(), op.i1()));
                case CACHE_WB -> new Call.CacheWb();
                case KEY_FREEID -> new Call.KeyFreeId(page(op.k1(), op.i1()));
                case RECLAIM -> new Call.Reclaim(page(op.k1(), op.i1()));
                case MNG_RD -> new Call.MngRd(page(op.k1(), op.i1()), op.n() % 2 == 0 ? FIELD_OP_STATE : FIELD_LIFECYCLE);
            };
        }

        SeamcallResult run(Call c) {
            return switch (c) {
                case Call.Create x -> m.tdhMngCreate(x.tdr(), x.hkid());
                case Call.KeyConfig x -> m.tdhMngKeyConfig(x.tdr(), 0);
                case Call.Addcx x -> m.tdhMngAddcx(x.page(), x.tdr());
                case Call.Init x -> {
                    long params = ModuleTds.tdParams(m, false, x.maxVcpus());
                    try {
                        yield m.tdhMngInit(x.tdr(), params);
                    } finally {
                        m.memory().freePage(params);
                    }
                }
                case Call.VpCreate x -> m.tdhVpCreate(x.tdvpr(), x.tdr());
                case Call.VpAddcx x -> m.tdhVpAddcx(x.page(), x.tdvpr());
                case Call.VpInit x -> m.tdhVpInit(x.tdvpr(), 0);
                case Call.SeptAdd x -> m.tdhMemSeptAdd(x.gpaLevel(), x.tdr(), x.page());
                case Call.PageAdd x -> m.tdhMemPageAdd(x.gpa(), x.tdr(), x.target(), x.source());
                case Call.MrExtend x -> m.tdhMrExtend(x.gpa(), x.tdr());
                case Call.MrFinalize x -> m.tdhMrFinalize(x.tdr());
                case Call.VpFlush x -> m.tdhVpFlush(x.lp(), x.tdvpr());
                case Call.VpFlushDone x -> m.tdhMngVpflushdone(x.tdr());
                case Call.CacheWb x -> m.tdhPhymemCacheWb(0);
                case Call.KeyFreeId x -> m.tdhMngKeyFreeid(x.tdr());
                case Call.Reclaim x -> m.tdhPhymemPageReclaim(x.page());
                case Call.MngRd x -> m.tdhMngRd(x.tdr(), x.fieldId(), 0);
            };
        }

        long rax(Expect e) {
            return e.operand().map(o -> m.profile().status(e.status(), o)).orElseGet(() -> m.profile().status(e.status()));
        }

        void step(Op op) {
            stepCall(resolve(op));
        }

        /**
         * A call that moves one TD (or a new one) a step further along the host's normal build and
         * teardown path, so chains reach deep states (RUNNABLE, BLOCKED, TEARDOWN) often; {@code pick}
         * chooses the TD and, where several steps are possible, which one.
         */
        Call progressCall(int pick) {
            List<SeamcallModel.Td> tds = new ArrayList<>(model.tds.values());
            if (tds.isEmpty() || (tds.size() < 3 && pick % 11 == 0)) {
                return new Call.Create(fresh(), freeHkid(pick));
            }
            SeamcallModel.Td td = tds.get(Math.floorMod(pick, tds.size()));
            boolean abandon = pick % 13 == 5;
            switch (td.lifecycle) {
                case HKID_ASSIGNED -> {
                    return new Call.KeyConfig(td.tdr);
                }
                case BLOCKED -> {
                    return td.wbPending ? new Call.CacheWb() : new Call.KeyFreeId(td.tdr);
                }
                case TEARDOWN -> {
                    for (long p : known) {
                        if (td.tdr == model.owners.getOrDefault(p, -1L)) {
                            return new Call.Reclaim(p);
                        }
                    }
                    return new Call.Reclaim(td.tdr);
                }
                case KEYS_CONFIGURED -> {
                }
            }
            for (SeamcallModel.Vcpu v : td.vcpus.values()) {
                if (v.assocLp >= 0 && (abandon || td.opState == 2)) {
                    return new Call.VpFlush(v.assocLp, v.tdvpr);
                }
            }
            if (abandon || td.opState == 2) {
                return new Call.VpFlushDone(td.tdr);
            }
            if (td.tdcx.size() < model.minTdcs) {
                return new Call.Addcx(fresh(), td.tdr);
            }
            if (td.opState == 0) {
                return new Call.Init(td.tdr, 1 + Math.floorMod(pick, 3));
            }
            for (SeamcallModel.Vcpu v : td.vcpus.values()) {
                if (!v.initialized) {
                    return v.pages.size() < model.minTdvps ? new Call.VpAddcx(fresh(), v.tdvpr) : new Call.VpInit(v.tdvpr);
                }
            }
            int choice = Math.floorMod(pick / 7, 6);
            long gpa = GPAS[Math.floorMod(pick / 3, 5)];
            if (td.numVcpus < td.maxVcpus && (td.numVcpus == 0 || choice == 0)) {
                return new Call.VpCreate(fresh(), td.tdr);
            }
            for (int level = SeamcallModel.ROOT; level >= 1; level--) {
                long aligned = gpa & -(1L << (12 + 9 * level));
                if (!td.sept.getOrDefault(level, java.util.Set.of()).contains(aligned >>> (12 + 9 * level))) {
                    return new Call.SeptAdd(aligned | level, td.tdr, fresh());
                }
            }
            if (!td.leaves.contains(gpa >>> 12) && choice < 4) {
                return new Call.PageAdd(gpa, td.tdr, fresh(), fresh());
            }
            if (choice < 5) {
                return new Call.MrExtend(gpa + 0x100L * Math.floorMod(pick, 16), td.tdr);
            }
            return new Call.MrFinalize(td.tdr);
        }

        private int freeHkid(int pick) {
            for (int i = 0; i < 4; i++) {
                int h = m.globalPrivateHkid() + 1 + Math.floorMod(pick + i, 4);
                if (model.kot(h) == SeamcallModel.Kot.FREE) {
                    return h;
                }
            }
            return m.globalPrivateHkid() + 1;
        }

        void stepCall(Call c) {
            Expect expected = model.step(c, this::inTdmr);
            SeamcallResult r = run(c);
            steps++;
            log.add(c + " -> " + r.status());
            if (statistics) {
                net.jqwik.api.statistics.Statistics.label("status").collect(expected.status());
            }
            assertThat(r.rax()).as("step %d %s: model expects %s, simulator returned %s (%s)%nhistory:%n%s", steps, c,
                    expected, r.status(), r.explanation().summary(), String.join("\n", log)).isEqualTo(rax(expected));
            if (c instanceof Call.MngRd rd && expected.success()) {
                assertThat(r.r8()).as("%s value", c).isEqualTo(model.readValue(rd.tdr(), rd.fieldId()));
            }
            if (c instanceof Call.Reclaim rc && expected.success()) {
                m.memory().freePage(rc.page());
                known.remove(rc.page());
            }
        }

        /** The simulator's own accounting equals the model's. */
        void invariants() {
            assertThat(m.liveTds()).as("liveTds").isEqualTo(model.tds.size());
            assertThat(m.hkidsInUse()).as("hkidsInUse").isEqualTo(model.hkidsInUse());
            Map<PageType, Long> expected = new EnumMap<>(PageType.class);
            model.counts().forEach((t, n) -> expected.put(pamtType(t), n));
            assertThat(m.assignedPages()).as("assignedPages").isEqualTo(expected);
            for (SeamcallModel.Td td : model.tds.values()) {
                assertThat(m.lifecycle(td.tdr)).as("lifecycle").contains(TdLifecycle.values()[td.lifecycle.ordinal()]);
                assertThat(m.opState(td.tdr).map(OpState::value)).as("OP_STATE").contains(td.opState);
                assertThat(ReliabilityProbe.childCount(m, td.tdr)).as("CHLDCNT").isEqualTo(td.children);
            }
            for (long p : known) {
                assertThat(m.pageType(p)).as("PAMT type of %x", p).isEqualTo(pamtType(model.type(p)));
            }
            assertThat(ReliabilityProbe.allLocksFree(m, known)).as("every try-lock released").isTrue();
        }
    }

    static PageType pamtType(SeamcallModel.Type t) {
        return switch (t) {
            case NDA -> PageType.PT_NDA;
            case TDR -> PageType.PT_TDR;
            case TDCX -> PageType.PT_TDCX;
            case TDVPR -> PageType.PT_TDVPR;
            case EPT -> PageType.PT_EPT;
            case REG -> PageType.PT_REG;
        };
    }

    // ---------------------------------------------------------------- generators

    /** The page kind an operand of the right role gets most of the time, with every other kind mixed in. */
    static Arbitrary<Kind> kind(Kind right) {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(12, Arbitraries.just(right)),
                net.jqwik.api.Tuple.of(3, Arbitraries.of(Kind.class)));
    }

    static Kind rightFirst(Leaf l) {
        return switch (l) {
            case CREATE -> Kind.FRESH;
            case VP_ADDCX, VP_INIT, VP_FLUSH -> Kind.TDVPR;
            case RECLAIM -> Kind.ANY_KNOWN;
            default -> Kind.TDR;
        };
    }

    static Kind rightSecond(Leaf l) {
        return switch (l) {
            case ADDCX, VP_CREATE, VP_ADDCX, SEPT_ADD, PAGE_ADD -> Kind.FRESH;
            default -> Kind.ANY_KNOWN;
        };
    }

    static Arbitrary<Op> ops() {
        Arbitrary<Leaf> leaves = Arbitraries.frequency(
                net.jqwik.api.Tuple.of(4, Leaf.CREATE), net.jqwik.api.Tuple.of(4, Leaf.KEY_CONFIG),
                net.jqwik.api.Tuple.of(8, Leaf.ADDCX), net.jqwik.api.Tuple.of(4, Leaf.INIT),
                net.jqwik.api.Tuple.of(4, Leaf.VP_CREATE), net.jqwik.api.Tuple.of(8, Leaf.VP_ADDCX),
                net.jqwik.api.Tuple.of(4, Leaf.VP_INIT), net.jqwik.api.Tuple.of(6, Leaf.SEPT_ADD),
                net.jqwik.api.Tuple.of(4, Leaf.PAGE_ADD), net.jqwik.api.Tuple.of(3, Leaf.MR_EXTEND),
                net.jqwik.api.Tuple.of(3, Leaf.MR_FINALIZE), net.jqwik.api.Tuple.of(3, Leaf.VP_FLUSH),
                net.jqwik.api.Tuple.of(3, Leaf.VPFLUSHDONE), net.jqwik.api.Tuple.of(3, Leaf.CACHE_WB),
                net.jqwik.api.Tuple.of(3, Leaf.KEY_FREEID), net.jqwik.api.Tuple.of(8, Leaf.RECLAIM),
                net.jqwik.api.Tuple.of(2, Leaf.MNG_RD));
        Arbitrary<Integer> idx = Arbitraries.integers().between(0, 63);
        return leaves.flatMap(l -> Combinators.combine(kind(rightFirst(l)), idx, kind(rightSecond(l)), idx,
                kind(Kind.ANY_KNOWN), idx, idx).as((k1, i1, k2, i2, k3, i3, n) -> new Op(l, k1, i1, k2, i2, k3, i3, n)));
    }

    static final class StepAction implements Action.Independent<Sut> {
        @Override
        public Arbitrary<Transformer<Sut>> transformer() {
            return ops().map(op -> Transformer.mutate(op.toString(), s -> s.step(op)));
        }
    }

    /** Steps along the normal build/teardown path ({@link Sut#progressCall}). */
    static final class ProgressAction implements Action.Independent<Sut> {
        @Override
        public Arbitrary<Transformer<Sut>> transformer() {
            return Arbitraries.integers().between(0, 1 << 16)
                    .map(pick -> Transformer.mutate("progress#" + pick, s -> s.stepCall(s.progressCall(pick))));
        }
    }

    static Arbitrary<ActionChain<Sut>> chains(String version, int maxSteps) {
        return ActionChain.startWith(() -> {
            Sut s = new Sut(version);
            s.statistics = true;
            return s;
        }).withAction(2, new StepAction())
                .withAction(3, new ProgressAction()).withMaxTransformations(maxSteps);
    }

    @Provide
    Arbitrary<ActionChain<Sut>> chains15() {
        return chains("1.5.06", 80);
    }

    @Provide
    Arbitrary<ActionChain<Sut>> chains20() {
        return chains("2.0.08", 80);
    }

    @Provide
    Arbitrary<ActionChain<Sut>> longChains() {
        return chains("1.5.06", 400);
    }

    /** Property (module 1.5.06): the simulator and the abi §7 model agree on every SEAMCALL of every chain. */
    @Property(tries = 150)
    void lifecycleMatchesModel15(@ForAll("chains15") ActionChain<Sut> chain) {
        Sut end = chain.withInvariant("accounting", Sut::invariants).run();
        net.jqwik.api.statistics.Statistics.label("steps").collect(end.steps / 20 * 20);
    }

    /** Property (module 2.0.08): same as {@link #lifecycleMatchesModel15} on the 2.0 tables. */
    @Property(tries = 60)
    void lifecycleMatchesModel20(@ForAll("chains20") ActionChain<Sut> chain) {
        chain.withInvariant("accounting", Sut::invariants).run();
    }

    /** Long profile: 3,000 chains of up to 400 SEAMCALLs each. */
    @Property(tries = 3000)
    @Tag("long")
    void lifecycleMatchesModelLong(@ForAll("longChains") ActionChain<Sut> chain) {
        chain.withInvariant("accounting", Sut::invariants).run();
    }

    /** A full build-run-teardown sequence, step by step, as a fixed regression chain. */
    @Test
    void fullLifecycleRegression() {
        Sut s = new Sut("1.5.06");
        s.step(new Op(Leaf.CREATE, Kind.FRESH, 0, Kind.FRESH, 0, Kind.FRESH, 0, 0));
        s.step(new Op(Leaf.KEY_CONFIG, Kind.TDR, 0, Kind.FRESH, 0, Kind.FRESH, 0, 0));
        for (int i = 0; i < ModuleTds.minTdcs(s.m); i++) {
            s.step(new Op(Leaf.ADDCX, Kind.TDR, 0, Kind.FRESH, 0, Kind.FRESH, 0, 0));
        }
        s.step(new Op(Leaf.INIT, Kind.TDR, 0, Kind.FRESH, 0, Kind.FRESH, 0, 1));
        s.step(new Op(Leaf.VP_CREATE, Kind.TDR, 0, Kind.FRESH, 0, Kind.FRESH, 0, 0));
        for (int i = 1; i < ModuleTds.minTdvps(s.m); i++) {
            s.step(new Op(Leaf.VP_ADDCX, Kind.TDVPR, 0, Kind.FRESH, 0, Kind.FRESH, 0, 0));
        }
        s.step(new Op(Leaf.VP_INIT, Kind.TDVPR, 0, Kind.FRESH, 0, Kind.FRESH, 0, 0));
        for (int level = 3; level >= 1; level--) {
            s.step(new Op(Leaf.SEPT_ADD, Kind.TDR, 0, Kind.FRESH, 0, Kind.FRESH, level - 1, 0));
        }
        s.step(new Op(Leaf.PAGE_ADD, Kind.TDR, 0, Kind.FRESH, 0, Kind.FRESH, 0, 0));
        s.step(new Op(Leaf.MR_EXTEND, Kind.TDR, 0, Kind.FRESH, 0, Kind.FRESH, 1, 0));
        s.step(new Op(Leaf.MR_FINALIZE, Kind.TDR, 0, Kind.FRESH, 0, Kind.FRESH, 0, 0));
        s.step(new Op(Leaf.MNG_RD, Kind.TDR, 0, Kind.FRESH, 0, Kind.FRESH, 0, 0));
        s.step(new Op(Leaf.VP_FLUSH, Kind.TDVPR, 0, Kind.FRESH, 0, Kind.FRESH, 0, 0));
        s.step(new Op(Leaf.VPFLUSHDONE, Kind.TDR, 0, Kind.FRESH, 0, Kind.FRESH, 0, 0));
        s.step(new Op(Leaf.CACHE_WB, Kind.TDR, 0, Kind.FRESH, 0, Kind.FRESH, 0, 0));
        s.step(new Op(Leaf.KEY_FREEID, Kind.TDR, 0, Kind.FRESH, 0, Kind.FRESH, 0, 0));
        // every child page, then the TDR
        for (SeamcallModel.Type t : List.of(SeamcallModel.Type.REG, SeamcallModel.Type.EPT, SeamcallModel.Type.TDCX,
                SeamcallModel.Type.TDVPR)) {
            while (s.known.stream().anyMatch(p -> s.model.type(p) == t)) {
                s.step(new Op(Leaf.RECLAIM, kindOf(t), 0, Kind.FRESH, 0, Kind.FRESH, 0, 0));
            }
        }
        s.step(new Op(Leaf.RECLAIM, Kind.TDR, 0, Kind.FRESH, 0, Kind.FRESH, 0, 0));
        s.invariants();
        assertThat(s.m.liveTds()).isZero();
        assertThat(s.m.assignedPages()).isEmpty();
        assertThat(s.m.hkidsInUse()).isEqualTo(1);
    }

    static Kind kindOf(SeamcallModel.Type t) {
        return switch (t) {
            case NDA -> Kind.KNOWN_NDA;
            case TDR -> Kind.TDR;
            case TDCX -> Kind.TDCX;
            case TDVPR -> Kind.TDVPR;
            case EPT -> Kind.EPT;
            case REG -> Kind.REG;
        };
    }
}
