package org.tdxsim.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableList;
import java.util.List;
import org.tdxsim.cli.profiles.ProfileDiff;
import org.tdxsim.module.cpuid.CpuidLeaf;
import org.tdxsim.module.cpuid.CpuidRegs;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.profile.CpuidConfigurableEntry;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.ModuleProfiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tdxsim profiles list | show NAME | diff A B}: the built-in module versions and host platforms. */
@Command(name = "profiles", mixinStandardHelpOptions = true,
        description = "TDX module versions and host platforms the simulator ships.",
        subcommands = {ProfilesCommand.ListCmd.class, ProfilesCommand.ShowCmd.class, ProfilesCommand.DiffCmd.class})
final class ProfilesCommand extends Cmd {

    @Override
    int execute() {
        spec.commandLine().usage(out());
        return OK;
    }

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    static void printJson(Cmd c, Object node) throws Exception {
        c.out().println(JsonInput.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(node));
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List module versions and platforms.")
    static final class ListCmd extends Cmd {
        @Option(names = "--json", description = "Machine-readable output.")
        boolean json;

        @Override
        int execute() throws Exception {
            if (json) {
                ObjectNode o = F.objectNode();
                ArrayNode ms = o.putArray("modules");
                for (String v : ModuleProfiles.versions()) {
                    ms.add(moduleSummary(ModuleProfiles.builtIn(v)));
                }
                ArrayNode ps = o.putArray("platforms");
                for (String n : PlatformProfiles.names()) {
                    ps.add(platformSummary(PlatformProfiles.builtIn(n)));
                }
                o.put("default_module", Profiles.defaultModule());
                o.put("default_platform", Profiles.defaultPlatform());
                printJson(this, o);
                return OK;
            }
            var s = style();
            out().println(s.bold("Module versions") + s.dim("  (--module V; default " + Profiles.defaultModule() + ")"));
            out().printf("  %-8s %-9s %-13s %s%n", "version", "cpuid", "configurable", "source");
            for (String v : ModuleProfiles.versions()) {
                ModuleProfile p = ModuleProfiles.builtIn(v);
                out().printf("  %-8s %-9s %-13s %s@%s%n", v, p.cpuidLookup().size() + " leaves",
                        p.maxNumCpuidConfig() + " slots", p.sourceRepo(), shortCommit(p.sourceCommit()));
            }
            out().println();
            out().println(s.bold("Platforms") + s.dim("  (--platform P; default " + Profiles.defaultPlatform() + ")"));
            out().printf("  %-36s %-4s %-8s %-8s %s%n", "name", "TDX", "MAXPHYS", "EPT", "CPU");
            for (String n : PlatformProfiles.names()) {
                PlatformProfile p = PlatformProfiles.builtIn(n);
                out().printf("  %-36s %-4s %-8d %-8s %s%s%n", n, p.tdxCapable() ? "yes" : "no", p.maxPhysAddr(),
                        eptLevels(p), p.displayName(), p.synthesized() ? " (synthesized)" : "");
            }
            return OK;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one module version or platform.")
    static final class ShowCmd extends Cmd {
        @Parameters(paramLabel = "NAME", description = "A module version (2.0.08) or a platform name.")
        String name;

        @Option(names = "--json", description = "Machine-readable output.")
        boolean json;

        @Override
        int execute() throws Exception {
            if (ModuleProfiles.versions().contains(name)) {
                showModule(ModuleProfiles.builtIn(name));
            } else if (PlatformProfiles.names().contains(name)) {
                showPlatform(PlatformProfiles.builtIn(name));
            } else if (name.contains("/") || name.endsWith(".json")) {
                throw new BadInput(name, "show takes a built-in name; to check a profile file use it with --module/--platform");
            } else {
                throw new BadInput("NAME", "unknown profile '" + name + "'; modules: " + String.join(", ", ModuleProfiles.versions())
                        + "; platforms: " + String.join(", ", PlatformProfiles.names()));
            }
            return OK;
        }

        private void showModule(ModuleProfile p) throws Exception {
            if (json) {
                ObjectNode o = moduleSummary(p);
                ObjectNode c = o.putObject("constants");
                p.constants().forEach((k, v) -> {
                    if (v.value().isPresent()) {
                        c.put(k, String.format("0x%X", v.value().getAsLong()));
                    } else {
                        c.putNull(k);
                    }
                });
                ArrayNode cfg = o.putArray("cpuid_configurable");
                for (CpuidConfigurableEntry e : p.cpuidConfigurable()) {
                    ObjectNode n = cfg.addObject();
                    n.put("index", e.index());
                    n.put("leaf", Numbers.hex32(e.leaf()));
                    if (e.subleaf() == CpuidLeaf.SUBLEAF_NA) {
                        n.putNull("subleaf");
                    } else {
                        n.put("subleaf", Numbers.hex32(e.subleaf()));
                    }
                    n.set("config_direct", regs(e.configDirect()));
                    n.set("allow_direct", regs(e.allowDirect()));
                }
                p.tdxFeatures0().ifPresent(f -> {
                    ObjectNode t = o.putObject("tdx_features0");
                    t.put("value_with_no_conditional_bits", Numbers.hex64(f.valueWithNoConditionalBits()));
                    t.put("value_with_all_conditional_bits", Numbers.hex64(f.valueWithAllConditionalBits()));
                });
                printJson(this, o);
                return;
            }
            var s = style();
            var o = out();
            o.println(s.bold("TDX module " + p.version()) + "  " + p.sourceRepo() + "@" + shortCommit(p.sourceCommit()));
            o.println("  CPUID lookup entries " + p.cpuidLookup().size() + ", configurable slots (TD_PARAMS.CPUID_CONFIG) "
                    + p.maxNumCpuidConfig() + ", statuses " + p.statusCodes().size() + ", SEAMCALL leaves " + p.leafNumbers().size()
                    + ", TD fields " + p.tdFields().size() + ", global fields " + p.globalFields().size());
            o.println();
            o.println(s.bold("  constants"));
            p.constants().forEach((k, v) -> o.printf("    %-40s %s%n", k,
                    v.value().isPresent() ? String.format("0x%X", v.value().getAsLong()) : s.dim("unknown")));
            o.println();
            o.println(s.bold("  configurable CPUID (CD = CONFIG_DIRECT, AD = ALLOW_DIRECT; eax ebx ecx edx)"));
            for (CpuidConfigurableEntry e : p.cpuidConfigurable()) {
                o.printf("    %2d %-14s CD %s  AD %s%n", e.index(), e.cpuidLeaf(), regsText(e.configDirect()), regsText(e.allowDirect()));
            }
            p.tdxFeatures0().ifPresent(f -> {
                o.println();
                o.println(s.bold("  TDX_FEATURES0") + "  " + Numbers.hex64(f.valueWithNoConditionalBits()) + " .. "
                        + Numbers.hex64(f.valueWithAllConditionalBits()) + s.dim(" (depends on the platform)"));
                f.unconditionalBits().forEach(b -> o.printf("    bit %-3d %s%n", b.bit(), b.name()));
                f.conditionalBits().forEach(b -> o.printf("    bit %-3d %s %s%n", b.bit(), b.name(), s.dim("if " + b.condition())));
            });
        }

        private void showPlatform(PlatformProfile p) throws Exception {
            if (json) {
                ObjectNode o = platformSummary(p);
                ArrayNode cpuid = o.putArray("cpuid");
                p.cpuid().forEach((k, v) -> {
                    ObjectNode n = cpuid.addObject();
                    n.put("leaf", Numbers.hex32(k.leaf()));
                    if (k.subleaf() == CpuidLeaf.SUBLEAF_NA) {
                        n.putNull("subleaf");
                    } else {
                        n.put("subleaf", Numbers.hex32(k.subleaf()));
                    }
                    n.setAll(regs(v));
                });
                printJson(this, o);
                return;
            }
            var s = style();
            var o = out();
            o.println(s.bold(p.name()) + "  " + p.displayName() + (p.synthesized() ? s.yellow(" (synthesized)") : ""));
            o.printf("  vendor %s, family 0x%X model 0x%X stepping %d, TDX-capable %s%n", p.vendor(), p.family(), p.model(),
                    p.stepping(), p.tdxCapable() ? "yes" : "no");
            o.printf("  MAXPHYADDR %d, linear address bits %d, LA57 %s, EPT %s%n", p.maxPhysAddr(), p.linearAddrBits(),
                    p.la57() ? "yes" : "no", eptLevels(p));
            o.printf("  XCR0 supported 0x%X, XSS supported 0x%X, TSC %d Hz%n", p.supportedXcr0(), p.supportedXss(), p.tscHz());
            o.printf("  packages %d, logical processors %d, HKIDs: %d MKTME + %d TDX private%n", p.packages(),
                    p.logicalProcessors(), p.numMktmeKids(), p.numTdxPrivKids());
            o.printf("  TDX Connect %s, LASS %s, TSX_CTRL %s, MISC_ENABLE.LIMIT_CPUID_MAXVAL %s%n", yn(p.tdxConnect()),
                    yn(p.lass()), yn(p.tsxCtrl()), yn(p.miscEnableLimitCpuidMaxval()));
            if (!p.knobSources().isEmpty()) {
                o.println(s.bold("  where the knobs come from"));
                p.knobSources().forEach((k, v) -> o.println("    " + k + ": " + s.dim(v)));
            }
            o.println(s.dim("  " + p.cpuid().size() + " CPUID leaves; --json prints them"));
        }
    }

    @Command(name = "diff", mixinStandardHelpOptions = true,
            description = {"What changed between two module versions: per CPUID leaf/register/bit the class",
                "(e.g. fixed in A, configurable in B), and constants, fixed masks, statuses, operand ids,",
                "SEAMCALL leaves, TDX_FEATURES0 bits and metadata field ids."})
    static final class DiffCmd extends Cmd {
        @Parameters(index = "0", paramLabel = "A", description = "Older module version (e.g. 1.5.06).")
        String a;

        @Parameters(index = "1", paramLabel = "B", description = "Newer module version (e.g. 2.0.08).")
        String b;

        @Option(names = "--area", paramLabel = "AREA", split = ",",
                description = "Only these areas: cpuid_bit, cpuid_leaf, constant, status, operand, seamcall, tdx_features0, td_field, global_field.")
        List<String> areas;

        @Option(names = "--platform", paramLabel = "P", description = "Platform the CPUID classes are computed on (default: see 'tdxsim profiles list').")
        String platform;

        @Option(names = "--json", description = "Machine-readable output.")
        boolean json;

        @Override
        int execute() throws Exception {
            var plat = Profiles.platform("--platform", platform == null ? Profiles.defaultPlatform() : platform);
            ModuleProfile pa = Profiles.module("A", a);
            ModuleProfile pb = Profiles.module("B", b);
            List<String> known = List.of("cpuid_bit", "cpuid_leaf", "constant", "status", "operand", "seamcall",
                    "tdx_features0", "td_field", "global_field");
            if (areas != null) {
                for (String x : areas) {
                    if (!known.contains(x)) {
                        throw new BadInput("--area", "unknown area '" + x + "'; known: " + String.join(", ", known));
                    }
                }
            }
            ImmutableList<ProfileDiff.Change> changes = ProfileDiff.diff(pa, pb, plat).stream()
                    .filter(c -> areas == null || areas.contains(c.area()))
                    .collect(ImmutableList.toImmutableList());
            if (json) {
                ObjectNode o = F.objectNode();
                o.put("a", pa.version().label());
                o.put("b", pb.version().label());
                ArrayNode arr = o.putArray("changes");
                for (var c : changes) {
                    ObjectNode n = arr.addObject();
                    n.put("area", c.area());
                    n.put("key", c.key());
                    n.put("a", c.before());
                    n.put("b", c.after());
                    if (!c.note().isEmpty()) {
                        n.put("note", c.note());
                    }
                }
                printJson(this, o);
                return OK;
            }
            var s = style();
            out().println(s.bold("TDX module " + pa.version() + " -> " + pb.version()) + "  (" + changes.size() + " differences)");
            String area = "";
            for (var c : changes) {
                if (!c.area().equals(area)) {
                    area = c.area();
                    out().println();
                    out().println(s.bold("  " + area));
                }
                out().printf("    %-40s %s -> %s%s%n", c.key(), colour(c.before()), colour(c.after()),
                        c.note().isEmpty() ? "" : s.dim("  " + c.note()));
            }
            return OK;
        }

        private String colour(String v) {
            return v.equals("-") ? style().dim(v) : v;
        }
    }

    static ObjectNode moduleSummary(ModuleProfile p) {
        ObjectNode o = F.objectNode();
        o.put("version", p.version().label());
        o.put("source", p.sourceRepo() + "@" + p.sourceCommit());
        o.put("cpuid_lookup_entries", p.cpuidLookup().size());
        o.put("cpuid_config_slots", p.maxNumCpuidConfig());
        o.put("statuses", p.statusCodes().size());
        o.put("seamcall_leaves", p.leafNumbers().size());
        return o;
    }

    static ObjectNode platformSummary(PlatformProfile p) {
        ObjectNode o = F.objectNode();
        o.put("name", p.name());
        o.put("display_name", p.displayName());
        o.put("vendor", p.vendor());
        o.put("synthesized", p.synthesized());
        o.put("tdx_capable", p.tdxCapable());
        o.put("max_phys_addr", p.maxPhysAddr());
        o.put("la57", p.la57());
        o.put("ept_4level", p.ept4Level());
        o.put("ept_5level", p.ept5Level());
        o.put("packages", p.packages());
        o.put("logical_processors", p.logicalProcessors());
        return o;
    }

    static ObjectNode regs(CpuidRegs r) {
        ObjectNode n = F.objectNode();
        n.put("eax", Numbers.hex32(r.eax()));
        n.put("ebx", Numbers.hex32(r.ebx()));
        n.put("ecx", Numbers.hex32(r.ecx()));
        n.put("edx", Numbers.hex32(r.edx()));
        return n;
    }

    static String regsText(CpuidRegs r) {
        return String.format("%08X %08X %08X %08X", r.eax(), r.ebx(), r.ecx(), r.edx());
    }

    static String eptLevels(PlatformProfile p) {
        return p.ept5Level() ? (p.ept4Level() ? "4+5" : "5") : (p.ept4Level() ? "4" : "none");
    }

    static String yn(boolean b) {
        return b ? "yes" : "no";
    }

    static String shortCommit(String c) {
        return c == null ? "?" : c.substring(0, Math.min(8, c.length()));
    }
}
