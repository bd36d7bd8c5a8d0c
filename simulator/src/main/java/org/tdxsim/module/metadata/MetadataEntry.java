package org.tdxsim.module.metadata;

/**
 * One row of a module metadata lookup table ({@code md_lookup_t}: {@code global_sys_lookup[]},
 * {@code tdr_tdcs_lookup[]}, ...), as far as the host read/write paths need it.
 *
 * <p>An entry covers {@code numFields × numElementsPerField} elements; element {@code i} has
 * FIELD_CODE {@code baseFieldCode + i × stride} where stride = INC_SIZE + 1 (abi §6.1, module-data
 * README "Field k element j has FIELD_CODE = base + k·numElementsPerField + j"). SYS fields have one
 * VMM read mask; pass it as both the production and the debug mask.
 *
 * @param fieldId raw field id exactly as in the table (its CONTEXT_CODE is the table's context)
 */
public record MetadataEntry(
        String name,
        int tableIndex,
        long fieldId,
        int numFields,
        int numElementsPerField,
        long hostReadMaskProd,
        long hostReadMaskDebug,
        long hostWriteMaskProd,
        long hostWriteMaskDebug,
        boolean specialReadHandling,
        boolean specialWriteHandling) {

    public MetadataEntry {
        if (numFields < 1 || numElementsPerField < 1) {
            throw new IllegalArgumentException(name + ": empty entry");
        }
    }

    public MetadataFieldId id() {
        return MetadataFieldId.decode(fieldId);
    }

    public int classCode() {
        return (int) (fieldId >>> 56 & 0x3F);
    }

    public int baseFieldCode() {
        return (int) (fieldId & 0xFF_FFFF);
    }

    public int contextCode() {
        return (int) (fieldId >>> 52 & 0x7);
    }

    /** Element stride in FIELD_CODE units: INC_SIZE + 1. */
    public int stride() {
        return (fieldId >>> 50 & 1) != 0 ? 2 : 1;
    }

    public int numElements() {
        return numFields * numElementsPerField;
    }

    public int elementSizeBytes() {
        return 1 << (int) (fieldId >>> 32 & 0x3);
    }

    /** Range test of {@code md_find_entry_idx}: same class, FIELD_CODE in [base, base + elements × stride). */
    public boolean covers(int classCode, int fieldCode) {
        long first = baseFieldCode();
        long end = first + (long) numElements() * stride();
        return classCode == classCode() && fieldCode >= first && fieldCode < end;
    }

    /** Element index of a FIELD_CODE inside this entry. */
    public int elementIndex(int fieldCode) {
        return (fieldCode - baseFieldCode()) / stride();
    }

    /** Raw id of element {@code i} of this entry (table bits kept, FIELD_CODE advanced). */
    public long elementId(int i) {
        return fieldId & ~0xFF_FFFFL | (baseFieldCode() + (long) i * stride()) & 0xFF_FFFFL;
    }

    /** {@code md_get_rd_wr_mask} for the host: debug masks iff the TD's ATTRIBUTES.DEBUG (abi §6.2). */
    public long readMask(boolean debug) {
        return debug ? hostReadMaskDebug : hostReadMaskProd;
    }

    public long writeMask(boolean debug) {
        return debug ? hostWriteMaskDebug : hostWriteMaskProd;
    }
}
