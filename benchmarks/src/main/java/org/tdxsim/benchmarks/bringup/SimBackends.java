package org.tdxsim.benchmarks.bringup;

import java.lang.reflect.InvocationTargetException;
import java.util.Optional;
import org.tdxsim.kvm.KvmBackend;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.ModuleProfiles;

/**
 * The simulated kernel as a {@link KvmBackend}, looked up by name so the benchmarks compile and run
 * (reporting "not measured") on a tree where {@code org.tdxsim.kvm.sim.SimulatedKernel} has not
 * landed yet.
 */
public final class SimBackends {

    static final String SIMULATED_KERNEL = "org.tdxsim.kvm.sim.SimulatedKernel";

    private SimBackends() {}

    /** Whether the simulated kernel is on the class path. */
    public static boolean available() {
        return unavailableReason().isEmpty();
    }

    /** Why {@link #create} cannot work here, if it cannot. */
    public static Optional<String> unavailableReason() {
        try {
            Class.forName(SIMULATED_KERNEL);
            return Optional.empty();
        } catch (ClassNotFoundException e) {
            return Optional.of(SIMULATED_KERNEL + " is not in this build (branch kvm PHASE3 not merged)");
        }
    }

    /** A simulated kernel with the newest module on the default platform. */
    public static KvmBackend create() {
        return create(ModuleProfiles.latest(), PlatformProfiles.defaultPlatform());
    }

    /** {@code SimulatedKernel.create(module, platform)}. */
    public static KvmBackend create(ModuleProfile module, PlatformProfile platform) {
        try {
            Class<?> k = Class.forName(SIMULATED_KERNEL);
            return (KvmBackend) k.getMethod("create", ModuleProfile.class, PlatformProfile.class)
                    .invoke(null, module, platform);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(unavailableReason().orElse(e.toString()), e);
        }
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
