package org.tdxsim.cli;

import java.time.Instant;
import java.util.Optional;
import org.tdxsim.kvm.device.HostCapture;
import org.tdxsim.kvm.device.HostProbe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tdxsim capture-host > my-host.json}: this host as a platform profile (device backend). */
@Command(name = "capture-host", mixinStandardHelpOptions = true,
        description = {"Capture this host as a platform profile (JSON on stdout; notes on stderr).",
            "Use the file with --platform my-host.json; its CPUID also works as input of 'tdxsim check'.",
            "CPUID comes from /dev/cpu/0/cpuid when readable (root), else from KVM_GET_SUPPORTED_CPUID;",
            "every adjusted value and every assumed knob is listed on stderr and in the file's provenance."},
        footer = {"", "Example:", "  tdxsim capture-host > my-host.json && tdxsim profiles list",
            "  tdxsim check --platform my-host.json --module 2.0.08 my-cpuid.json",
            "", "Exit code 1 when no profile could be captured (no CPUID source)."})
final class CaptureHostCommand extends Cmd {

    @Option(names = "--name", paramLabel = "NAME", description = "Profile name (default: captured-<vendor>-f<family>-m<model>).")
    String name;

    @Override
    int execute() {
        if (name != null && !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            throw new BadInput("--name", "'" + name + "' must be 1-64 characters of [A-Za-z0-9._-], starting with a letter or digit");
        }
        HostCapture.Result r = HostCapture.capture(HostProbe.probe(), Optional.ofNullable(name), Instant.now());
        for (String line : HostCapture.summary(r)) {
            err().println("tdxsim capture-host: " + line);
        }
        err().flush();
        return switch (r) {
            case HostCapture.Captured c -> {
                out().println(c.json().strip());
                yield OK;
            }
            case HostCapture.NotCaptured n -> CHECK_FAILED;
        };
    }
}
