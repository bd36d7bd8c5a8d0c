package org.tdxsim.module.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A user profile that lacks something the SEAMCALL engine resolves by name, or that TD_PARAMS cannot
 * hold, is rejected by {@link ModuleProfiles#load} with a {@link ProfileFormatException} (file, JSON
 * path, problem) instead of making a later SEAMCALL throw. Broken copies of the shipped profiles.
 */
class EngineNeedsProfileTest {

    private static final ObjectMapper M = new ObjectMapper();

    @TempDir
    Path dir;

    private Path variant(String version, Consumer<ObjectNode> edit) throws Exception {
        ObjectNode root;
        try (InputStream in = getClass().getResourceAsStream("/org/tdxsim/modules/tdx-module-" + version + ".json")) {
            root = (ObjectNode) M.readTree(in);
        }
        edit.accept(root);
        Path f = dir.resolve("broken-" + version + ".json");
        M.writeValue(f.toFile(), root);
        return f;
    }

    private static ProfileFormatException fail(Path f) {
        ProfileFormatException e = catchThrowableOfType(ProfileFormatException.class, () -> ModuleProfiles.load(f));
        assertThat(e).as("%s must be rejected", f).isNotNull();
        assertThat(e.file()).isEqualTo(f.toString());
        return e;
    }

    @Test
    void missingStatusTheEngineReturns() throws Exception {
        Path f = variant("1.5.06", r -> r.with("statusCodes").remove("TDX_OPERAND_BUSY"));
        ProfileFormatException e = fail(f);
        assertThat(e.jsonPath()).isEqualTo("$.statusCodes");
        assertThat(e.problem()).isEqualTo("missing TDX_OPERAND_BUSY, which module 1.5.06 returns");
    }

    @Test
    void missingOperandIdTheEngineReports() throws Exception {
        ProfileFormatException e = fail(variant("2.0.08", r -> r.with("operandIds").remove("OP_STATE")));
        assertThat(e.jsonPath()).isEqualTo("$.operandIds");
        assertThat(e.problem()).isEqualTo("missing OP_STATE, an operand id module 2.0.08 reports");
    }

    /** The lists are per version: 1.0's own statuses and operands, 2.0's event-filter statuses. */
    @Test
    void requirementsFollowTheVersion() throws Exception {
        assertThat(fail(variant("1.0", r -> r.with("statusCodes").remove("TDX_BOOT_NT4_SET"))).problem())
                .contains("TDX_BOOT_NT4_SET");
        assertThat(fail(variant("1.0", r -> r.with("operandIds").remove("SEPT"))).problem()).contains("SEPT");
        assertThat(fail(variant("2.0.08", r -> r.with("statusCodes").remove("TDX_EVENT_FILTER_ORDER_INVALID")))
                .problem()).contains("TDX_EVENT_FILTER_ORDER_INVALID");
        // 1.5.06 never returns the 2.0 event-filter statuses nor 1.0's TDX_TD_INITIALIZED
        Path f = variant("1.5.06", r -> r.with("statusCodes").remove("TDX_EVENT_FILTER_INVALID"));
        assertThat(ModuleProfiles.load(f).hasStatus("TDX_TD_INITIALIZED")).isFalse();
    }

    /** TD_PARAMS holds (1024 - 0x100) / 16 = 48 CPUID_CONFIG values (abi §3.1). */
    @Test
    void moreThan48ConfigurableCpuidEntries() throws Exception {
        Path f = variant("2.0.08", r -> addConfigurableEntries(r, 49 - r.withArray("cpuidConfigurable").size()));
        ProfileFormatException e = fail(f);
        assertThat(e.jsonPath()).isEqualTo("$.cpuidConfigurable");
        assertThat(e.problem()).contains("49").contains("48");
        // 48 still fits
        Path ok = variant("2.0.08", r -> addConfigurableEntries(r, 48 - r.withArray("cpuidConfigurable").size()));
        assertThat(ModuleProfiles.load(ok).maxNumCpuidConfig()).isEqualTo(48);
    }

    /** Makes {@code n} more non-configurable lookup entries configurable (no configurable bits). */
    private static void addConfigurableEntries(ObjectNode root, int n) {
        ArrayNode lookup = root.withArray("cpuidLookup");
        ArrayNode cfg = root.withArray("cpuidConfigurable");
        for (JsonNode e : lookup) {
            if (n == 0) {
                break;
            }
            if (e.hasNonNull("configIndex")) {
                continue;
            }
            ObjectNode c = cfg.addObject();
            c.put("index", cfg.size() - 1);
            c.set("leaf", e.get("leaf"));
            c.set("subleaf", e.get("subleaf"));
            ObjectNode zero = M.createObjectNode().put("eax", "0x0").put("ebx", "0x0").put("ecx", "0x0").put("edx", "0x0");
            c.set("configDirect", zero);
            c.set("allowDirect", zero.deepCopy());
            c.put("lookupIndex", e.get("index").asInt());
            ((ObjectNode) e).put("configIndex", cfg.size() - 1);
            n--;
        }
    }

    @Test
    void v10NeedsItsFieldScheme() throws Exception {
        ProfileFormatException e = fail(variant("1.0", r -> r.remove("tdFieldScheme1_0")));
        assertThat(e.jsonPath()).isEqualTo("$.tdFieldScheme1_0");
    }

    @ParameterizedTest
    @ValueSource(strings = {"globalFields", "tdFields"})
    void v15NeedsMetadataTables(String key) throws Exception {
        ProfileFormatException e = fail(variant("1.5.01", r -> r.set(key, M.createArrayNode())));
        assertThat(e.jsonPath()).isEqualTo("$." + key);
        assertThat(e.problem()).contains("TDH.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.0", "1.5.01", "1.5.06", "2.0.08"})
    void shippedProfilesHaveEveryRequiredName(String v) {
        ModuleProfile p = ModuleProfiles.builtIn(v);
        assertThat(p.statusCodes().keySet()).containsAll(RequiredNames.statuses(p.version()));
        assertThat(p.operandIds().keySet()).containsAll(RequiredNames.operands(p.version()));
    }

    private static final Pattern STATUS_LITERAL = Pattern.compile("\"(TDX_[A-Z0-9_]+)\"");
    /** {@code fail("TDX_…", "OPERAND", …)}, {@code invalid("OPERAND", …)} and the literal operand of the shared checks. */
    private static final Pattern OPERAND_LITERAL = Pattern.compile(
            "(?:fail\\(\"TDX_[A-Z0-9_]+\", |invalid\\(|operandId\\(|\\? |: |checkAndLockExplicit4k\\([^;]*?, "
                    + "|Check\\(c, [^;]*?, )\"([A-Z][A-Z0-9_]*)\"");

    /**
     * Every status-name literal in the engine's sources that is a status of some shipped profile, and
     * every operand literal passed to the failing helpers, is in {@link RequiredNames}: the list cannot
     * silently fall behind the engine.
     */
    @Test
    void requiredNamesCoverTheEngineSources() throws IOException {
        Set<String> knownStatuses = new TreeSet<>();
        Set<String> knownOperands = new TreeSet<>();
        for (String v : ModuleProfiles.versions()) {
            knownStatuses.addAll(ModuleProfiles.builtIn(v).statusCodes().keySet());
            knownOperands.addAll(ModuleProfiles.builtIn(v).operandIds().keySet());
        }
        Path engine = Path.of("src/main/java/org/tdxsim/module");
        assertThat(engine).as("run from the simulator module directory").isDirectory();
        Set<String> statuses = new TreeSet<>();
        Set<String> operands = new TreeSet<>();
        try (Stream<Path> files = Files.walk(engine)) {
            files.filter(p -> p.toString().endsWith(".java") && !p.toString().contains("/profile/")).forEach(p -> {
                String s = read(p);
                Matcher sm = STATUS_LITERAL.matcher(s);
                while (sm.find()) {
                    if (knownStatuses.contains(sm.group(1))) {
                        statuses.add(sm.group(1));
                    }
                }
                Matcher om = OPERAND_LITERAL.matcher(s);
                while (om.find()) {
                    if (knownOperands.contains(om.group(1))) {
                        operands.add(om.group(1));
                    }
                }
            });
        }
        assertThat(statuses).hasSizeGreaterThan(50);
        assertThat(RequiredNames.allStatuses()).containsAll(statuses);
        assertThat(operands).contains("RCX", "KOT", "SEPT", "SEPT_TREE", "CPUID_CONFIG", "R8");
        assertThat(RequiredNames.allOperands()).containsAll(operands);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
