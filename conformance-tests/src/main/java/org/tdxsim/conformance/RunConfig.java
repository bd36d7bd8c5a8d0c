package org.tdxsim.conformance;

import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * What one conformance run is aimed at, read from JUnit Platform configuration parameters (which fall
 * back to JVM system properties, so {@code mvn verify -Dtdxsim.backend=device} works unchanged).
 *
 * @param backend {@code sim} (default) or {@code device}
 * @param module a module version ({@code 1.0}, {@code 1.5.01}, {@code 1.5.06}, {@code 2.0.08}) or empty
 *     for every shipped version (simulator only)
 * @param platform a platform profile name or empty for every shipped platform (simulator only)
 * @param targetsId id of a programmatically registered target list ({@link TargetRegistry}), or empty
 */
public record RunConfig(String backend, Optional<String> module, Optional<String> platform,
        Optional<String> targetsId) {

    /** Configuration key: {@code sim} or {@code device} (the same property {@code Backends} reads). */
    public static final String BACKEND = org.tdxsim.kvm.Backends.PROPERTY;
    /** Configuration key: module version (simulator); {@code all} or absent means every version. */
    public static final String MODULE = "tdxsim.module";
    /** Configuration key: platform profile name (simulator); {@code all} or absent means every one. */
    public static final String PLATFORM = "tdxsim.platform";
    /** Configuration key: id of targets registered in {@link TargetRegistry} (tests of the suite). */
    public static final String TARGETS = "tdxsim.targets";

    public static final String SIM = "sim";
    public static final String DEVICE = "device";

    public RunConfig {
        backend = backend.toLowerCase(Locale.ROOT);
    }

    /** Reads the configuration from a key lookup (configuration parameters or system properties). */
    public static RunConfig from(Function<String, Optional<String>> lookup) {
        String backend = lookup.apply(BACKEND).filter(s -> !s.isBlank()).orElse(SIM);
        return new RunConfig(backend, all(lookup.apply(MODULE)), all(lookup.apply(PLATFORM)),
                lookup.apply(TARGETS).filter(s -> !s.isBlank()));
    }

    /** The configuration given by JVM system properties only (surefire, jqwik hooks). */
    public static RunConfig fromSystemProperties() {
        return from(key -> Optional.ofNullable(System.getProperty(key)));
    }

    /** True when the run is aimed at the simulated kernel. */
    public boolean simulated() {
        return backend.equals(SIM);
    }

    private static Optional<String> all(Optional<String> value) {
        return value.filter(s -> !s.isBlank() && !s.equalsIgnoreCase("all"));
    }

    /**
     * The configuration of the run in progress, for code that cannot see JUnit configuration
     * parameters (jqwik lifecycle hooks): set by {@link ConformanceRunner} around its launcher run,
     * otherwise the system properties.
     */
    public static RunConfig current() {
        RunConfig c = Holder.current;
        return c != null ? c : fromSystemProperties();
    }

    /** Where {@link ConformanceRunner} parks the configuration of the run in progress. */
    static final class Holder {
        private static volatile RunConfig current;

        private Holder() {
        }

        static void set(RunConfig c) {
            current = c;
        }

        static void clear() {
            current = null;
        }
    }
}
