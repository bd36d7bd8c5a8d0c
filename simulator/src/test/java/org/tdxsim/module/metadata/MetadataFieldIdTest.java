package org.tdxsim.module.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.tdxsim.module.metadata.MetadataFieldId.CpuidFieldCode;

/** Field-id codec, abi §6.1. */
class MetadataFieldIdTest {

    /** abi §6.1 example: CPUID(0x80000008) element 0 = 0x94100003000111FE, element 1 = ...111FF. */
    @Test
    void cpuidValuesIdOfLeaf80000008MatchesTheSpecExample() {
        assertThat(CpuidFieldCode.of(0x80000008, CpuidFieldCode.SUBLEAF_NA, 0).fieldId())
                .isEqualTo(0x94100003000111FEL);
        assertThat(CpuidFieldCode.of(0x80000008, CpuidFieldCode.SUBLEAF_NA, 1).fieldId())
                .isEqualTo(0x94100003000111FFL);
    }

    /** abi §6.1: bit 0 element, 7:1 subleaf, 8 SUBLEAF_NA, 15:9 leaf[6:0], 16 leaf bit 31. */
    @Test
    void cpuidFieldCodeDecodesEveryPart() {
        CpuidFieldCode c = CpuidFieldCode.decode(0x111FF);
        assertThat(c.element()).isEqualTo(1);
        assertThat(c.subleafNa()).isTrue();
        assertThat(c.leaf()).isEqualTo(0x80000008);
        assertThat(c.subleaf()).isEqualTo(CpuidFieldCode.SUBLEAF_NA);
        CpuidFieldCode sub = CpuidFieldCode.of(0x7, 1, 0);
        assertThat(sub.encode()).isEqualTo(7 << 9 | 1 << 1);
        assertThat(sub.leaf()).isEqualTo(7);
        assertThat(sub.subleaf()).isEqualTo(1);
        assertThat(CpuidFieldCode.decode(1 << 17).reserved()).isEqualTo(1);
    }

    /** abi §6.1 table, checked on a real id: TDCS.ATTRIBUTES 0x1110000300000000 (abi §6.5). */
    @Test
    void decodesTheBitFieldsOfARealId() {
        MetadataFieldId id = MetadataFieldId.decode(0x1110000300000000L);
        assertThat(id.classCode()).isEqualTo(17);
        assertThat(id.contextCode()).isEqualTo(MetadataFieldId.CONTEXT_TD);
        assertThat(id.elementSizeCode()).isEqualTo(3);
        assertThat(id.elementSizeBytes()).isEqualTo(8);
        assertThat(id.fieldCode()).isZero();
        assertThat(id.nonArch()).isFalse();
        MetadataFieldId cfg = MetadataFieldId.decode(0x9110000300000016L);
        assertThat(cfg.nonArch()).isTrue();
        assertThat(cfg.fieldCode()).isEqualTo(0x16);
    }

    /** abi §6.1: reserved bits, LAST_ELEMENT_IN_FIELD and LAST_FIELD_IN_SEQUENCE make a single-element id invalid. */
    @Test
    void singleElementValidityFollowsTheReservedBitRules() {
        long good = 0x9110000300000016L;
        assertThat(MetadataFieldId.decode(good).isValidSingleElementId()).isTrue();
        assertThat(MetadataFieldId.decode(good | 1L << 24).isValidSingleElementId()).isFalse();
        assertThat(MetadataFieldId.decode(good | 1L << 34).isValidSingleElementId()).isFalse();
        assertThat(MetadataFieldId.decode(good | 1L << 38).isValidSingleElementId()).isFalse();
        assertThat(MetadataFieldId.decode(good | 1L << 47).isValidSingleElementId()).isFalse();
        assertThat(MetadataFieldId.decode(good | 1L << 55).isValidSingleElementId()).isFalse();
        assertThat(MetadataFieldId.decode(good | 1L << 62).isValidSingleElementId()).isFalse();
        // ignored parts: element size, INC_SIZE, WRITE_MASK_VALID, context, bit 63
        assertThat(MetadataFieldId.decode(good & ~(3L << 32) | 1L << 50 | 1L << 51 | 7L << 52)
                .isValidSingleElementId()).isTrue();
    }

    /** abi §6.2: the null id is all ones once the context bits are ignored. */
    @Test
    void nullIdIgnoresContextBits() {
        assertThat(MetadataFieldId.isNull(-1L)).isTrue();
        assertThat(MetadataFieldId.isNull(~MetadataFieldId.CONTEXT_CODE_MASK)).isTrue();
        assertThat(MetadataFieldId.isNull(-2L)).isFalse();
    }

    /** Property: decoding any 64-bit value and encoding it again gives the same value (the codec loses nothing). */
    @Property
    void decodeEncodeRoundTrips(@ForAll long raw) {
        assertThat(MetadataFieldId.decode(raw).encode()).isEqualTo(raw);
    }

    /** Property: any 24-bit CPUID field code survives decode/encode, and of(leaf, subleaf) names that leaf back. */
    @Property
    void cpuidFieldCodeRoundTrips(@ForAll @IntRange(min = 0, max = 0xFF_FFFF) int code,
                                  @ForAll @IntRange(min = 0, max = 0x7F) int leafLow,
                                  @ForAll boolean extended, @ForAll @IntRange(min = 0, max = 0x7F) int subleaf) {
        assertThat(CpuidFieldCode.decode(code).encode()).isEqualTo(code);
        int leaf = extended ? 0x80000000 | leafLow : leafLow;
        CpuidFieldCode c = CpuidFieldCode.of(leaf, subleaf, 1);
        assertThat(c.leaf()).isEqualTo(leaf);
        assertThat(c.subleaf()).isEqualTo(subleaf);
        assertThat(CpuidFieldCode.decode(c.encode())).isEqualTo(c);
    }
}
