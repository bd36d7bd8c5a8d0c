package org.tdxsim.benchmarks.bringup;

import org.tdxsim.kvm.Backends;
import org.tdxsim.kvm.sim.SimulatedKernel;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.ModuleProfiles;

/** The simulated kernels the benchmarks measure. */
public final class SimBackends {

    private SimBackends() {}

    /** A simulated kernel with the newest module on the default platform (what target 1 measures). */
    public static SimulatedKernel create() {
        return create(ModuleProfiles.latest(), PlatformProfiles.defaultPlatform());
    }

    public static SimulatedKernel create(ModuleProfile module, PlatformProfile platform) {
        return Backends.simulated(module, platform);
    }

    /**
     * {@code platform} with {@code n} logical processors: KVM caps a TD's vCPUs at the present CPUs
     * (KVM_CAP_MAX_VCPUS, uapi §1), so the vCPU sweep up to MAX_VCPUS_PER_TD (576) needs a host that
     * large. Only the LP count changes (a knob a CPUID dump cannot show, design.md "Data, not code").
     */
    public static PlatformProfile withLogicalProcessors(PlatformProfile p, int n) {
        return p.toBuilder().name(p.name() + "-" + n + "lp").displayName(p.displayName() + " (" + n + " LPs)")
                .synthesized(true).logicalProcessors(n).build();
    }
}
