package org.tdxsim.conformance;

import com.google.common.collect.ImmutableList;
import java.util.Optional;

/** Simulated targets: every shipped module version × platform profile (or the selected ones). */
public final class SimTargets {

    private SimTargets() {
    }

    public static ImmutableList<Target> select(Optional<String> module, Optional<String> platform) {
        throw new UnsupportedOperationException("simulated kernel not merged yet");
    }
}
