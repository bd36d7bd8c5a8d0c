package org.tdxsim.conformance;

import com.google.common.collect.ImmutableList;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Hands programmatically built targets (a wrapped or deliberately broken backend) to the check classes
 * of one launcher run: JUnit configuration parameters carry strings only, so the runner registers the
 * list here under a fresh id and passes the id as {@link RunConfig#TARGETS}.
 */
public final class TargetRegistry {

    private static final Map<String, ImmutableList<Target>> REGISTERED = new ConcurrentHashMap<>();

    private TargetRegistry() {
    }

    /** Registers targets and returns their id; {@link #release} it after the run. */
    public static String register(ImmutableList<Target> targets) {
        String id = UUID.randomUUID().toString();
        REGISTERED.put(id, targets);
        return id;
    }

    public static Optional<ImmutableList<Target>> lookup(String id) {
        return Optional.ofNullable(REGISTERED.get(id));
    }

    public static void release(String id) {
        REGISTERED.remove(id);
    }
}
