package org.tdxsim.conformance;

import java.util.Optional;
import java.util.function.Supplier;
import org.tdxsim.kvm.KvmBackend;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.profile.ModuleProfile;

/**
 * One system under test: a way to open a fresh KVM backend (simulated kernel over a module version on a
 * platform, or the real {@code /dev/kvm}), plus what is known about it beyond the uapi.
 *
 * @param name display name in reports, e.g. {@code sim · 1.5.06 · granite-rapids-w-xeon-658x}
 * @param backend {@code sim} or {@code device} (or a test's own label for a wrapped backend)
 * @param module the module profile the simulator runs (its data tables: fixed masks, statuses), if known
 * @param platform the platform profile the simulator runs on, if known
 * @param opener opens a new backend; each check closes what it opens
 * @param inspector reads TD state the uapi does not expose (TDCS fields), where the backend allows
 * @param bringUp on the simulator: why TDX is <em>not</em> available on this module × platform (the
 *     TDH.SYS.INIT refusal or KVM refusing the module), empty when it came up or on a device
 */
public record Target(String name, String backend, Optional<ModuleProfile> module,
        Optional<PlatformProfile> platform, Supplier<KvmBackend> opener, Optional<TdInspector> inspector,
        Optional<String> bringUp) {

    /** Opens a fresh backend (the caller closes it). */
    public KvmBackend open() {
        return opener.get();
    }

    /** True when the target is a simulated host whose profiles are known. */
    public boolean simulated() {
        return module.isPresent() && platform.isPresent();
    }

    /** A copy that opens {@code other} instead (same profiles and name suffix): for wrapped backends. */
    public Target withOpener(String newName, Supplier<KvmBackend> other) {
        return new Target(newName, backend, module, platform, other, inspector, bringUp);
    }

    @Override
    public String toString() {
        return name;
    }
}
