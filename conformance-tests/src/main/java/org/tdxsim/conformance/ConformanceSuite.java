package org.tdxsim.conformance;

import com.google.common.collect.ImmutableList;

/** The classes that make up the conformance suite, in the order the runner runs them. */
public final class ConformanceSuite {

    private ConformanceSuite() {
    }

    /** Checks written against the typed client only (run on every target). */
    public static final ImmutableList<Class<?>> CHECKS = ImmutableList.of(
            BringUpChecks.class,
            HostKvmChecks.class,
            CapabilitiesChecks.class,
            InitVmChecks.class,
            GpawChecks.class,
            GetCpuidChecks.class,
            LifecycleChecks.class,
            InitMemRegionChecks.class);

    /** The decision table: jqwik properties (sampled, live) and the same properties on every cell. */
    public static final ImmutableList<Class<?>> DECISION_TABLE = ImmutableList.of(
            GpawDecisionProperties.class,
            DecisionTableChecks.class);

    /** Every class, checks first. */
    public static ImmutableList<Class<?>> classes() {
        return ImmutableList.<Class<?>>builder().addAll(CHECKS).addAll(DECISION_TABLE).build();
    }
}
