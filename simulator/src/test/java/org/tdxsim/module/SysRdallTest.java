package org.tdxsim.module;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tdxsim.module.Fixtures.assertStatus;
import static org.tdxsim.module.Fixtures.assertSuccess;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.tdxsim.module.metadata.MetadataFieldId;
import org.tdxsim.module.profile.GlobalField;

/**
 * TDH.SYS.RDALL (leaf 37): register use (abi §1.1), statuses and list format of [M1.5.01]
 * {@code tdh_sys_rdall.c} / {@code metadata_generic.c} {@code md_dump_list} (commit 72d8cffb; identical in
 * [M2.0] 1666adc4), not in the digest.
 */
class SysRdallTest {

    /** One parsed list: (element id → value) in list order, and the header's size and sequence count. */
    record ParsedList(Map<Long, Long> values, int listBuffSize, int numSequences, List<Long> sequenceHeaders) {
    }

    /**
     * Parses an md_list: u64 header (15:0 size, 31:16 sequences, 63:32 reserved), then per sequence a
     * field-id header whose LAST_FIELD_IN_SEQUENCE/LAST_ELEMENT_IN_FIELD give the element count, then the
     * u64 elements. Element ids are reconstructed as SYS.RD returns them: header with the LAST_* bits
     * cleared, FIELD_CODE advanced by INC_SIZE + 1 per element.
     */
    static ParsedList parse(byte[] page) {
        ByteBuffer b = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
        int size = Short.toUnsignedInt(b.getShort(0));
        int seqs = Short.toUnsignedInt(b.getShort(2));
        assertThat(b.getInt(4)).as("list header reserved bits").isZero();
        Map<Long, Long> out = new LinkedHashMap<>();
        List<Long> headers = new ArrayList<>();
        int off = 8;
        for (int s = 0; s < seqs; s++) {
            long h = b.getLong(off);
            headers.add(h);
            MetadataFieldId f = MetadataFieldId.decode(h);
            int n = (f.lastFieldInSequence() + 1) * (f.lastElementInField() + 1);
            int stride = f.incSize() ? 2 : 1;
            long base = h & ~(0xFL << 34) & ~(0x1FFL << 38);
            for (int i = 0; i < n; i++) {
                long id = base & ~0xFF_FFFFL | (base + (long) i * stride) & 0xFF_FFFFL;
                out.put(id, b.getLong(off + 8 + 8 * i));
            }
            off += 8 + 8 * n;
        }
        assertThat(off).as("LIST_BUFF_SIZE").isEqualTo(size);
        return new ParsedList(out, size, seqs, headers);
    }

    /**
     * Same (id, value) pairs in the same order; the message names the first difference in hex. Ids are
     * compared without bit 63 (NON_ARCH): a sequence header is its first field's id, so a field merged into
     * a sequence (e.g. BUILD_DATE, bit 63 set, after VENDOR_ID, bit 63 clear) is listed under the first
     * field's bit 63 — which the lookup ignores anyway (abi §6.1).
     */
    static void assertSameList(Map<Long, Long> got, Map<Long, Long> want) {
        List<Map.Entry<Long, Long>> g = new ArrayList<>(got.entrySet());
        List<Map.Entry<Long, Long>> w = new ArrayList<>(want.entrySet());
        for (int i = 0; i < Math.min(g.size(), w.size()); i++) {
            assertThat(g.get(i).getKey() & Long.MAX_VALUE).as("element %d id: got 0x%X, want 0x%X", i, g.get(i).getKey(),
                    w.get(i).getKey()).isEqualTo(w.get(i).getKey() & Long.MAX_VALUE);
            assertThat(g.get(i).getValue()).as("value of 0x%X", g.get(i).getKey()).isEqualTo(w.get(i).getValue());
        }
        assertThat(g.size()).as("number of elements").isEqualTo(w.size());
    }

    /** Every readable element via TDH.SYS.RD's null-id protocol (abi §6.2), in visiting order. */
    static Map<Long, Long> bySysRd(TdxModule m) {
        Map<Long, Long> out = new LinkedHashMap<>();
        long id = m.tdhSysRd(MetadataFieldId.NULL_ID).rdx();
        while (id != -1L) {
            SeamcallResult r = m.tdhSysRd(id);
            assertSuccess(r);
            out.put(id, r.r8());
            id = r.rdx();
        }
        return out;
    }

    /** Every list TDH.SYS.RDALL returns from {@code start} on, following R8 while the status is LIST_OVERFLOW. */
    static Map<Long, Long> byRdall(TdxModule m, long start, List<ParsedList> lists) {
        Map<Long, Long> out = new LinkedHashMap<>();
        long id = start;
        for (int call = 0; call < 64; call++) {
            long page = m.memory().allocatePage();
            SeamcallResult r = m.tdhSysRdall(page, id);
            ParsedList l = parse(m.memory().read(page, 4096));
            lists.add(l);
            l.values().forEach((k, v) -> assertThat(out.put(k, v)).as("0x%X listed twice", k).isNull());
            if (r.isSuccess()) {
                assertThat(r.r8()).isEqualTo(-1L);
                return out;
            }
            assertStatus(m, r, "TDX_METADATA_LIST_OVERFLOW");
            assertThat(r.r8()).isNotEqualTo(-1L);
            id = r.r8();
        }
        throw new AssertionError("TDH.SYS.RDALL did not finish within 64 calls");
    }

    /**
     * Property: reading all SYS fields through TDH.SYS.RDALL from the null id, over as many calls as it
     * takes, yields exactly the (field id, value) pairs — in the same order — that iterating TDH.SYS.RD
     * with the null-id protocol yields; every sequence header has CONTEXT_CODE SYS and WRITE_MASK_VALID 0.
     */
    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "1.5.06", "2.0.08"})
    void rdallListsTheSameFieldsAndValuesAsSysRd(String v) {
        TdxModule m = Fixtures.ready(v);
        List<ParsedList> lists = new ArrayList<>();
        Map<Long, Long> rdall = byRdall(m, MetadataFieldId.NULL_ID, lists);
        Map<Long, Long> rd = bySysRd(m);
        assertThat(rd).isNotEmpty();
        assertSameList(rdall, rd);
        for (ParsedList l : lists) {
            assertThat(l.listBuffSize()).isLessThanOrEqualTo(4096);
            for (long h : l.sequenceHeaders()) {
                MetadataFieldId f = MetadataFieldId.decode(h);
                assertThat(f.contextCode()).isEqualTo(MetadataFieldId.CONTEXT_SYS);
                assertThat(f.writeMaskValid()).isFalse();
                assertThat(f.reservedBits31To24() | f.reservedBits49To47()).isZero();
            }
        }
    }

    /**
     * md_dump_sequence: consecutive fields of one class with the same element count and size share a
     * sequence — NUM_PKGS (field code 0) and the 8 PKG_FMS fields (1..8) are one sequence of 9 fields —
     * and CPUID_CONFIG_VALUES (2 elements per field) has LAST_ELEMENT_IN_FIELD = 1.
     */
    @Test
    void sequencesGroupConsecutiveFields() {
        TdxModule m = Fixtures.ready("1.5.06");
        List<ParsedList> lists = new ArrayList<>();
        byRdall(m, MetadataFieldId.NULL_ID, lists);
        List<Long> headers = lists.stream().flatMap(l -> l.sequenceHeaders().stream()).toList();
        MetadataFieldId first = MetadataFieldId.decode(headers.get(0));
        assertThat(first.classCode()).isZero();
        assertThat(first.fieldCode()).isZero();
        assertThat(first.lastFieldInSequence()).isEqualTo(8);
        assertThat(first.lastElementInField()).isZero();
        MetadataFieldId values = headers.stream().map(MetadataFieldId::decode)
                .filter(f -> f.classCode() == 0x19 && f.fieldCode() == 0x500).findFirst().orElseThrow();
        assertThat(values.lastElementInField()).isEqualTo(1);
        assertThat(values.lastFieldInSequence()).isEqualTo(31);
    }

    /** Starting from a field in the middle lists exactly the SYS.RD iteration's tail from that field on. */
    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "2.0.08"})
    void startingMidContextListsTheTail(String v) {
        TdxModule m = Fixtures.ready(v);
        GlobalField f = m.profile().globalFields().stream().filter(g -> g.name().equals("ATTRIBUTES_FIXED0"))
                .findFirst().orElseThrow();
        Map<Long, Long> rd = bySysRd(m);
        List<Map.Entry<Long, Long>> all = new ArrayList<>(rd.entrySet());
        int from = new ArrayList<>(rd.keySet()).indexOf(f.fieldId());
        assertThat(from).isPositive();
        Map<Long, Long> tail = byRdall(m, f.fieldId(), new ArrayList<>());
        Map<Long, Long> want = new LinkedHashMap<>();
        all.subList(from, all.size()).forEach(e -> want.put(e.getKey(), e.getValue()));
        assertSameList(tail, want);
    }

    /**
     * md_check_field_and_get_entry: an id of no SYS field, an id inside a field (CPUID_CONFIG_VALUES[0]
     * element 1) and an id with another ELEMENT_SIZE_CODE than the table's (NUM_PKGS is 32-bit, size code 2;
     * TDH.SYS.RD would accept it) → TDX_METADATA_FIELD_ID_INCORRECT, R8 = −1, nothing written.
     */
    @Test
    void badStartIds() {
        TdxModule m = Fixtures.ready("1.5.06");
        long page = m.memory().allocatePage();
        byte[] junk = new byte[4096];
        Arrays.fill(junk, (byte) 0x5A);
        m.memory().write(page, junk);
        for (long id : new long[] {0x3F00000000000000L, 0x9900000300000501L, 0x0000000000000000L}) {
            SeamcallResult r = m.tdhSysRdall(page, id);
            assertStatus(m, r, "TDX_METADATA_FIELD_ID_INCORRECT");
            assertThat(r.r8()).isEqualTo(-1L);
            assertThat(m.memory().read(page, 4096)).isEqualTo(junk);
        }
        assertSuccess(m.tdhSysRd(0x0000000000000000L));
        // the context bits of the start id are ignored (forced to SYS)
        assertThat(m.tdhSysRdall(page, 0x0000000200000000L | 2L << 52).rax()).isIn(
                0L, Fixtures.status(m, "TDX_METADATA_LIST_OVERFLOW"));
    }

    /**
     * shared_hpa_check_with_pwr_2_alignment(RDX, 4 KiB): not 4 KiB aligned, at or above MAX_PA, or with a
     * private HKID → TDX_OPERAND_INVALID|RDX, R8 = −1.
     */
    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "1.5.06", "2.0.08"})
    void badListBufferPa(String v) {
        TdxModule m = Fixtures.ready(v);
        long page = m.memory().allocatePage();
        HostMemory mem = m.memory();
        long[] bad = {page + 8, page + 2048, 1L << mem.maxPa(), mem.withHkid(page, m.privateHkidMin())};
        for (long pa : bad) {
            SeamcallResult r = m.tdhSysRdall(pa, MetadataFieldId.NULL_ID);
            assertStatus(m, r, "TDX_OPERAND_INVALID", "RDX");
            assertThat(r.r8()).isEqualTo(-1L);
        }
        // a shared KeyID (0 is the TME key) is fine
        assertThat(m.tdhSysRdall(page, MetadataFieldId.NULL_ID).rax()).isIn(0L,
                Fixtures.status(m, "TDX_METADATA_LIST_OVERFLOW"));
    }

    /**
     * TDH.SYS.RDALL needs TDH.SYS.LP.INIT on the calling LP (TDX_SYS_LP_INIT_NOT_DONE, checked before the
     * PA) but not SYS_READY: the 1.5+ dispatcher lets leaf 37 through before READY (abi §6.2).
     */
    @Test
    void needsLpInitButNotReady() {
        TdxModule m = TdxModule.create(Fixtures.module("1.5.06"), Fixtures.gnr());
        SeamcallResult r = m.tdhSysRdall(1, MetadataFieldId.NULL_ID);
        assertStatus(m, r, "TDX_SYS_LP_INIT_NOT_DONE");
        assertThat(r.r8()).isEqualTo(-1L);
        assertSuccess(m.tdhSysInit());
        assertSuccess(m.tdhSysLpInit(0));
        long page = m.memory().allocatePage();
        Map<Long, Long> values = byRdall(m, MetadataFieldId.NULL_ID, new ArrayList<>());
        assertThat(values).containsEntry(0x0800000200000000L, 0x8086L);
        assertStatus(m, m.seamcall(1, Registers.leaf(Leaf.TDH_SYS_RDALL).withRdx(page)), "TDX_SYS_LP_INIT_NOT_DONE");
    }

    /**
     * 1.5.01 md_sys_read_field stores only element 0 of CPUID_CONFIG_VALUES[i] for i ≥ NUM_CPUID_CONFIG, so
     * element 1's slot keeps the buffer's old bytes; 2.0.08 stores 0 there ([M2.0] metadata_sys.c).
     */
    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "2.0.08"})
    void unusedCpuidConfigValuesSlots(String v) {
        TdxModule m = Fixtures.ready(v);
        int n = m.profile().cpuidConfigurable().size();
        assertThat(n).isLessThan(32);
        long page = m.memory().allocatePage();
        byte[] junk = new byte[4096];
        Arrays.fill(junk, (byte) 0x5A);
        m.memory().write(page, junk);
        long start = 0x9900000300000500L;
        SeamcallResult r = m.tdhSysRdall(page, start);
        assertThat(r.rax()).isIn(0L, Fixtures.status(m, "TDX_METADATA_LIST_OVERFLOW"));
        Map<Long, Long> l = parse(m.memory().read(page, 4096)).values();
        assertThat(l.get(start + 2L * n)).isZero();
        long elem1 = l.get(start + 2L * n + 1);
        assertThat(elem1).isEqualTo(v.equals("1.5.01") ? 0x5A5A5A5A5A5A5A5AL : 0L);
        assertThat(l.get(start + 1)).isEqualTo(m.tdhSysRd(start + 1).r8());
    }

    /**
     * TDH.SYS.RDALL is absent in 1.0 (abi §1) and not on 1.0's before-READY list: TDX_SYS_NOT_READY before
     * READY, TDX_OPERAND_INVALID|RAX after; every version returns TDX_SYS_SHUTDOWN after TDH.SYS.LP.SHUTDOWN.
     */
    @ParameterizedTest
    @MethodSource("org.tdxsim.module.Fixtures#versions")
    void dispatcherStatuses(String v) {
        TdxModule fresh = TdxModule.create(Fixtures.module(v), Fixtures.gnr());
        if (v.equals("1.0")) {
            assertStatus(fresh, fresh.tdhSysRdall(0, MetadataFieldId.NULL_ID), "TDX_SYS_NOT_READY");
            TdxModule ready = Fixtures.ready(v);
            assertStatus(ready, ready.tdhSysRdall(ready.memory().allocatePage(), MetadataFieldId.NULL_ID),
                    "TDX_OPERAND_INVALID", "RAX");
        } else {
            assertStatus(fresh, fresh.tdhSysRdall(0, MetadataFieldId.NULL_ID), "TDX_SYS_LP_INIT_NOT_DONE");
        }
        TdxModule m = Fixtures.ready(v);
        assertSuccess(m.seamcall(0, Registers.leaf(Leaf.TDH_SYS_LP_SHUTDOWN)));
        assertStatus(m, m.tdhSysRdall(0, MetadataFieldId.NULL_ID), "TDX_SYS_SHUTDOWN");
    }
}
