package org.tdxsim.conformance.table;

import java.util.HashMap;
import java.util.Map;
import org.tdxsim.conformance.SimHosts;
import org.tdxsim.module.profile.ModuleProfiles;

/**
 * One {@link BlockProbe} per (module, host variant, policy), brought up on first use and kept for the
 * JVM's lifetime, so properties that visit the same simulated host many times pay for one bring-up.
 * Calls are serialised (a probe reuses one VM between calls).
 */
public final class Probes {

    private record Key(String module, HostConfig host, String policy) {}

    private static final Map<Key, BlockProbe> PROBES = new HashMap<>();

    private Probes() {
    }

    /** The probe of this simulated host. */
    public static synchronized BlockProbe probe(String module, HostConfig host, String policy) {
        return PROBES.computeIfAbsent(new Key(module, host, policy),
                k -> new BlockProbe(SimHosts.open(ModuleProfiles.builtIn(module), DecisionTable.platform(host), policy)));
    }

    /** The outcome of one combination. */
    public static synchronized Outcome outcome(String module, HostConfig host, String policy, int guestPhysBits, int eax70) {
        return probe(module, host, policy).evaluate(guestPhysBits, eax70);
    }
}
