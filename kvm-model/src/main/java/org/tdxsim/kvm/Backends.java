package org.tdxsim.kvm;

import com.google.common.collect.ImmutableList;
import java.util.Locale;
import org.tdxsim.kvm.device.DeviceBackend;
import org.tdxsim.kvm.sim.SimulatedKernel;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.profile.ModuleProfile;

/**
 * Backend selection: the simulated kernel ({@code sim}, the default) or the real {@code /dev/kvm}
 * through {@code java.lang.foreign} ({@code device}). Code written against the typed client takes a
 * {@link KvmBackend} from here and runs unchanged on either ("one codec, two transports").
 *
 * <p>From the command line: {@code -Dtdxsim.backend=sim|device}. The device backend needs the JVM flag
 * {@code --enable-native-access=ALL-UNNAMED} (FFM downcalls are restricted) and access to
 * {@code /dev/kvm}; without access its calls return the kernel's {@code -ENOENT}/{@code -EACCES}
 * (see {@code org.tdxsim.kvm.device.HostProbe} for an explained report).
 */
public final class Backends {

    /** The system property read by {@link #fromSystemProperty()}. */
    public static final String PROPERTY = "tdxsim.backend";
    /** Name of the simulated kernel backend. */
    public static final String SIM = "sim";
    /** Name of the device backend. */
    public static final String DEVICE = "device";

    private Backends() {}

    /** The backend names {@link #named} accepts. */
    public static ImmutableList<String> names() {
        return ImmutableList.of(SIM, DEVICE);
    }

    /**
     * The backend named by {@code -Dtdxsim.backend} (default {@code sim}).
     *
     * @throws IllegalArgumentException for a name that is neither {@code sim} nor {@code device}
     */
    public static KvmBackend fromSystemProperty() {
        return named(System.getProperty(PROPERTY, SIM));
    }

    /**
     * {@code "sim"}: a {@link SimulatedKernel} with its default configuration (newest built-in module,
     * default platform); {@code "device"}: a {@link DeviceBackend} on this host's {@code /dev/kvm}.
     * Case and surrounding blanks are ignored.
     *
     * @throws IllegalArgumentException for any other name, with a one-line message naming the choices
     */
    public static KvmBackend named(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        return switch (n) {
            case SIM -> simulated();
            case DEVICE -> device();
            default -> throw new IllegalArgumentException("unknown " + PROPERTY + " '" + name + "': expected one of "
                    + names());
        };
    }

    /** The real {@code /dev/kvm} through FFM. */
    public static DeviceBackend device() {
        return new DeviceBackend();
    }

    /** The simulated kernel with {@link SimulatedKernel.Config#defaults()}. */
    public static SimulatedKernel simulated() {
        return SimulatedKernel.create();
    }

    /** The simulated kernel with a full configuration (module, platform, kernel version, GPAW policy, tdx param). */
    public static SimulatedKernel simulated(SimulatedKernel.Config config) {
        return SimulatedKernel.create(config);
    }

    /** The simulated kernel with this module version and platform, other settings default. */
    public static SimulatedKernel simulated(ModuleProfile module, PlatformProfile platform) {
        return SimulatedKernel.create(module, platform);
    }
}
