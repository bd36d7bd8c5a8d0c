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
        for (int i = 0; i < limit; i++) {
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
        OptionalInt pos = cpuid.find(code.leaf(), code.subleaf());
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
            OptionalInt pos = cpuid.find(code.leaf(), code.subleaf());
            if (pos.isEmpty()) {
                return new NotFound(new MetadataResult.Failure(MetadataResult.Error.FIELD_ID_INCORRECT,
                        String.format("CPUID leaf 0x%X subleaf %s is not in this module's CPUID lookup table",
                                code.leaf(), subleafText(code.subleaf()))));
            }
            CpuidCatalog.Row row = cpuid.rows().get(pos.getAsInt());
            if (row.faulting()) {
                return new NotFound(new MetadataResult.Failure(MetadataResult.Error.FIELD_NOT_READABLE,
                        String.format("CPUID leaf 0x%X is faulting (#VE in the guest) and not readable",
                                row.leaf())));
            }
            if (!src.cpuidValid(row.index())) {
                return new NotFound(new MetadataResult.Failure(MetadataResult.Error.FIELD_NOT_READABLE,
                        String.format("CPUID_VALID is 0 for leaf 0x%X subleaf %s", row.leaf(),
                                subleafText(row.subleaf()))));
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

    private String contextName() {
        return switch (context) {
            case MetadataFieldId.CONTEXT_SYS -> "SYS";
            case MetadataFieldId.CONTEXT_TD -> "TD";
            case MetadataFieldId.CONTEXT_VP -> "VP";
            default -> "context " + context;
        };
    }

    static String subleafText(int subleaf) {
        return subleaf == CpuidFieldCode.SUBLEAF_NA ? "NA" : Integer.toString(subleaf);
    }
}
