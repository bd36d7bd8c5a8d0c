package org.tdxsim.module.metadata;

import com.google.common.collect.ImmutableList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.tdxsim.module.metadata.MetadataFieldId.CpuidFieldCode;

/**
 * The generic metadata engine over one context's lookup table: find an entry for an id, read or
 * write one element, and give the id of the next readable element (the iteration that TDH.SYS.RD,
 * TDH.MNG.RD v1 and TDH.VP.RD v1 return in RDX).
 *
 * <p>Mirrors [M1.5.01] {@code metadata_generic.c}: {@code md_find_entry_idx},
 * {@code md_get_next_element_in_context} (incl. the CPUID_VALUES special iteration over
 * {@code cpuid_lookup[]}), {@code md_read_element}/{@code md_write_element} and
 * {@code metadata_td.c} ({@code md_td_get_element}, {@code md_td_write_element}); abi §6.1–§6.2.
 */
public final class MetadataTable {

    /** Where element values come from (and, for writes, go to). */
    public interface ElementSource {
        /** Raw value of element {@code index} of {@code entry}, before the read mask. */
        long element(MetadataEntry entry, int index);

        /** TDCS.CPUID_VALUES[lookupIndex] element 0 (EBX:EAX) or 1 (EDX:ECX). */
        default long cpuidElement(int lookupIndex, int element) {
            return 0;
        }

        /** TDCS.CPUID_VALID[lookupIndex]; a 0 makes the CPUID_VALUES entry unreadable (abi §6.2). */
        default boolean cpuidValid(int lookupIndex) {
            return false;
        }

        /** TDCS.NUM_L2_VMS, which decides whether the L2 S-EPT root classes exist. */
        default int numL2Vms() {
            return 0;
        }

        /**
         * Trailing table entries that do not exist for this object: the module shortens the TD table by
         * TDCS_PAGES_PER_L2_VM × (MAX_L2_VMS − NUM_L2_VMS) entries, the L2 S-EPT roots
         * ([M1.5.01] {@code md_get_num_of_td_vp_ctx_unused_entries}).
         */
        default int unusedTrailingEntries() {
            return 0;
        }

        /**
         * Whether {@code md_*_read_field} stores element {@code index} of {@code entry} into a dumped
         * list. [M1.5.01] {@code metadata_sys.c} {@code md_sys_read_field} writes only element 0 of a
         * multi-element field that has no backing array (CPUID_CONFIG_VALUES past NUM_CPUID_CONFIG),
         * so the other slot keeps what the host buffer held; [M2.0] writes both as 0.
         */
        default boolean dumpWritesElement(MetadataEntry entry, int index) {
            return true;
        }

        /** Stores a new element value (writes only). */
        default void store(MetadataEntry entry, int index, long value) {
            throw new UnsupportedOperationException("read-only source");
        }
    }

    /** Extra per-field write rule ({@code special_wr_handling}); empty = accept. */
    public interface WriteRule {
        Optional<MetadataResult.Failure> check(MetadataEntry entry, long combinedMask, long newValue);

        WriteRule NONE = (e, m, v) -> Optional.empty();
    }

    /** TDCS L2 S-EPT root classes 37/41/45 belong to L2 VM 1/2/3 ([M1.5.01] metadata_td.c). */
    private static final int[] L2_SEPT_ROOT_CLASSES = {0x25, 0x29, 0x2D};

    private final int context;
    private final ImmutableList<MetadataEntry> entries;
    private final CpuidCatalog cpuid;
    /** Entry indices per CLASS_CODE (6 bits), ascending: {@link #findEntry} scans only its class. */
    private final int[][] byClass = new int[64][];
    /** The catalog's distinct leaves, sorted, and per leaf its row positions ascending ({@link #findCpuidRow}). */
    private final int[] cpuidLeaves;
    private final int[][] cpuidRowsOfLeaf;

    /**
     * @param context CONTEXT_CODE every id is forced to ({@link MetadataFieldId#CONTEXT_SYS} ...)
     * @param cpuid   the lookup table for TD context CPUID_VALUES; empty catalog elsewhere
     */
    public MetadataTable(int context, List<MetadataEntry> entries, CpuidCatalog cpuid) {
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("empty metadata table");
        }
        this.context = context;
        this.entries = ImmutableList.copyOf(entries);
        this.cpuid = cpuid;
        int[] counts = new int[64];
        for (MetadataEntry e : this.entries) {
            counts[e.classCode()]++;
        }
        for (int c = 0; c < 64; c++) {
            byClass[c] = new int[counts[c]];
            counts[c] = 0;
        }
        for (int i = 0; i < this.entries.size(); i++) {
            int c = this.entries.get(i).classCode();
            byClass[c][counts[c]++] = i;
        }
        java.util.TreeMap<Integer, List<Integer>> rowsOfLeaf = new java.util.TreeMap<>();
        for (int pos = 0; pos < cpuid.rows().size(); pos++) {
            rowsOfLeaf.computeIfAbsent(cpuid.rows().get(pos).leaf(), k -> new java.util.ArrayList<>()).add(pos);
        }
        cpuidLeaves = rowsOfLeaf.keySet().stream().mapToInt(Integer::intValue).toArray();
        cpuidRowsOfLeaf = rowsOfLeaf.values().stream().map(l -> l.stream().mapToInt(Integer::intValue).toArray())
                .toArray(int[][]::new);
    }

    /**
     * {@link CpuidCatalog#find} (same first match in index order) over this leaf's rows only: it runs
     * for every TDH.MNG.RD of a CPUID_VALUES field.
     */
    private OptionalInt findCpuidRow(int leaf, int subleaf) {
        int at = java.util.Arrays.binarySearch(cpuidLeaves, leaf);
        if (at < 0) {
            return OptionalInt.empty();
        }
        for (int pos : cpuidRowsOfLeaf[at]) {
            int s = cpuid.rows().get(pos).subleaf();
            if (s == MetadataFieldId.CpuidFieldCode.SUBLEAF_NA || s == subleaf) {
                return OptionalInt.of(pos);
            }
        }
        return OptionalInt.empty();
    }

    public ImmutableList<MetadataEntry> entries() {
        return entries;
    }

    public int context() {
        return context;
    }

    public CpuidCatalog cpuid() {
        return cpuid;
    }

    private boolean isCpuidId(long raw) {
        return context == MetadataFieldId.CONTEXT_TD
                && (int) (raw >>> 56 & 0x3F) == MetadataFieldId.CLASS_TDCS_CPUID;
    }

    /**
     * {@code md_find_entry_idx}: the entry whose class matches and whose FIELD_CODE range holds the id.
     * For CPUID_VALUES ids only the element bit takes part in the range test.
     */
    public OptionalInt findEntry(long raw) {
        return findEntry(raw, entries.size());
    }

    private int limit(ElementSource src) {
        return Math.max(1, entries.size() - src.unusedTrailingEntries());
    }

    private OptionalInt findEntry(long raw, int limit) {
        int classCode = (int) (raw >>> 56 & 0x3F);
        int fieldCode = (int) (raw & 0xFF_FFFF);
        if (isCpuidId(raw)) {
            fieldCode = fieldCode & 1;
        }
        for (int i : byClass[classCode]) { // same first match as a scan of all entries: covers() needs the class
            if (i >= limit) {
                break;
            }
            if (entries.get(i).covers(classCode, fieldCode)) {
                return OptionalInt.of(i);
            }
        }
        return OptionalInt.empty();
    }

    /** Id of the first readable element in this context (null-id protocol, abi §6.2). */
    public long first(boolean debug) {
        return next(MetadataFieldId.NULL_ID, debug);
    }

    public long first(boolean debug, ElementSource src) {
        return next(MetadataFieldId.NULL_ID, debug, src);
    }

    public long next(long raw, boolean debug) {
        return next(raw, debug, (e, i) -> 0);
    }

    /**
     * {@code md_get_next_element_in_context} for host reads: the id of the element after {@code raw}
     * (next element of the same entry, then the next entry), skipping entries whose read mask for
     * this accessor is 0; {@link MetadataFieldId#NULL_ID} after the last. {@code raw} must be null or
     * an id accepted by {@link #findEntry}.
     */
    public long next(long raw, boolean debug, ElementSource src) {
        int limit = limit(src);
        long id = MetadataFieldId.withContext(raw, context);
        int idx;
        if (MetadataFieldId.isNull(id)) {
            idx = -1;
        } else {
            OptionalInt found = findEntry(id, limit);
            if (found.isEmpty()) {
                return MetadataFieldId.NULL_ID;
            }
            idx = found.getAsInt();
        }
        while (true) {
            // one step of md_get_next_item_with_iterator
            if (idx < 0) {
                idx = 0;
                id = entryStartId(0);
            } else if (isCpuidId(id)) {
                long n = nextCpuid(id);
                if (n != MetadataFieldId.NULL_ID) {
                    id = n;
                } else if (idx >= limit - 1) {
                    return MetadataFieldId.NULL_ID;
                } else {
                    idx++;
                    id = entryStartId(idx);
                }
            } else {
                MetadataEntry e = entries.get(idx);
                int elem = e.elementIndex((int) (id & 0xFF_FFFF));
                if (elem < e.numElements() - 1) {
                    id = id & ~0xFF_FFFFL | (id + e.stride()) & 0xFF_FFFFL;
                } else if (idx >= limit - 1) {
                    return MetadataFieldId.NULL_ID;
                } else {
                    idx++;
                    id = entryStartId(idx);
                }
            }
            if (entries.get(idx).readMask(debug) != 0) {
                return id;
            }
        }
    }

    /** The table's id for an entry's first element; CPUID_VALUES gets cpuid_lookup[0]'s leaf/subleaf. */
    private long entryStartId(int idx) {
        long id = entries.get(idx).fieldId();
        if (isCpuidId(id) && !cpuid.rows().isEmpty()) {
            CpuidCatalog.Row r = cpuid.rows().get(0);
            id = id & ~0xFF_FFFFL | CpuidFieldCode.of(r.leaf(), r.subleaf(), 0).encode();
        }
        return id;
    }

    /** {@code md_get_next_cpuid_value_entry}: element 0 → 1, else first element of the next lookup entry. */
    private long nextCpuid(long id) {
        CpuidFieldCode code = CpuidFieldCode.decode((int) (id & 0xFF_FFFF));
        if (code.element() == 0) {
            return id + 1;
        }
        OptionalInt pos = findCpuidRow(code.leaf(), code.subleaf());
        if (pos.isEmpty() || pos.getAsInt() + 1 >= cpuid.rows().size()) {
            return MetadataFieldId.NULL_ID;
        }
        CpuidCatalog.Row r = cpuid.rows().get(pos.getAsInt() + 1);
        return id & ~0xFF_FFFFL | CpuidFieldCode.of(r.leaf(), r.subleaf(), 0).encode();
    }

    /** Element lookup shared by read and write ({@code md_td_get_element}). */
    private sealed interface Located {
    }

    private record Found(MetadataEntry entry, int index, long value) implements Located {
    }

    private record NotFound(MetadataResult.Failure failure) implements Located {
    }

    private Located locate(long raw, ElementSource src) {
        long id = MetadataFieldId.withContext(raw, context);
        OptionalInt idx = findEntry(id, limit(src));
        if (idx.isEmpty()) {
            return new NotFound(new MetadataResult.Failure(MetadataResult.Error.FIELD_ID_INCORRECT,
                    String.format("no field with class %d and field code 0x%X in the %s context",
                            id >>> 56 & 0x3F, id & 0xFF_FFFF, contextName())));
        }
        MetadataEntry e = entries.get(idx.getAsInt());
        if (isCpuidId(id)) {
            CpuidFieldCode code = CpuidFieldCode.decode((int) (id & 0xFF_FFFF));
            if (code.reserved() != 0) {
                return new NotFound(new MetadataResult.Failure(MetadataResult.Error.FIELD_ID_INCORRECT,
                        "CPUID_VALUES field code bits 23:17 are reserved and must be 0"));
            }
            OptionalInt pos = findCpuidRow(code.leaf(), code.subleaf());
            if (pos.isEmpty()) {
                return new NotFound(new MetadataResult.Failure(MetadataResult.Error.FIELD_ID_INCORRECT,
                        // concatenated, not String.format: KVM_TDX_GET_CPUID probes sub-leaves until this fails
                        "CPUID leaf 0x" + hexUpper(code.leaf()) + " subleaf " + subleafText(code.subleaf())
                                + " is not in this module's CPUID lookup table"));
            }
            CpuidCatalog.Row row = cpuid.rows().get(pos.getAsInt());
            if (row.faulting()) {
                return new NotFound(new MetadataResult.Failure(MetadataResult.Error.FIELD_NOT_READABLE,
                        String.format("CPUID leaf 0x%X is faulting (#VE in the guest) and not readable",
                                row.leaf())));
            }
            if (!src.cpuidValid(row.index())) {
                return new NotFound(new MetadataResult.Failure(MetadataResult.Error.FIELD_NOT_READABLE,
                        "CPUID_VALID is 0 for leaf 0x" + hexUpper(row.leaf()) + " subleaf "
                                + subleafText(row.subleaf())));
            }
            return new Found(e, row.index() * 2 + code.element(), src.cpuidElement(row.index(), code.element()));
        }
        int cls = e.classCode();
        for (int vm = 1; vm <= L2_SEPT_ROOT_CLASSES.length; vm++) {
            if (context == MetadataFieldId.CONTEXT_TD && cls == L2_SEPT_ROOT_CLASSES[vm - 1]
                    && src.numL2Vms() < vm) {
                return new NotFound(new MetadataResult.Failure(MetadataResult.Error.FIELD_ID_INCORRECT,
                        e.name() + " exists only with NUM_L2_VMS >= " + vm));
            }
        }
        int index = e.elementIndex((int) (id & 0xFF_FFFF));
        return new Found(e, index, src.element(e, index));
    }

    /** {@code md_read_element} for a host reader: value & read mask, or the failure. */
    public MetadataResult read(long raw, boolean debug, ElementSource src) {
        return switch (locate(raw, src)) {
            case NotFound nf -> nf.failure();
            case Found f -> {
                long mask = f.entry().readMask(debug);
                if (mask == 0) {
                    yield MetadataResult.fail(MetadataResult.Error.FIELD_NOT_READABLE, f.entry().name()
                            + " has a zero host read mask" + (context == MetadataFieldId.CONTEXT_SYS ? ""
                            : debug ? " even for a debug TD" : " for a production (non-debug) TD"));
                }
                yield new MetadataResult.Value(f.value() & mask);
            }
        };
    }

    /**
     * {@code md_write_element} for the host (TDH.MNG.WR): combined mask = entry write mask & request
     * mask; 0 → NOT_WRITABLE; a requested but non-writable bit that would change → VALUE_NOT_VALID;
     * then the field's special rule. Returns the previous value (masked by the read mask).
     */
    public MetadataResult write(long raw, long value, long requestMask, boolean debug, ElementSource src,
                                WriteRule rule) {
        return switch (locate(raw, src)) {
            case NotFound nf -> nf.failure();
            case Found f -> {
                MetadataEntry e = f.entry();
                long wrMask = e.writeMask(debug);
                long combined = wrMask & requestMask;
                if (combined == 0) {
                    yield MetadataResult.fail(MetadataResult.Error.FIELD_NOT_WRITABLE, e.name()
                            + (wrMask == 0 ? " is not host-writable" + (debug ? "" : " for a production TD")
                            : " has no writable bit in the requested mask"));
                }
                long forbidden = requestMask & ~wrMask;
                if ((f.value() & forbidden) != (value & forbidden)) {
                    yield MetadataResult.fail(MetadataResult.Error.FIELD_VALUE_NOT_VALID, String.format(
                            "%s: bits 0x%X are not writable but the request would change them", e.name(),
                            (f.value() ^ value) & forbidden));
                }
                long merged = f.value() & ~combined | value & combined;
                Optional<MetadataResult.Failure> bad = rule.check(e, combined, merged);
                if (bad.isPresent()) {
                    yield bad.get();
                }
                src.store(e, f.index(), merged);
                yield new MetadataResult.Value(f.value() & e.readMask(debug));
            }
        };
    }

    // ---------------------------------------------------------------- md_dump_list

    /** How {@link #dumpList} ended; the status names are the module's (profiles' status tables). */
    public enum DumpStatus {
        /** Every remaining readable field was dumped; the next id is the null id. */
        SUCCESS("TDX_SUCCESS"),
        /** More readable fields remain; the next id is the first one not dumped. */
        LIST_OVERFLOW("TDX_METADATA_LIST_OVERFLOW"),
        /** The start id names no field start of this context with the table's element size. */
        FIELD_ID_INCORRECT("TDX_METADATA_FIELD_ID_INCORRECT");

        private final String statusName;

        DumpStatus(String statusName) {
            this.statusName = statusName;
        }

        public String statusName() {
            return statusName;
        }
    }

    /**
     * Result of {@link #dumpList}.
     *
     * @param nextId        the id {@code md_dump_list} returns in {@code next_field_id}
     * @param numSequences  sequences counted in the list header (0 when no header was written)
     * @param listBuffSize  LIST_BUFF_SIZE of the header (0 when no header was written)
     */
    public record DumpResult(DumpStatus status, long nextId, int numSequences, int listBuffSize, String why) {
    }

    /** Size of {@code md_list_header_t} and of one sequence header ({@code md_field_id_t}). */
    public static final int LIST_HEADER_SIZE = 8;
    public static final int SEQUENCE_HEADER_SIZE = 8;
    /** {@code MAX_ELEMENTS_IN_FIELD} ([M1.5.01] {@code metadata_generic.h}). */
    public static final int MAX_ELEMENTS_IN_FIELD = 16;

    /** The field iterator of {@code md_get_next_accessible_item(..., is_element = false, ...)}. */
    private final class FieldCursor {
        int idx;
        long id;
        final int limit;
        final boolean debug;

        FieldCursor(int idx, long id, int limit, boolean debug) {
            this.idx = idx;
            this.id = id;
            this.limit = limit;
            this.debug = debug;
        }

        boolean done() {
            return MetadataFieldId.isNull(id);
        }

        MetadataEntry entry() {
            return entries.get(idx);
        }

        /** Next field of this entry, else the next entry's first field; skips entries with a zero read mask. */
        void advance() {
            do {
                MetadataEntry e = entries.get(idx);
                int fieldSpan = e.numElementsPerField() * e.stride();
                int fieldNum = ((int) (id & 0xFF_FFFF) - e.baseFieldCode()) / fieldSpan;
                if (fieldNum < e.numFields() - 1) {
                    id = id & ~0xFF_FFFFL | (id + fieldSpan) & 0xFF_FFFFL;
                } else if (idx >= limit - 1) {
                    id = MetadataFieldId.NULL_ID;
                    return;
                } else {
                    idx++;
                    id = entries.get(idx).fieldId();
                }
            } while (entries.get(idx).readMask(debug) == 0);
        }
    }

    /**
     * {@code md_dump_list} for a host reader ([M1.5.01] {@code metadata_generic.c} at commit 72d8cffb,
     * read in the fetched repository; the same code in [M2.0] at commit 1666adc4; not in the digest).
     * Writes a metadata list into {@code buf} in place, exactly where the module writes:
     * <pre>
     *  list header (u64): 15:0 LIST_BUFF_SIZE (bytes, header included), 31:16 NUM_SEQUENCES, 63:32 reserved 0
     *  then NUM_SEQUENCES sequences, each: a sequence header (a field id: the table entry's id with the
     *  field's FIELD_CODE, CONTEXT_CODE = this context, reserved bits and WRITE_MASK_VALID 0,
     *  LAST_ELEMENT_IN_FIELD = elements per field − 1, LAST_FIELD_IN_SEQUENCE = fields − 1), then
     *  (LAST_FIELD_IN_SEQUENCE + 1) × (LAST_ELEMENT_IN_FIELD + 1) u64 element slots, each value & read mask.
     * </pre>
     * A sequence holds consecutive whole fields: it ends at a field whose read fails as not readable, at
     * the end of the context, where the next readable field is not the next FIELD_CODE of the same class
     * ({@code is_sequential_field_id}), or has another element count or element size. Only whole fields
     * are dumped: the list stops before the first field (with its sequence header when it starts one)
     * that does not fit, and the next id is that field; after the context's last field it is the null
     * id with SUCCESS, otherwise LIST_OVERFLOW.
     *
     * <p>Start id: the null id (context bits ignored) means the first readable field, and a context
     * without one returns SUCCESS without touching the buffer. Otherwise the entry is found by class
     * and FIELD_CODE only ({@code md_find_entry_idx}), and the id must be the first element of a field
     * and carry the entry's ELEMENT_SIZE_CODE ({@code md_check_field_and_get_entry}), else
     * FIELD_ID_INCORRECT with the null next id and nothing written; reserved bits, LAST_* and bit 63 of
     * the start id are not checked. A buffer below 8 + 8 + {@value #MAX_ELEMENTS_IN_FIELD} bytes returns
     * LIST_OVERFLOW with the start id unchanged (the module's size test, which adds the element count
     * as bytes). Used for the SYS context; TDCS CPUID_VALUES (TD context) has no field iteration here.
     */
    public DumpResult dumpList(long startRaw, byte[] buf, boolean debug, ElementSource src) {
        long start = MetadataFieldId.withContext(startRaw, context);
        if (buf.length < LIST_HEADER_SIZE + SEQUENCE_HEADER_SIZE + MAX_ELEMENTS_IN_FIELD) {
            return new DumpResult(DumpStatus.LIST_OVERFLOW, start, 0, 0,
                    "the list buffer holds " + buf.length + " bytes, below the module's minimum");
        }
        int limit = limit(src);
        FieldCursor cur;
        if (MetadataFieldId.isNull(start)) {
            cur = new FieldCursor(0, entries.get(0).fieldId(), limit, debug);
            if (entries.get(0).readMask(debug) == 0) {
                cur.advance();
            }
            if (cur.done()) {
                return new DumpResult(DumpStatus.SUCCESS, MetadataFieldId.NULL_ID, 0, 0,
                        "the " + contextName() + " context has no readable field");
            }
        } else {
            OptionalInt found = findEntry(start, limit);
            if (found.isEmpty()) {
                return new DumpResult(DumpStatus.FIELD_ID_INCORRECT, MetadataFieldId.NULL_ID, 0, 0,
                        String.format("no field with class %d and field code 0x%X in the %s context",
                                start >>> 56 & 0x3F, start & 0xFF_FFFF, contextName()));
            }
            MetadataEntry e = entries.get(found.getAsInt());
            int elem = ((int) (start & 0xFF_FFFF) - e.baseFieldCode());
            boolean startOfField = (e.stride() == 1 || elem % 2 == 0)
                    && (elem / e.stride()) % e.numElementsPerField() == 0;
            if (!startOfField) {
                return new DumpResult(DumpStatus.FIELD_ID_INCORRECT, MetadataFieldId.NULL_ID, 0, 0,
                        String.format("0x%X is not the first element of a field of %s", start, e.name()));
            }
            int sizeCode = (int) (start >>> 32 & 0x3);
            if (sizeCode != e.id().elementSizeCode()) {
                return new DumpResult(DumpStatus.FIELD_ID_INCORRECT, MetadataFieldId.NULL_ID, 0, 0,
                        String.format("0x%X has ELEMENT_SIZE_CODE %d but %s has %d", start, sizeCode, e.name(),
                                e.id().elementSizeCode()));
            }
            cur = new FieldCursor(found.getAsInt(), e.fieldId() & ~0xFF_FFFFL | start & 0xFF_FFFFL, limit, debug);
        }
        int buffSize = buf.length - LIST_HEADER_SIZE;
        int numSequences = 0;
        int listBuffSize = LIST_HEADER_SIZE;
        putLong(buf, 0, 0);
        putShort(buf, 0, listBuffSize);
        int seqOffset = LIST_HEADER_SIZE;
        MetadataEntry entry = cur.entry();
        while (buffSize >= SEQUENCE_HEADER_SIZE + entry.numElementsPerField() * 8) {
            int[] written = new int[1];
            SequenceEnd end = dumpSequence(buf, seqOffset, buffSize, cur, src, written);
            if (end != SequenceEnd.EMPTY) {
                int bytes = SEQUENCE_HEADER_SIZE + written[0] * 8;
                numSequences++;
                listBuffSize += bytes;
                putShort(buf, 0, listBuffSize);
                putShort(buf, 2, numSequences);
                buffSize -= bytes;
                seqOffset += bytes;
            }
            if (end == SequenceEnd.NO_SPACE || cur.done()) {
                break;
            }
            entry = cur.entry();
        }
        if (cur.done()) {
            return new DumpResult(DumpStatus.SUCCESS, MetadataFieldId.NULL_ID, numSequences, listBuffSize,
                    "every remaining readable " + contextName() + " field is in the list");
        }
        return new DumpResult(DumpStatus.LIST_OVERFLOW, cur.id, numSequences, listBuffSize, String.format(
                "the list is full after %d bytes; the next field id is 0x%X", listBuffSize, cur.id));
    }

    private enum SequenceEnd { DONE, EMPTY, NO_SPACE }

    /** {@code md_dump_sequence}: consecutive whole fields from the cursor into one sequence at {@code off}. */
    private SequenceEnd dumpSequence(byte[] buf, int off, int buffSize, FieldCursor cur, ElementSource src,
                                     int[] written) {
        int remaining = buffSize - SEQUENCE_HEADER_SIZE;
        int idx = 0;
        long header = 0;
        boolean headerSet = false;
        MetadataEntry entry = cur.entry();
        while (remaining >= entry.numElementsPerField() * 8) {
            int n = entry.numElementsPerField();
            long mask = entry.readMask(cur.debug);
            boolean readable = mask != 0;
            if (readable) {
                int firstElem = entry.elementIndex((int) (cur.id & 0xFF_FFFF));
                for (int i = 0; i < n; i++) {
                    if (src.dumpWritesElement(entry, firstElem + i)) {
                        putLong(buf, off + SEQUENCE_HEADER_SIZE + (idx + i) * 8,
                                src.element(entry, firstElem + i) & mask);
                    }
                }
                if (!headerSet) {
                    header = sequenceHeader(cur.id, n);
                    headerSet = true;
                }
                // LAST_FIELD_IN_SEQUENCE++ in its 9 bits: from 0x1FF (−1) to 0 on the first field
                long lfis = (header >>> 38) + 1 & 0x1FF;
                header = header & ~(0x1FFL << 38) | lfis << 38;
                putLong(buf, off, header);
                remaining -= n * 8;
                idx += n;
            }
            long last = cur.id;
            MetadataEntry lastEntry = entry;
            cur.advance();
            if (!readable || cur.done() || !sequential(last, n, cur.id)
                    || n != cur.entry().numElementsPerField()
                    || lastEntry.id().elementSizeCode() != (int) (cur.id >>> 32 & 0x3)) {
                written[0] = idx;
                return idx == 0 ? SequenceEnd.EMPTY : SequenceEnd.DONE;
            }
            entry = cur.entry();
        }
        written[0] = idx;
        return SequenceEnd.NO_SPACE;
    }

    /** {@code md_set_sequence_header}, with LAST_FIELD_IN_SEQUENCE at −1 (0x1FF) before the first field. */
    private long sequenceHeader(long id, int numElem) {
        MetadataFieldId f = MetadataFieldId.decode(id);
        return new MetadataFieldId(f.fieldCode(), 0, f.elementSizeCode(), numElem - 1, 0x1FF, 0, f.incSize(),
                false, context, false, f.classCode(), false, f.nonArch()).encode();
    }

    /** {@code is_sequential_field_id}: same class and FIELD_CODE right after the previous field. */
    private boolean sequential(long prev, int numElem, long next) {
        int stride = (prev >>> 50 & 1) != 0 ? 2 : 1;
        return (prev >>> 56 & 0x3F) == (next >>> 56 & 0x3F)
                && (prev & 0xFF_FFFF) + (long) numElem * stride == (next & 0xFF_FFFF);
    }

    private static void putLong(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    private static void putShort(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
    }

    private String contextName() {
        return switch (context) {
            case MetadataFieldId.CONTEXT_SYS -> "SYS";
            case MetadataFieldId.CONTEXT_TD -> "TD";
            case MetadataFieldId.CONTEXT_VP -> "VP";
            default -> "context " + context;
        };
    }

    /** {@code String.format("%X", v)} for an int. */
    private static String hexUpper(int v) {
        return Integer.toHexString(v).toUpperCase(java.util.Locale.ROOT);
    }

    static String subleafText(int subleaf) {
        return subleaf == CpuidFieldCode.SUBLEAF_NA ? "NA" : Integer.toString(subleaf);
    }
}
