package org.tdxsim.conformance;

import com.google.common.collect.ImmutableList;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.profile.ModuleProfile;

/** Opens simulated hosts (the simulated kernel over a module on a platform, with a GPAW policy). */
public final class SimHosts {

    private SimHosts() {
    }

    /** Names of the simulated kernel's GPAW policies. */
    public static ImmutableList<String> policyNames() {
        throw new UnsupportedOperationException("simulated kernel not merged yet");
    }

    /** A simulated host after bring-up. */
    public static SimHost open(ModuleProfile module, PlatformProfile platform, String policy) {
        throw new UnsupportedOperationException("simulated kernel not merged yet");
    }
}
