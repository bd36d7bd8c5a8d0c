package org.tdxsim.cli;

import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.tdxsim.cli.check.CheckJson;
import org.tdxsim.cli.check.CheckReport;
import org.tdxsim.cli.check.CheckRequest;
import org.tdxsim.cli.check.CpuidInput;
import org.tdxsim.cli.check.TdCheck;
import org.tdxsim.kvm.KvmError;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.module.cpuid.CpuidBitNames;
import org.tdxsim.module.cpuid.CpuidClassifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tdxsim check}: the sanity check a VMM wants before creating a TD. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Will KVM_TDX_INIT_VM accept this CPUID table, and what will the TD see? Creates nothing.",
            "Runs KVM_CREATE_VM, KVM_TDX_CAPABILITIES and KVM_TDX_INIT_VM on a throw-away simulated kernel",
            "(Linux 6.16 KVM + the chosen TDX module on the chosen platform): the first failing KVM check or",
            "TDH.MNG.INIT row is reported with its errno, hw_error and reason. Then, per bit: what the TD will",
            "not get and why, what it gets unrequested, and its final CPUID (KVM_TDX_GET_CPUID)."},
        footer = {"", "CPUID.json: [{\"function\":\"0x7\",\"index\":0,\"flags\":1,\"eax\":…,\"ebx\":…,\"ecx\":…,\"edx\":…}, …]",
            "  (hex strings or numbers; also {\"entries\":[…]} and the output of 'tdxsim capture-host'); '-' = stdin.",
            "", "Exit codes: 0 KVM_TDX_INIT_VM would succeed, 1 it would fail, 2 usage or input error."})
final class CheckCommand extends Cmd {

    @Option(names = "--module", paramLabel = "V", description = "TDX module version or profile file (default: newest built-in).")
    String module;

    @Option(names = "--platform", paramLabel = "P", description = "Platform name or profile file, e.g. from capture-host (default: see 'tdxsim profiles list').")
    String platform;

    @Parameters(paramLabel = "CPUID.json", description = "The CPUID entries the VMM will pass to KVM_TDX_INIT_VM.")
    String cpuidFile;

    @Option(names = "--attributes", paramLabel = "X", description = "kvm_tdx_init_vm.attributes (default 0x10000000, SEPT_VE_DISABLE, as QEMU).")
    String attributes;

    @Option(names = "--xfam", paramLabel = "X", description = "kvm_tdx_init_vm.xfam (default: supported_xfam from KVM_TDX_CAPABILITIES).")
    String xfam;

    @Option(names = "--guest-phys-bits", paramLabel = "N", description = "Set CPUID 0x80000008 EAX[23:16] (KVM's GPAW knob: 48 or 52).")
    String guestPhysBits;

    @Option(names = "--json", description = "Machine-readable output.")
    boolean json;

    @Option(names = "--all-cpuid", description = "Print every guest CPUID leaf (default: only leaves the request had).")
    boolean allCpuid;

    @Override
    int execute() throws Exception {
        var m = Profiles.module("--module", module == null ? Profiles.defaultModule() : module);
        var p = Profiles.platform("--platform", platform == null ? Profiles.defaultPlatform() : platform);
        OptionalLong attrs = attributes == null ? OptionalLong.empty() : OptionalLong.of(Numbers.unsigned("--attributes", attributes, 64));
        OptionalLong xf = xfam == null ? OptionalLong.empty() : OptionalLong.of(Numbers.unsigned("--xfam", xfam, 64));
        OptionalInt gpb = guestPhysBits == null ? OptionalInt.empty()
                : OptionalInt.of(Numbers.intInRange("--guest-phys-bits", guestPhysBits, 0, 255));
        var entries = CpuidInput.parse(cpuidFile, JsonInput.readFile(cpuidFile, in()));
        CheckReport r = TdCheck.run(new CheckRequest(m, p, entries, attrs, xf, gpb));
        if (json) {
            out().println(JsonInput.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(CheckJson.of(r)));
        } else {
            print(r);
        }
        return r.succeeded() ? OK : CHECK_FAILED;
    }

    private void print(CheckReport r) {
        var s = style();
        var o = out();
        o.println(s.dim("module " + r.module() + ", platform " + r.platform() + ", Linux " + r.kernel()
                + " KVM (simulated); attributes " + Numbers.hex64(r.attributes()) + ", xfam " + Numbers.hex64(r.xfam())
                + ", " + r.cpuid().size() + " CPUID entries"));
        switch (r.initVm()) {
            case CheckReport.Outcome.Succeeded ok -> o.println(s.bold(s.green("KVM_TDX_INIT_VM would succeed.")));
            case CheckReport.Outcome.Failed(KvmError e) -> {
                String what = e.tdxCommand().map(Enum::name).orElse(e.ioctl());
                o.println(s.bold(s.red(what + " would fail: -" + e.errnoName() + " (" + e.errno() + ")"))
                        + (e.hwError().isPresent() ? "  hw_error " + Numbers.hex64(e.hwError().getAsLong())
                                + e.hwErrorName().map(n -> " " + n).orElse("") : ""));
                e.explanation().ifPresent(x -> o.println("  why: " + x));
                if (e.hwError().isPresent()) {
                    o.println(s.dim("  (tdxsim explain " + Numbers.hex64(e.hwError().getAsLong()) + " decodes the status)"));
                }
            }
        }
        boolean failedBeforeModule = r.initVm() instanceof CheckReport.Outcome.Failed(KvmError e) && e.hwError().isEmpty();
        r.moduleRejection().filter(x -> failedBeforeModule).ifPresent(x -> {
            o.println(s.yellow("  also, TDH.MNG.INIT would refuse these CPUID values: ") + x.summary());
            x.details().forEach(d -> o.println("    - " + d));
        });
        o.println();
        bitTable("Requested bits the TD will not get", r.denied());
        bitTable("Bits the TD gets that were not requested", r.granted());
        if (!r.notVirtualized().isEmpty()) {
            o.println(s.bold("Requested leaves the module does not virtualize") + " (guest CPUID gets #VE; KVM refuses leaves"
                    + " outside KVM_TDX_CAPABILITIES)");
            for (KvmCpuidEntry2 e : r.notVirtualized()) {
                o.printf("  %s%n", leaf(e));
            }
            o.println();
        }
        o.println(s.bold("Guest-visible CPUID") + s.dim(r.guestCpuidSource().equals("KVM_TDX_GET_CPUID")
                ? "  (KVM_TDX_GET_CPUID on vCPU 0)"
                : r.succeeded() ? "  (computed by the simulator's classifier; " + r.guestCpuidSource() + ")"
                : "  (computed by the simulator from the request filtered to the bits the module accepts;"
                        + " INIT_VM failed)"));
        o.printf("  %-14s %-10s %-10s %-10s %-10s%n", "leaf", "eax", "ebx", "ecx", "edx");
        for (KvmCpuidEntry2 e : r.guestCpuid()) {
            if (allCpuid || requested(r.cpuid(), e)) {
                o.printf("  %-14s %08X   %08X   %08X   %08X%n", leaf(e), e.eax(), e.ebx(), e.ecx(), e.edx());
            }
        }
        if (!allCpuid) {
            o.println(s.dim("  (only leaves present in the request; --all-cpuid prints all " + r.guestCpuid().size() + ")"));
        }
    }

    /** One row per bit; adjacent unnamed bits of one register with the same rule share a row ("0-5"). */
    private void bitTable(String title, List<CpuidClassifier.BitReport> bits) {
        var s = style();
        out().println(s.bold(title) + " (" + bits.size() + " bits)");
        int i = 0;
        while (i < bits.size()) {
            var b = bits.get(i);
            String name = CpuidBitNames.name(b.leaf().leaf(), b.leaf().subleaf(), b.reg(), b.bit()).orElse("");
            int j = i;
            while (name.isEmpty() && j + 1 < bits.size() && sameRun(bits.get(j), bits.get(j + 1))) {
                j++;
            }
            String bitText = j == i ? String.valueOf(b.bit()) : b.bit() + "-" + bits.get(j).bit();
            out().printf("  %-12s %-3s %-5s %-22s %-28s %s%n", b.leaf(), b.reg(), bitText, name, b.bitClass().label(),
                    s.dim(b.bitClass().reason()));
            i = j + 1;
        }
        out().println();
    }

    private static boolean sameRun(CpuidClassifier.BitReport a, CpuidClassifier.BitReport b) {
        return a.leaf().equals(b.leaf()) && a.reg() == b.reg() && a.bit() + 1 == b.bit()
                && a.bitClass().equals(b.bitClass())
                && CpuidBitNames.name(b.leaf().leaf(), b.leaf().subleaf(), b.reg(), b.bit()).isEmpty();
    }

    private static boolean requested(List<KvmCpuidEntry2> req, KvmCpuidEntry2 e) {
        return req.stream().anyMatch(x -> x.function() == e.function() && x.index() == e.index());
    }

    private static String leaf(KvmCpuidEntry2 e) {
        return String.format("0x%X.%d", e.function(), e.index());
    }
}
