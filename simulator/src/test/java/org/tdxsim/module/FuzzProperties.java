package org.tdxsim.module;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Combinators;
import org.tdxsim.module.profile.ModuleProfile;

/**
 * Robustness properties: whatever registers, field ids or page addresses a caller hands the engine,
 * it answers with a status the module defines, never an exception.
 */
class FuzzProperties {

    private static final Map<String, TdxModule> READY = new ConcurrentHashMap<>();

    /**
     * Ready modules shared across the tries of one property (keyed per property and version: random calls may
     * change state, even shut the module down, and must not leak into another property).
     */

    /** The status's base (bits 63:32, or the full value for operand-less informational codes) is a status of the version. */
    static boolean isDefinedStatus(ModuleProfile p, long rax) {
        return rax == 0 || p.statusName(rax & 0xFFFF_FFFF_0000_0000L).isPresent() || p.statusName(rax).isPresent();
    }

    @Provide
    Arbitrary<String> version() {
        return Arbitraries.of(Fixtures.VERSIONS);
    }

    /** Leaf numbers biased to the ones the engine implements, plus any 64-bit RAX now and then. */
    @Provide
    Arbitrary<Long> rax() {
        Arbitrary<Long> known = Arbitraries.of(Leaf.values()).map(l -> (long) l.number());
        Arbitrary<Long> versioned = Combinators.combine(Arbitraries.of(Leaf.values()), Arbitraries.integers().between(0, 3))
                .as((l, v) -> Registers.raxFor(l.number(), v));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, known),
                net.jqwik.api.Tuple.of(2, versioned),
                net.jqwik.api.Tuple.of(1, Arbitraries.longs()));
    }

    /** Register values: small, page-like addresses inside and around the TDMR, HKID-tagged and arbitrary longs. */
    @Provide
    Arbitrary<Long> reg() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.longs().between(0, 64)),
                net.jqwik.api.Tuple.of(3, Arbitraries.longs().between(0, (2L << 30) >>> 12).map(p -> p << 12)),
                net.jqwik.api.Tuple.of(1, Arbitraries.longs().between(0, (2L << 30))),
                net.jqwik.api.Tuple.of(2, Arbitraries.longs()),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(-1L)));
    }

    /** Property: a random register set on any LP of a ready module yields a defined status and never throws. */
    @Property(tries = 400)
    void randomRegistersGiveADefinedStatus(@ForAll("version") String v, @ForAll("rax") long rax,
                                           @ForAll("reg") long rcx, @ForAll("reg") long rdx, @ForAll("reg") long r8,
                                           @ForAll("reg") long r9) {
        TdxModule m = ready("regs-" + v, v);
        SeamcallResult r = m.seamcall((int) Math.floorMod(rcx, m.numLps()), new Registers(rax, rcx, rdx, r8, r9, -1, -1));
        assertThat(isDefinedStatus(m.profile(), r.rax())).as("%s", r).isTrue();
        assertThat(r.out().rax()).isEqualTo(r.rax());
        assertThat(r.explanation().summary()).isNotBlank();
    }

    private static final Map<String, long[]> LIVE_PAGES = new ConcurrentHashMap<>();

    /** A ready module per version holding one initialised TD with a vCPU and a mapped page; returns its page PAs. */
    private static long[] livePages(String key, String v) {
        return LIVE_PAGES.computeIfAbsent(key, k -> {
            TdxModule m = ready(k, v);
            TdBuild td = TdBuild.initialized(m, m.privateHkidMin() + 1, true, 2);
            long tdvpr = td.vcpuInitialized();
            td.septFor(0);
            long page = td.pageAdd(0, (byte) 3);
            return new long[] {td.tdr, tdvpr, page, td.tdcx.get(0), td.tdr | 1, 0, 1, 2, 3};
        });
    }

    private static TdxModule ready(String key, String v) {
        return READY.computeIfAbsent(key, k -> Fixtures.ready(v));
    }

    /**
     * Property: random leaves whose registers are random or the addresses of a live TD's own pages (TDR,
     * TDVPR, a private page, a TDCS page, GPAs 0..3 with levels) — so the deep checks of every handler are reached —
     * yield a defined status, never an exception, and keep PT_TDR pages equal to the live TDs.
     */
    @Property(tries = 600)
    void randomCallsAgainstALiveTd(@ForAll("version") String v, @ForAll("rax") long rax,
                                   @ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 12) int a,
                                   @ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 12) int b,
                                   @ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 12) int c,
                                   @ForAll("reg") long random) {
        long[] pages = livePages("live-" + v, v);
        TdxModule m = ready("live-" + v, v);
        long[] pick = new long[3];
        int[] sel = {a, b, c};
        for (int i = 0; i < 3; i++) {
            pick[i] = sel[i] < pages.length ? pages[sel[i]] : random + i;
        }
        SeamcallResult r = m.seamcall(0, new Registers(rax, pick[0], pick[1], pick[2], m.memory().allocatePage(), -1, -1));
        assertThat(isDefinedStatus(m.profile(), r.rax())).as("%s", r).isTrue();
        assertThat(m.assignedPages().getOrDefault(PageType.PT_TDR, 0L)).isEqualTo((long) m.liveTds());
    }

    /**
     * Property: any 64-bit field id and version 0/1 given to TDH.MNG.RD of a live debug TD yields success,
     * FIRST_FIELD_ID_IN_CONTEXT or a metadata error (1.0: OPERAND_INVALID|RDX / FIELD_NOT_READABLE) — never an
     * exception; a successful version-1 read returns a next id that is itself readable or −1.
     */
    @Property(tries = 400)
    void randomMngRdFieldIds(@ForAll("version") String v, @ForAll long fieldId, @ForAll boolean v1) {
        long tdr = livePages("rd-" + v, v)[0];
        TdxModule m = ready("rd-" + v, v);
        SeamcallResult r = m.tdhMngRd(tdr, fieldId, v.equals("1.0") || !v1 ? 0 : 1);
        assertThat(isDefinedStatus(m.profile(), r.rax())).as("%s", r).isTrue();
        if (!r.isSuccess()) {
            assertThat(m.profile().statusName(r.rax() & 0xFFFF_FFFF_0000_0000L).or(() -> m.profile().statusName(r.rax()))
                    .orElseThrow()).isIn("TDX_METADATA_FIELD_ID_INCORRECT", "TDX_METADATA_FIELD_NOT_READABLE",
                    "TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT", "TDX_OPERAND_INVALID", "TDX_FIELD_NOT_READABLE");
        } else if (v1 && !v.equals("1.0") && r.rdx() != -1L) {
            SeamcallResult next = m.tdhMngRd(tdr, r.rdx(), 1);
            assertThat(next.rax()).isIn(0L, Fixtures.status(m, "TDX_METADATA_FIELD_NOT_READABLE"));
        }
    }

    /** Property: the same on a module that has not been brought up (every leaf meets the state machine first). */
    @Property(tries = 200)
    void randomRegistersOnAFreshModule(@ForAll("version") String v, @ForAll("rax") long rax, @ForAll("reg") long rcx,
                                       @ForAll("reg") long rdx) {
        TdxModule m = TdxModule.create(Fixtures.module(v), Fixtures.gnr());
        SeamcallResult r = m.seamcall(0, new Registers(rax, rcx, rdx, 0, 0, 0, 0));
        assertThat(isDefinedStatus(m.profile(), r.rax())).as("%s", r).isTrue();
    }

    /** Property: any 64-bit field id given to TDH.SYS.RD yields success, FIRST_FIELD_ID or a metadata error — never an exception. */
    @Property(tries = 300)
    void randomSysRdFieldIds(@ForAll("version") String v, @ForAll long fieldId) {
        TdxModule m = ready("sysrd-" + v, v);
        SeamcallResult r = m.tdhSysRd(fieldId);
        assertThat(isDefinedStatus(m.profile(), r.rax())).isTrue();
        if (!v.equals("1.0") && !r.isSuccess()) {
            assertThat(m.profile().statusName(r.rax()).orElseThrow())
                    .isIn("TDX_METADATA_FIELD_ID_INCORRECT", "TDX_METADATA_FIELD_NOT_READABLE",
                            "TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT");
        }
    }

    /**
     * Property: random page addresses handed to the page leaves (CREATE, ADDCX, RECLAIM) give a defined status and
     * keep the PAMT consistent: a page is PT_TDR exactly when a live TD has it as TDR.
     */
    @Property(tries = 300)
    void randomPageAddresses(@ForAll("version") String v, @ForAll("reg") long page, @ForAll("reg") long other) {
        TdxModule m = ready("pages-" + v, v);
        int hkid = m.privateHkidMin() + 1 + (int) Math.floorMod(other, Math.max(1, m.privateHkidMax() - m.privateHkidMin()));
        for (SeamcallResult r : new SeamcallResult[] {m.tdhMngCreate(page, hkid), m.tdhMngAddcx(page, other),
                m.tdhPhymemPageReclaim(page), m.tdhMngKeyConfig(page, 0)}) {
            assertThat(isDefinedStatus(m.profile(), r.rax())).as("%s", r).isTrue();
        }
        assertThat(m.assignedPages().getOrDefault(PageType.PT_TDR, 0L)).isEqualTo((long) m.liveTds());
    }
}
