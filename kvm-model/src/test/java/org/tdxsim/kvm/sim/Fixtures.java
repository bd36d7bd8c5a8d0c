package org.tdxsim.kvm.sim;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.profile.ModuleProfiles;

/** Platform × module combinations and kernels for the tests. */
final class Fixtures {
    private Fixtures() {}

    /** Module versions KVM accepts: TOPOLOGY_ENUM (and TDH.SYS.RD) present (§6.4 of the abi digest). */
    static final ImmutableList<String> KVM_MODULES = ImmutableList.of("1.5.06", "2.0.08");

    static SimulatedKernel kernel() {
        return SimulatedKernel.create(SimulatedKernel.Config.defaults().withModule(ModuleProfiles.builtIn("2.0.08")));
    }

    static SimulatedKernel kernel(KernelVersion v) {
        return SimulatedKernel.create(SimulatedKernel.Config.defaults().withModule(ModuleProfiles.builtIn("2.0.08"))
                .withKernelVersion(v));
    }

    static SimulatedKernel kernel(String module, String platform) {
        return SimulatedKernel.create(ModuleProfiles.builtIn(module), PlatformProfiles.builtIn(platform));
    }

    static SimulatedKernel kernel(SimulatedKernel.Config c) {
        return SimulatedKernel.create(c);
    }

    static PlatformProfile platform(String name) {
        return PlatformProfiles.builtIn(name);
    }

    /** Every shipped platform × module version, as "platform|module". */
    static List<String> allCombinations() {
        List<String> out = new ArrayList<>();
        for (String p : PlatformProfiles.names()) {
            for (String m : ModuleProfiles.versions()) {
                out.add(p + "|" + m);
            }
        }
        return out;
    }
}
