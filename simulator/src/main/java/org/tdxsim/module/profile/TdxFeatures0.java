package org.tdxsim.module.profile;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;

/**
 * TDX_FEATURES0 as the module computes it (abi §6.4; {@code tdx_features_enum0_t},
 * {@code metadata_sys.c}; 1.5+ only).
 */
public record TdxFeatures0(
        ImmutableMap<String, Integer> definedBits,
        ImmutableList<Bit> unconditionalBits,
        ImmutableList<ConditionalBit> conditionalBits,
        ImmutableList<Bit> explicitlyZeroBits,
        long valueWithNoConditionalBits,
        long valueWithAllConditionalBits) {

    public record Bit(int bit, String name) {
    }

    /** A bit set only under {@code condition} (platform dependent, sampled at TDH.SYS.INIT). */
    public record ConditionalBit(int bit, String name, String condition) {
    }
}
