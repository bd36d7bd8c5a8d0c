package org.tdxsim.module.metadata;

import com.google.common.collect.ImmutableList;
import java.util.List;
import java.util.OptionalInt;

/**
 * The module's valid {@code cpuid_lookup[]} entries in index order, as the metadata engine needs
 * them for TDCS.CPUID_VALUES (abi §6.1, module-data README "cpuidLookup": iterate by index, the array
 * may have gaps — 1.5.06 slots 68–71).
 */
public record CpuidCatalog(ImmutableList<Row> rows) {

    /** One valid lookup entry. {@code subleaf} is {@link MetadataFieldId.CpuidFieldCode#SUBLEAF_NA} when none. */
    public record Row(int index, int leaf, int subleaf, boolean faulting) {
    }

    public CpuidCatalog(List<Row> rows) {
        this(ImmutableList.copyOf(rows));
    }

    /**
     * {@code get_cpuid_lookup_entry}: the first entry (index order) with the same leaf whose subleaf is
     * NA or equal to the requested one; a requested NA subleaf therefore matches only NA entries (abi §6.1).
     * Returns the position in {@link #rows()}.
     */
    public OptionalInt find(int leaf, int subleaf) {
        for (int p = 0; p < rows.size(); p++) {
            Row r = rows.get(p);
            if (r.leaf == leaf && (r.subleaf == MetadataFieldId.CpuidFieldCode.SUBLEAF_NA || r.subleaf == subleaf)) {
                return OptionalInt.of(p);
            }
        }
        return OptionalInt.empty();
    }
}
