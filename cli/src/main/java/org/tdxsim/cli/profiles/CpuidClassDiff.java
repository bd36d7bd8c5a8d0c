package org.tdxsim.cli.profiles;

import com.google.common.collect.ImmutableList;
import org.tdxsim.module.profile.ModuleProfile;

/** Per-bit CPUID class changes between two module versions, from the simulator's CPUID classifier. */
final class CpuidClassDiff {
    private CpuidClassDiff() {}

    static ImmutableList<ProfileDiff.Change> diff(ModuleProfile a, ModuleProfile b) {
        return ImmutableList.of();
    }
}
