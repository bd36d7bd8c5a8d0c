package org.tdxsim.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.tdxsim.kvm.device.HostProbe;
import org.tdxsim.kvm.device.TdxSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tdxsim probe}: what this host's /dev/kvm offers a TDX VMM (device backend, read-only). */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = {"Probe this host's /dev/kvm for TDX (device backend; creates no TD).",
            "KVM API version, VM types, capabilities, supported CPUID, CPU, kvm_intel.tdx, and why TDX is not",
            "available if it is not."},
        footer = {"", "Exit code 0 when the probe ran (whatever it found); with --require-tdx, 1 when TDX is not available."})
final class ProbeCommand extends Cmd {

    @Option(names = "--json", description = "Machine-readable output.")
    boolean json;

    @Option(names = "--require-tdx", description = "Exit 1 unless KVM offers TDX VMs (KVM_X86_TDX_VM).")
    boolean requireTdx;

    @Override
    int execute() throws Exception {
        HostProbe p = HostProbe.probe();
        boolean tdx = p.tdx() instanceof TdxSupport.Supported;
        if (json) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("device", p.device());
            o.put("access", p.access().describe());
            o.put("tdx_available", tdx);
            o.put("tdx", p.tdx().describe());
            if (p.tdx() instanceof TdxSupport.Unsupported u) {
                o.put("tdx_reason", u.reason().name());
            }
            p.apiVersion().ifPresent(v -> o.put("api_version", v));
            p.vmTypesMask().ifPresent(v -> o.put("vm_types_mask", v));
            ObjectNode caps = o.putObject("capabilities");
            p.capabilities().forEach(caps::put);
            p.kernelRelease().ifPresent(v -> o.put("kernel", v));
            p.kvmIntelTdx().ifPresent(v -> o.put("kvm_intel_tdx", v));
            p.tscKhz().ifPresent(v -> o.put("tsc_khz", v));
            p.kvmGuestPhysBits().ifPresent(v -> o.put("kvm_guest_phys_bits", v));
            var lines = o.putArray("report");
            p.reportLines().forEach(lines::add);
            var problems = o.putArray("problems");
            p.problems().forEach(problems::add);
            out().println(JsonInput.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(o));
        } else {
            var s = style();
            for (String line : p.reportLines()) {
                out().println(line.startsWith("TDX:") ? s.bold(s.verdict(tdx, line))
                        : line.startsWith("problem:") ? s.yellow(line) : line);
            }
        }
        return requireTdx && !tdx ? CHECK_FAILED : OK;
    }
}
