package org.tdxsim.module;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tdxsim.module.Fixtures.assertStatus;
import static org.tdxsim.module.Fixtures.assertSuccess;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tdxsim.module.cpuid.CpuidRegs;

/**
 * TDH.MNG.INIT's perfmon event filters on 2.0.08: RCX bit 0 is the event-filtering flag and the TDR
 * is {@code RCX & ~1} (abi §1.1 "[M2.0] adds: RCX bit 0 = event-filtering flag, R8 = event-filter
 * info"); R8 layout and checks from [M2.0] {@code tdh_mng_init.c} and {@code td_control_structures.h}
 * ({@code event_filter_info_t}, {@code event_filter_t}, {@code MAX_EVENT_FILTERS} 512), not in the
 * digest. 1.x has no flag: an odd RCX is a misaligned TDR.
 */
class EventFilteringTest {

    static final long PERFMON = 1L << 63;

    /** One event filter: event select 7:0, umask 47:32, umask mask 63:48 = 0xFFFF (the only accepted value). */
    static long filter(int eventSelect, int umask) {
        return (eventSelect & 0xFFL) | (long) umask << 32 | 0xFFFFL << 48;
    }

    /** R8 = event_filter_info: count in bits 11:0, table HPA in bits 51:12. */
    static long info(long tablePa, int count) {
        return tablePa | count;
    }

    static long table(TdxModule m, long... filters) {
        long pa = m.memory().allocatePage();
        for (int i = 0; i < filters.length; i++) {
            m.memory().writeLong(pa + 8L * i, filters[i]);
        }
        return pa;
    }

    static long params(TdxModule m, long attributes) {
        return TdImages.write(m, TdImages.builder(m).attributes(attributes).build());
    }

    static SeamcallResult init(TdxModule m, TdBuild td, long params, long r8) {
        return m.tdhMngInit(td.tdr | 1, params, r8);
    }

    @Test
    void flagWithoutPerfmonIgnoresR8() {
        TdxModule m = Fixtures.ready("2.0.08");
        TdBuild td = TdBuild.keyed(m, m.privateHkidMin() + 1);
        SeamcallResult r = init(m, td, params(m, 0), -1L);
        assertSuccess(r);
        assertThat(m.opState(td.tdr)).contains(OpState.INITIALIZED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.0", "1.5.01", "1.5.06"})
    void oddRcxIsAMisalignedTdrBefore20(String v) {
        TdxModule m = Fixtures.ready(v);
        TdBuild td = TdBuild.keyed(m, m.privateHkidMin() + 1);
        assertStatus(m, init(m, td, TdImages.valid(m), 0), "TDX_OPERAND_INVALID", "RCX");
        assertSuccess(m.tdhMngInit(td.tdr, TdImages.valid(m)));
    }

    @Test
    void sortedFiltersAreAccepted() {
        TdxModule m = Fixtures.ready("2.0.08");
        TdBuild td = TdBuild.keyed(m, m.privateHkidMin() + 1);
        // sorted by (umask, event select): the internal key is event_select | umask << 8
        long t = table(m, filter(0x3C, 0), filter(0xC0, 0), filter(0x2E, 0x41), filter(0x2E, 0x4F));
        assertSuccess(init(m, td, params(m, PERFMON), info(t, 4)));
    }

    @Test
    void badEventFilterInfoIsOperandInvalidR8() {
        TdxModule m = Fixtures.ready("2.0.08");
        long t = table(m, filter(0x3C, 0));
        long[] bad = {
            info(t, 0),                                          // no filters
            info(t, 513),                                        // more than MAX_EVENT_FILTERS (512)
            info(t, 1) | 1L << 52,                               // reserved bits 63:52
            info(m.memory().withHkid(t, m.privateHkidMin()), 1), // table HPA with a private HKID
            info(1L << m.memory().maxPa(), 1),                   // table HPA beyond MAX_PA
        };
        int hkid = m.privateHkidMin();
        for (long r8 : bad) {
            TdBuild td = TdBuild.keyed(m, ++hkid);
            SeamcallResult r = init(m, td, params(m, PERFMON), r8);
            assertStatus(m, r, "TDX_OPERAND_INVALID", "R8");
            assertThat(m.opState(td.tdr)).as("R8 0x%X", r8).contains(OpState.UNINITIALIZED);
        }
    }

    @Test
    void badFilterEntryIsEventFilterInvalidWithItsIndex() {
        TdxModule m = Fixtures.ready("2.0.08");
        long ok = filter(0x3C, 0);
        long[] badEntries = {
            ok | 1L << 8,               // reserved bits 30:8
            ok | 1L << 31,              // negative filtering
            filter(0x3C, 0x100),        // umask wider than 8 bits
            ok & ~(1L << 63),           // umask mask not 0xFFFF
        };
        int hkid = m.privateHkidMin();
        for (long bad : badEntries) {
            TdBuild td = TdBuild.keyed(m, ++hkid);
            long t = table(m, filter(0x01, 0), filter(0x02, 0), bad);
            SeamcallResult r = init(m, td, params(m, PERFMON), info(t, 3));
            assertThat(r.rax()).as("entry 0x%X: %s", bad, r.explanation())
                    .isEqualTo(Fixtures.status(m, "TDX_EVENT_FILTER_INVALID") | 2);
        }
    }

    @Test
    void unsortedOrDuplicateFiltersAreOrderInvalidWithTheIndex() {
        TdxModule m = Fixtures.ready("2.0.08");
        long[][] tables = {
            {filter(0x10, 1), filter(0x20, 0)},           // umask 1 before umask 0
            {filter(0x10, 0), filter(0x10, 0)},           // duplicate
            {filter(0x01, 0), filter(0x02, 0), filter(0x01, 0)},
        };
        int[] index = {1, 1, 2};
        for (int k = 0; k < tables.length; k++) {
            TdBuild td = TdBuild.keyed(m, m.privateHkidMin() + 1 + k);
            long t = table(m, tables[k]);
            SeamcallResult r = init(m, td, params(m, PERFMON), info(t, tables[k].length));
            assertThat(r.rax()).as("%s", r.explanation())
                    .isEqualTo(Fixtures.status(m, "TDX_EVENT_FILTER_ORDER_INVALID") | index[k]);
        }
    }

    /** The filters are read after rows 8-21 (ATTRIBUTES first) and before the CPUID loop (row 22). */
    @Test
    void filterCheckSitsBetweenRow21AndRow22() {
        TdxModule m = Fixtures.ready("2.0.08");
        TdBuild td = TdBuild.keyed(m, m.privateHkidMin() + 1);
        long badAttributes = TdImages.write(m, TdImages.builder(m).attributes(PERFMON | 1L << 1).build());
        assertStatus(m, init(m, td, badAttributes, 0), "TDX_OPERAND_INVALID", "ATTRIBUTES");
        long badCpuid = TdImages.write(m, TdImages.builder(m).attributes(PERFMON)
                .cpuidConfig(0, new CpuidRegs(0, 0, 0, 1)).build()); // CPUID(1).EDX bit 0 is not configurable
        assertStatus(m, init(m, td, badCpuid, 0), "TDX_OPERAND_INVALID", "R8");
        assertStatus(m, m.tdhMngInit(td.tdr, badCpuid), "TDX_OPERAND_INVALID", "CPUID_CONFIG");
    }
}
