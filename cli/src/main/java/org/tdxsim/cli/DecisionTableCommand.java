package org.tdxsim.cli;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.tdxsim.conformance.SimHosts;
import org.tdxsim.conformance.table.CsvRenderer;
import org.tdxsim.conformance.table.DecisionMatrix;
import org.tdxsim.conformance.table.DecisionTable;
import org.tdxsim.conformance.table.HtmlRenderer;
import org.tdxsim.conformance.table.InputSpace;
import org.tdxsim.conformance.table.MarkdownRenderer;
import org.tdxsim.conformance.table.PolicyDiff;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.profile.ModuleProfiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tdxsim decision-table}: the GPAW / EPT-level decision table (helper "conf"'s DecisionTable). */
@Command(name = "decision-table", mixinStandardHelpOptions = true,
        description = {"Enumerate KVM_TDX_INIT_VM's GPAW decision over every GuestPhysBits value (0-255), host",
            "MAXPHYADDR / 5-level EPT / LA57, module version and kernel policy, on the simulator, and render it."},
        footer = {"", "Example: tdxsim decision-table --format html --out decision-table.html"})
final class DecisionTableCommand extends Cmd {

    enum Format { md, csv, html }

    @Option(names = "--policy", paramLabel = "NAME", split = ",",
            description = "Kernel GPAW policies to compare (default: all). Known: see --help-policies.")
    List<String> policies;

    @Option(names = "--module", paramLabel = "V", split = ",", description = "Module versions (default: all built-in).")
    List<String> modules;

    @Option(names = "--format", paramLabel = "md|csv|html", defaultValue = "md", description = "Output format (default: md).")
    Format format;

    @Option(names = "--out", paramLabel = "FILE", description = "Write to FILE instead of stdout.")
    Path outFile;

    @Option(names = "--help-policies", description = "List the policies and exit.")
    boolean listPolicies;

    @Override
    int execute() throws IOException {
        ImmutableList<String> known = SimHosts.policyNames();
        if (listPolicies) {
            known.forEach(out()::println);
            return OK;
        }
        ImmutableList<String> ps = policies == null ? known : ImmutableList.copyOf(policies);
        for (String p : ps) {
            if (!known.contains(p)) {
                throw new BadInput("--policy", "unknown policy '" + p + "'; known: " + String.join(", ", known));
            }
        }
        ImmutableList<String> ms = modules == null ? ModuleProfiles.versions() : ImmutableList.copyOf(modules);
        for (String m : ms) {
            Profiles.builtInModule("--module", m);
        }
        if (outFile != null && outFile.getParent() != null && !Files.isDirectory(outFile.getParent())) {
            throw new BadInput("--out " + outFile, "folder " + outFile.getParent() + " does not exist");
        }
        var config = DecisionTable.Config.standard().withSpace(InputSpace.standard(PlatformProfiles.DEFAULT, ms, ps));
        DecisionMatrix m = DecisionTable.enumerate(config);
        String text = switch (format) {
            case md -> MarkdownRenderer.render(m, PolicyDiff.compute(m));
            case html -> HtmlRenderer.page(m, PolicyDiff.compute(m));
            case csv -> {
                StringWriter w = new StringWriter();
                CsvRenderer.write(m, w);
                yield w.toString();
            }
        };
        if (outFile == null) {
            out().print(text);
        } else {
            try {
                Files.writeString(outFile, text, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new BadInput("--out " + outFile, "cannot write: " + e.getMessage());
            }
        }
        err().printf("tdxsim decision-table: %,d combinations in %d ms (%,d KVM_TDX_INIT_VM calls)%s%n", m.size(),
                m.elapsed().toMillis(), m.kernelCalls(), outFile == null ? "" : " → " + outFile);
        return OK;
    }
}
