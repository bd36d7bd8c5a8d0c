package org.tdxsim.conformance;

import com.google.common.collect.ImmutableList;
import java.util.Optional;
import org.tdxsim.kvm.Backends;
import org.tdxsim.kvm.device.HostProbe;
import org.tdxsim.kvm.device.TdxSupport;

/** Turns a {@link RunConfig} into the targets the checks run on. */
public final class Targets {

    private Targets() {
    }

    /** The targets a configuration selects; fails with a one-line message for unknown names. */
    public static ImmutableList<Target> resolve(RunConfig config) {
        if (config.targetsId().isPresent()) {
            return TargetRegistry.lookup(config.targetsId().get()).orElseThrow(() -> new IllegalArgumentException(
                    "no registered targets with id " + config.targetsId().get()));
        }
        return switch (config.backend()) {
            case RunConfig.DEVICE -> ImmutableList.of(device());
            case RunConfig.SIM -> SimTargets.select(config.module(), config.platform());
            default -> throw new IllegalArgumentException(
                    "unknown backend '" + config.backend() + "' (expected sim or device)");
        };
    }

    /** The real {@code /dev/kvm}, with the host probe's reason when TDX is missing. */
    public static Target device() {
        Optional<String> why = Optional.empty();
        try {
            TdxSupport tdx = HostProbe.probe().tdx();
            if (tdx instanceof TdxSupport.Unsupported u) {
                why = Optional.of(u.explanation());
            }
        } catch (RuntimeException e) {
            why = Optional.of("host probe failed: " + e.getMessage());
        }
        return new Target("device · /dev/kvm", RunConfig.DEVICE, Optional.empty(), Optional.empty(),
                Backends::device, Optional.empty(), why);
    }
}
