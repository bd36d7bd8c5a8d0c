package org.tdxsim.conformance;

import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.SkipExecutionHook;

/**
 * jqwik hook: skips decision-table properties unless the run targets the simulator — they vary the host
 * (MAXPHYADDR, 5-level EPT, LA57, module version), which only a simulated host can do; on a device the
 * host's own point of the table is checked by {@link GpawChecks}.
 */
public final class SimulatorOnly implements SkipExecutionHook {

    /** Registered on a class, the hook applies to every property in it. */
    @Override
    public PropagationMode propagateTo() {
        return PropagationMode.ALL_DESCENDANTS;
    }

    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
        RunConfig c = RunConfig.current();
        return c.simulated() ? SkipResult.doNotSkip()
                : SkipResult.skip("decision-table properties vary the host platform and run on the simulated "
                        + "kernel only (backend is " + c.backend() + ")");
    }
}
