package org.tdxsim.module.profile;

import com.google.common.collect.ImmutableList;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A compile-time constant of the module ({@code constants} in the module data).
 *
 * @param value                 empty when the constant does not exist in this version or was not read
 * @param bits                  set bit numbers (masks only; may be empty)
 * @param definedIn             header the value came from
 * @param runtimeAdjustment     rule TDH.SYS.INIT applies to the compile-time value, if any
 * @param effectiveAllowedMask  1.0 only: allowed-1 mask where no FIXED0 constant exists
 */
public record ModuleConstant(
        String name,
        OptionalLong value,
        ImmutableList<Integer> bits,
        Optional<String> definedIn,
        Optional<String> notes,
        Optional<String> runtimeAdjustment,
        OptionalLong effectiveAllowedMask) {
}
