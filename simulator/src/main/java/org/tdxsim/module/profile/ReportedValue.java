package org.tdxsim.module.profile;

import com.google.common.collect.ImmutableList;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What TDH.SYS.RD returns for a global field before masking ({@code reported} in the module data).
 *
 * @param valueKind                   constant, platform, buildTime or runtime
 * @param value                       constant value, or the compile-time bound / unconditional part
 * @param elements                    per-element constant values of array fields (flattened,
 *                                    element order), e.g. CPUID_CONFIG_LEAVES; empty otherwise
 * @param configDirectParts           1.5.06+/2.0 CPUID_CONFIG_VALUES: CONFIG_DIRECT part per element
 * @param allowDirectParts            same, ALLOW_DIRECT part (value = configDirect | (allowDirect & native))
 */
public record ReportedValue(
        Kind valueKind,
        OptionalLong value,
        OptionalLong valueWithAllConditionalBits,
        ImmutableList<Long> elements,
        ImmutableList<Long> configDirectParts,
        ImmutableList<Long> allowDirectParts,
        Optional<String> notes) {

    public enum Kind {
        CONSTANT, PLATFORM, BUILD_TIME, RUNTIME
    }
}
