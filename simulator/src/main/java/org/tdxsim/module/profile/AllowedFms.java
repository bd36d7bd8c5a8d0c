package org.tdxsim.module.profile;

import com.google.common.collect.ImmutableList;
import java.util.Optional;

/**
 * The allowed family/model/stepping table behind NUM_ALLOWED_FMS / ALLOWED_FMS
 * ({@code cpuid_fms.c}; 1.5.x only), newest first.
 */
public record AllowedFms(ImmutableList<Entry> table, int disallowedCount, Optional<String> notes) {

    public record Entry(String name, int nativeFms, int latestStepping, int value) {
    }
}
