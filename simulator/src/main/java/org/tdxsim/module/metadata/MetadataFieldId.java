package org.tdxsim.module.metadata;

/**
 * A metadata field identifier ({@code md_field_id_t}) split into every part the module defines.
 *
 * <p>Layout (abi §6.1, [M1.5.01]/[M2.0] {@code include/tdx_api_defs.h}):
 * <pre>
 *  23:0  FIELD_CODE              31:24 reserved (must be 0)
 *  33:32 ELEMENT_SIZE_CODE       37:34 LAST_ELEMENT_IN_FIELD
 *  46:38 LAST_FIELD_IN_SEQUENCE  49:47 reserved (must be 0)
 *  50    INC_SIZE                51    WRITE_MASK_VALID
 *  54:52 CONTEXT_CODE            55    reserved (must be 0)
 *  61:56 CLASS_CODE              62    reserved (must be 0)
 *  63    NON_ARCH (1.5) / ignored (2.0)
 * </pre>
 * The record is a lossless codec: {@code decode(x).encode() == x} for every 64-bit {@code x}.
 * The CPUID_VALUES leaf/subleaf packing of FIELD_CODE (TD context, class 20) is handled by
 * {@link CpuidFieldCode}.
 */
public record MetadataFieldId(
        int fieldCode,
        int reservedBits31To24,
        int elementSizeCode,
        int lastElementInField,
        int lastFieldInSequence,
        int reservedBits49To47,
        boolean incSize,
        boolean writeMaskValid,
        int contextCode,
        boolean reservedBit55,
        int classCode,
        boolean reservedBit62,
        boolean nonArch) {

    /** The "null" field id (all ones) that asks TDH.*.RD for the first field of a context (abi §6.2). */
    public static final long NULL_ID = -1L;

    /** Mask of CONTEXT_CODE, bits 54:52; the null-id test ignores them ({@code is_null_field_id}). */
    public static final long CONTEXT_CODE_MASK = 0x7L << 52;

    /** CONTEXT_CODE values (abi §6.1). */
    public static final int CONTEXT_SYS = 0;
    public static final int CONTEXT_TD = 1;
    public static final int CONTEXT_VP = 2;

    /** CLASS_CODE of TDCS.CPUID_VALUES in TD context (abi §6.1: "class 20"). */
    public static final int CLASS_TDCS_CPUID = 20;

    public MetadataFieldId {
        check("fieldCode", fieldCode, 0xFF_FFFF);
        check("reservedBits31To24", reservedBits31To24, 0xFF);
        check("elementSizeCode", elementSizeCode, 0x3);
        check("lastElementInField", lastElementInField, 0xF);
        check("lastFieldInSequence", lastFieldInSequence, 0x1FF);
        check("reservedBits49To47", reservedBits49To47, 0x7);
        check("contextCode", contextCode, 0x7);
        check("classCode", classCode, 0x3F);
    }

    private static void check(String name, int value, int max) {
        if (value < 0 || value > max) {
            throw new IllegalArgumentException(name + " out of range: " + value);
        }
    }

    /** Splits a raw 64-bit field id into its parts; every value decodes. */
    public static MetadataFieldId decode(long raw) {
        return new MetadataFieldId(
                (int) (raw & 0xFF_FFFFL),
                (int) (raw >>> 24 & 0xFF),
                (int) (raw >>> 32 & 0x3),
                (int) (raw >>> 34 & 0xF),
                (int) (raw >>> 38 & 0x1FF),
                (int) (raw >>> 47 & 0x7),
                (raw >>> 50 & 1) != 0,
                (raw >>> 51 & 1) != 0,
                (int) (raw >>> 52 & 0x7),
                (raw >>> 55 & 1) != 0,
                (int) (raw >>> 56 & 0x3F),
                (raw >>> 62 & 1) != 0,
                (raw >>> 63 & 1) != 0);
    }

    /** The raw 64-bit value. */
    public long encode() {
        return (fieldCode & 0xFF_FFFFL)
                | (long) reservedBits31To24 << 24
                | (long) elementSizeCode << 32
                | (long) lastElementInField << 34
                | (long) lastFieldInSequence << 38
                | (long) reservedBits49To47 << 47
                | (incSize ? 1L << 50 : 0)
                | (writeMaskValid ? 1L << 51 : 0)
                | (long) contextCode << 52
                | (reservedBit55 ? 1L << 55 : 0)
                | (long) classCode << 56
                | (reservedBit62 ? 1L << 62 : 0)
                | (nonArch ? 1L << 63 : 0);
    }

    /** Element size in bytes, 2^ELEMENT_SIZE_CODE. */
    public int elementSizeBytes() {
        return 1 << elementSizeCode;
    }

    /**
     * {@code md_check_as_single_element_id}: reserved bits, LAST_ELEMENT_IN_FIELD and
     * LAST_FIELD_IN_SEQUENCE must all be 0, else TDX_METADATA_FIELD_ID_INCORRECT (abi §6.1).
     * ELEMENT_SIZE_CODE, WRITE_MASK_VALID, INC_SIZE, CONTEXT_CODE and bit 63 are ignored.
     */
    public boolean isValidSingleElementId() {
        return reservedBits31To24 == 0 && reservedBits49To47 == 0 && !reservedBit55 && !reservedBit62
                && lastElementInField == 0 && lastFieldInSequence == 0;
    }

    /** {@code is_null_field_id}: all ones once the context bits are ignored (abi §6.2). */
    public static boolean isNull(long raw) {
        return (raw | CONTEXT_CODE_MASK) == NULL_ID;
    }

    public MetadataFieldId withContextCode(int context) {
        return new MetadataFieldId(fieldCode, reservedBits31To24, elementSizeCode, lastElementInField,
                lastFieldInSequence, reservedBits49To47, incSize, writeMaskValid, context, reservedBit55,
                classCode, reservedBit62, nonArch);
    }

    public MetadataFieldId withFieldCode(int code) {
        return new MetadataFieldId(code, reservedBits31To24, elementSizeCode, lastElementInField,
                lastFieldInSequence, reservedBits49To47, incSize, writeMaskValid, contextCode, reservedBit55,
                classCode, reservedBit62, nonArch);
    }

    /** Raw id with CONTEXT_CODE replaced, as each read leaf does before looking a field up (abi §6.1). */
    public static long withContext(long raw, int context) {
        return raw & ~CONTEXT_CODE_MASK | (long) (context & 0x7) << 52;
    }

    /** True for a TD-context id of class 20, whose FIELD_CODE is a {@link CpuidFieldCode}. */
    public boolean isCpuidValuesId() {
        return contextCode == CONTEXT_TD && classCode == CLASS_TDCS_CPUID;
    }

    public CpuidFieldCode cpuidFieldCode() {
        return CpuidFieldCode.decode(fieldCode);
    }

    @Override
    public String toString() {
        return String.format("0x%016X", encode());
    }

    /**
     * FIELD_CODE of a TDCS.CPUID_VALUES id (abi §6.1, [M1.5.01] {@code cpuid_field_code}): bit 0 =
     * element (0 = EBX:EAX, 1 = EDX:ECX), bits 7:1 = subleaf[6:0], bit 8 = SUBLEAF_NA, bits 15:9 =
     * leaf[6:0], bit 16 = leaf bit 31; FIELD_CODE bits 23:17 are reserved (bits 31:24 of the id are the
     * id's own reserved byte). Example: CPUID(0x80000008) element 0 = code 0x111FE.
     */
    public record CpuidFieldCode(int element, int subleaf7, boolean subleafNa, int leaf7, boolean leafBit31,
                                 int reserved) {

        /** The full TDCS.CPUID_VALUES base id (abi §6.5). */
        public static final long CPUID_VALUES_BASE_ID = 0x9410000300000000L;

        /** {@code CPUID_SUBLEAF_NA} (abi §3.3). */
        public static final int SUBLEAF_NA = 0xFFFFFFFF;

        public CpuidFieldCode {
            check("element", element, 1);
            check("subleaf7", subleaf7, 0x7F);
            check("leaf7", leaf7, 0x7F);
            check("reserved", reserved, 0x7F);
        }

        public static CpuidFieldCode decode(int fieldCode) {
            return new CpuidFieldCode(fieldCode & 1, fieldCode >>> 1 & 0x7F, (fieldCode >>> 8 & 1) != 0,
                    fieldCode >>> 9 & 0x7F, (fieldCode >>> 16 & 1) != 0, fieldCode >>> 17 & 0x7F);
        }

        public int encode() {
            return element | subleaf7 << 1 | (subleafNa ? 1 << 8 : 0) | leaf7 << 9 | (leafBit31 ? 1 << 16 : 0)
                    | reserved << 17;
        }

        /**
         * Packs a leaf/subleaf the way {@code md_cpuid_field_id_set_leaf_subleaf} does: leaf bits 6:0
         * and bit 31, subleaf bits 6:0 (so NA = 0xFFFFFFFF gives subleaf bits all ones) and SUBLEAF_NA.
         */
        public static CpuidFieldCode of(int leaf, int subleaf, int element) {
            return new CpuidFieldCode(element & 1, subleaf & 0x7F, subleaf == SUBLEAF_NA, leaf & 0x7F,
                    leaf < 0, 0);
        }

        /** The leaf this code names: leaf bits 6:0 plus bit 31. */
        public int leaf() {
            return leaf7 | (leafBit31 ? 0x8000_0000 : 0);
        }

        /** The subleaf this code names, or {@link #SUBLEAF_NA}. */
        public int subleaf() {
            return subleafNa ? SUBLEAF_NA : subleaf7;
        }

        /** Full TDH.MNG.RD id of CPUID_VALUES for this code, e.g. 0x94100003000111FE. */
        public long fieldId() {
            return CPUID_VALUES_BASE_ID | encode();
        }
    }
}
