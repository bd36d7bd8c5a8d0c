package org.tdxsim.conformance;

import com.google.common.collect.ImmutableList;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalLong;
import org.tdxsim.kvm.KvmBackend;
import org.tdxsim.kvm.sim.GpawPolicy;
import org.tdxsim.kvm.sim.SimulatedKernel;
import org.tdxsim.kvm.sim.VmView;
import org.tdxsim.module.SeamcallResult;
import org.tdxsim.module.TdxModule;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.TdField;

/** Opens simulated hosts: the simulated kernel over a module version on a platform, with a GPAW policy. */
public final class SimHosts {

    /** TDCS field ids of module 1.0, which has no size/context bits (abi §6.5 last paragraph). */
    static final long V10_GPAW = 0x1100000000000003L;
    static final long V10_EPTP = 0x1100000000000004L;

    private SimHosts() {
    }

    /** Names of the simulated kernel's GPAW policies, UPSTREAM first. */
    public static ImmutableList<String> policyNames() {
        return Arrays.stream(GpawPolicy.values()).map(Enum::name).collect(ImmutableList.toImmutableList());
    }

    /** The kernel configuration for a module, a platform and a policy (6.16, kvm_intel.tdx=Y). */
    public static SimulatedKernel.Config config(ModuleProfile module, PlatformProfile platform, String policy) {
        return SimulatedKernel.Config.defaults().withModule(module).withPlatform(platform)
                .withGpawPolicy(GpawPolicy.valueOf(policy));
    }

    /** A simulated host after bring-up. */
    public static SimHost open(ModuleProfile module, PlatformProfile platform, String policy) {
        SimulatedKernel k = SimulatedKernel.create(config(module, platform, policy));
        return new SimHost(k, Optional.of(inspector()));
    }

    /**
     * Reads TDCS.GPAW, EPTP and CONFIG_FLAGS with TDH.MNG.RD on the simulated module
     * (the field ids from the module profile, abi §6.5), for the TD behind a VM fd of a simulated kernel.
     */
    public static TdInspector inspector() {
        return (KvmBackend backend, int vmFd) -> {
            if (!(backend instanceof SimulatedKernel k)) {
                return Optional.empty();
            }
            Optional<VmView> view = k.vmView(vmFd);
            Optional<TdxModule> module = k.module();
            if (view.isEmpty() || view.get().tdr() < 0 || module.isEmpty()
                    || !view.get().tdState().equals("INITIALIZED") && !view.get().tdState().equals("RUNNABLE")) {
                return Optional.empty();
            }
            TdxModule m = module.get();
            long tdr = view.get().tdr();
            ModuleProfile p = m.profile();
            boolean v10 = p.version().is1_0();
            OptionalLong gpaw = read(m, tdr, v10 ? V10_GPAW : id(p, "GPAW"));
            OptionalLong eptp = read(m, tdr, v10 ? V10_EPTP : id(p, "EPTP"));
            // 1.0 has no CONFIG_FLAGS: its GPAW lives in EXEC_CONTROLS bit 0 (abi §3.6, §4.2).
            OptionalLong flags = v10 ? gpaw : read(m, tdr, id(p, "CONFIG_FLAGS"));
            if (gpaw.isEmpty() || eptp.isEmpty() || flags.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new TdInspector.Tdcs((int) gpaw.getAsLong(), eptp.getAsLong(), flags.getAsLong(),
                    view.get().sharedBit()));
        };
    }

    private static long id(ModuleProfile p, String name) {
        return p.tdField(name).map(TdField::fieldId)
                .orElseThrow(() -> new IllegalStateException("module " + p.version() + " profile has no TD field " + name));
    }

    private static OptionalLong read(TdxModule m, long tdr, long fieldId) {
        SeamcallResult r = m.tdhMngRd(tdr, fieldId, 0);
        return r.isSuccess() ? OptionalLong.of(r.r8()) : OptionalLong.empty();
    }
}
