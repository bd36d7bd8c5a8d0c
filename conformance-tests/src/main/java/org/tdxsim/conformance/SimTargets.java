package org.tdxsim.conformance;

import com.google.common.collect.ImmutableList;
import java.util.List;
import java.util.Optional;
import org.tdxsim.kvm.sim.SimulatedKernel;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.ModuleProfiles;

/**
 * Simulated targets: every shipped module version × platform profile (or the selected ones), each on the
 * simulated kernel with its defaults (Linux 6.16, UPSTREAM GPAW policy). A pair whose bring-up is refused
 * (TDH.SYS.INIT refuses the platform, KVM refuses the module, the platform has no TDX) stays a target: its
 * TDX checks are skipped with the refusal as the reason, its other checks run.
 */
public final class SimTargets {

    private SimTargets() {
    }

    /** The selected targets; an unknown name fails with the list of known ones. */
    public static ImmutableList<Target> select(Optional<String> module, Optional<String> platform) {
        List<String> modules = module.map(m -> List.of(known(m, ModuleProfiles.versions(), "module version")))
                .orElse(ModuleProfiles.versions());
        List<String> platforms = platform.map(p -> List.of(known(p, PlatformProfiles.names(), "platform")))
                .orElse(PlatformProfiles.names());
        ImmutableList.Builder<Target> out = ImmutableList.builder();
        for (String v : modules) {
            for (String p : platforms) {
                out.add(target(ModuleProfiles.builtIn(v), PlatformProfiles.builtIn(p)));
            }
        }
        return out.build();
    }

    /** The target of one module × platform on the default simulated kernel. */
    public static Target target(ModuleProfile module, PlatformProfile platform) {
        SimulatedKernel.Config config = SimHosts.config(module, platform, "UPSTREAM");
        Optional<String> refused;
        try (SimulatedKernel k = SimulatedKernel.create(config)) {
            refused = k.tdxDisabledReason();
        }
        return new Target("sim · " + module.version().label() + " · " + platform.name(), RunConfig.SIM,
                Optional.of(module), Optional.of(platform), () -> SimulatedKernel.create(config),
                Optional.of(SimHosts.inspector()), refused);
    }

    private static String known(String name, List<String> names, String what) {
        if (!names.contains(name)) {
            throw new IllegalArgumentException("unknown " + what + " '" + name + "' (known: " + String.join(", ", names) + ")");
        }
        return name;
    }
}
