package org.tdxsim.module.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * {@link MetadataTable#dumpList}, the engine of TDH.SYS.RDALL ([M1.5.01] metadata_generic.c
 * {@code md_dump_list}/{@code md_dump_sequence}), on a small synthetic SYS-context table so that lists
 * overflow small buffers.
 */
class MetadataDumpListTest {

    /*
     * class 1: A fc 0 (1 field, 64-bit), B fc 1..3 (3 fields), C fc 4..7 (2 fields × 2 elements),
     *          D fc 8 (read mask 0), E fc 9 (32-bit);  class 2: F fc 0 (1 field), G fc 2 (gap).
     */
    static final MetadataTable TABLE = new MetadataTable(MetadataFieldId.CONTEXT_SYS, List.of(
            entry("A", 0, 0x0100000300000000L, 1, 1, -1L),
            entry("B", 1, 0x0100000300000001L, 3, 1, -1L),
            entry("C", 2, 0x0100000300000004L, 2, 2, -1L),
            entry("D", 3, 0x0100000300000008L, 1, 1, 0),
            entry("E", 4, 0x0100000200000009L, 1, 1, 0xFFFF_FFFFL),
            entry("F", 5, 0x0200000300000000L, 1, 1, -1L),
            entry("G", 6, 0x0200000300000002L, 1, 1, -1L)), new CpuidCatalog(List.of()));

    static MetadataEntry entry(String name, int i, long id, int fields, int elems, long mask) {
        return new MetadataEntry(name, i, id, fields, elems, mask, mask, 0, 0, false, false);
    }

    /** Element value = a recognisable function of entry and index, wider than 32 bits. */
    static final MetadataTable.ElementSource SRC = (e, i) -> 0x1111_0000_0000L * (e.tableIndex() + 1) + i + 0xABCD_0000_0000_0000L;

    /** Ids and values by the element iteration of TDH.SYS.RD (abi §6.2). */
    static List<long[]> byElements() {
        List<long[]> out = new ArrayList<>();
        for (long id = TABLE.first(false, SRC); id != -1L; id = TABLE.next(id, false, SRC)) {
            out.add(new long[] {id, ((MetadataResult.Value) TABLE.read(id, false, SRC)).value()});
        }
        return out;
    }

    record Parsed(List<long[]> elements, List<Long> headers, int size) {
    }

    static Parsed parse(byte[] buf) {
        ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
        int size = Short.toUnsignedInt(b.getShort(0));
        int seqs = Short.toUnsignedInt(b.getShort(2));
        List<long[]> out = new ArrayList<>();
        List<Long> headers = new ArrayList<>();
        int off = 8;
        for (int s = 0; s < seqs; s++) {
            long h = b.getLong(off);
            headers.add(h);
            MetadataFieldId f = MetadataFieldId.decode(h);
            int n = (f.lastFieldInSequence() + 1) * (f.lastElementInField() + 1);
            long base = h & ~(0xFL << 34) & ~(0x1FFL << 38);
            for (int i = 0; i < n; i++) {
                out.add(new long[] {base + i, b.getLong(off + 8 + 8 * i)});
            }
            off += 8 + 8 * n;
        }
        assertThat(off).isEqualTo(size);
        return new Parsed(out, headers, size);
    }

    /**
     * Property: for any buffer of 32..200 bytes, following nextId over LIST_OVERFLOW results from the null
     * id lists exactly the (id, value) pairs of the element iteration, in order, with whole fields only;
     * every list fits its buffer and every overflowing call lists at least one field.
     */
    @Property(tries = 60)
    void chainedListsEqualElementIteration(@ForAll @IntRange(min = 32, max = 200) int size) {
        List<long[]> got = new ArrayList<>();
        long id = MetadataFieldId.NULL_ID;
        for (int call = 0; ; call++) {
            assertThat(call).isLessThan(50);
            byte[] buf = new byte[size];
            MetadataTable.DumpResult r = TABLE.dumpList(id, buf, false, SRC);
            Parsed p = parse(buf);
            assertThat(p.size()).isLessThanOrEqualTo(size).isEqualTo(r.listBuffSize());
            got.addAll(p.elements());
            if (r.status() == MetadataTable.DumpStatus.SUCCESS) {
                assertThat(r.nextId()).isEqualTo(-1L);
                break;
            }
            assertThat(r.status()).isEqualTo(MetadataTable.DumpStatus.LIST_OVERFLOW);
            assertThat(p.elements()).isNotEmpty();
            id = r.nextId();
        }
        List<long[]> want = byElements();
        assertThat(got.stream().map(Arrays::toString).toList()).isEqualTo(want.stream().map(Arrays::toString).toList());
    }

    /**
     * With room for everything, sequences break where md_dump_sequence breaks: A+B (consecutive class-1
     * single-element 64-bit fields: 4 fields), C (2 elements per field: 2 fields), E (after unreadable D
     * and with another element size), F, G (FIELD_CODE gap) — 5 sequences.
     */
    @Test
    void sequenceBoundaries() {
        byte[] buf = new byte[4096];
        MetadataTable.DumpResult r = TABLE.dumpList(MetadataFieldId.NULL_ID, buf, false, SRC);
        assertThat(r.status()).isEqualTo(MetadataTable.DumpStatus.SUCCESS);
        Parsed p = parse(buf);
        assertThat(r.numSequences()).isEqualTo(5);
        List<long[]> shape = p.headers().stream().map(MetadataFieldId::decode)
                .map(f -> new long[] {f.classCode(), f.fieldCode(), f.lastFieldInSequence(), f.lastElementInField()})
                .toList();
        assertThat(shape).containsExactly(new long[] {1, 0, 3, 0}, new long[] {1, 4, 1, 1}, new long[] {1, 9, 0, 0},
                new long[] {2, 0, 0, 0}, new long[] {2, 2, 0, 0});
        assertThat(p.elements()).hasSize(1 + 3 + 4 + 1 + 1 + 1);
    }

    /**
     * Overflow stops before the first field that does not fit, with its id as next id: 48 bytes = header (8)
     * + sequence header (8) + A, B[0..2] (32 bytes) → next is C's first field, 0x0100000300000004.
     */
    @Test
    void overflowNamesTheFirstFieldNotListed() {
        byte[] buf = new byte[48];
        MetadataTable.DumpResult r = TABLE.dumpList(MetadataFieldId.NULL_ID, buf, false, SRC);
        assertThat(r.status()).isEqualTo(MetadataTable.DumpStatus.LIST_OVERFLOW);
        assertThat(r.nextId()).isEqualTo(0x0100000300000004L);
        assertThat(r.listBuffSize()).isEqualTo(48);
        // 47 bytes: the fourth field no longer fits
        MetadataTable.DumpResult r2 = TABLE.dumpList(MetadataFieldId.NULL_ID, new byte[47], false, SRC);
        assertThat(r2.nextId()).isEqualTo(0x0100000300000003L);
    }

    /** md_dump_list's size test: below 8 + 8 + 16 bytes → LIST_OVERFLOW, next id = the start id, nothing written. */
    @Test
    void tinyBufferReturnsTheStartId() {
        byte[] buf = new byte[31];
        Arrays.fill(buf, (byte) 7);
        MetadataTable.DumpResult r = TABLE.dumpList(0x0100000300000001L, buf, false, SRC);
        assertThat(r.status()).isEqualTo(MetadataTable.DumpStatus.LIST_OVERFLOW);
        assertThat(r.nextId()).isEqualTo(0x0100000300000001L);
        assertThat(buf).containsOnly((byte) 7);
    }

    /** md_check_field_and_get_entry: a start id inside a field, or with another element size, is rejected. */
    @Test
    void startIdMustBeAFieldStartWithTheTablesSize() {
        assertThat(TABLE.dumpList(0x0100000300000005L, new byte[4096], false, SRC).status())
                .isEqualTo(MetadataTable.DumpStatus.FIELD_ID_INCORRECT);
        assertThat(TABLE.dumpList(0x0100000200000001L, new byte[4096], false, SRC).status())
                .isEqualTo(MetadataTable.DumpStatus.FIELD_ID_INCORRECT);
        assertThat(TABLE.dumpList(0x0100000300000006L, new byte[4096], false, SRC).status())
                .isEqualTo(MetadataTable.DumpStatus.SUCCESS);
    }

    /**
     * A start field with a zero read mask is not listed and ends the (empty) sequence; listing goes on with
     * the next readable field.
     */
    @Test
    void unreadableStartFieldIsSkipped() {
        byte[] buf = new byte[4096];
        MetadataTable.DumpResult r = TABLE.dumpList(0x0100000300000008L, buf, false, SRC);
        assertThat(r.status()).isEqualTo(MetadataTable.DumpStatus.SUCCESS);
        assertThat(parse(buf).elements().get(0)[0]).isEqualTo(0x0100000200000009L);
    }
}
