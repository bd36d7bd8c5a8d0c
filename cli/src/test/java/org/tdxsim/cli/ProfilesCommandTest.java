package org.tdxsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.ModuleProfiles;

class ProfilesCommandTest {

    @Test
    void listNamesEveryBuiltInProfile() {
        JsonNode j = CliRun.run("profiles", "list", "--json").json();
        List<String> modules = new ArrayList<>();
        j.get("modules").forEach(m -> modules.add(m.get("version").asText()));
        List<String> platforms = new ArrayList<>();
        j.get("platforms").forEach(p -> platforms.add(p.get("name").asText()));
        assertThat(modules).containsExactlyElementsOf(ModuleProfiles.versions());
        assertThat(platforms).containsExactlyElementsOf(PlatformProfiles.names());
        CliRun human = CliRun.run("profiles", "list");
        assertThat(human.rc()).isZero();
        assertThat(human.out()).contains("2.0.08").contains(PlatformProfiles.DEFAULT);
    }

    @Test
    void showModuleListsItsConfigurableSlots() {
        for (String v : ModuleProfiles.versions()) {
            JsonNode j = CliRun.run("profiles", "show", v, "--json").json();
            assertThat(j.get("cpuid_configurable")).hasSize(ModuleProfiles.builtIn(v).maxNumCpuidConfig());
        }
    }

    @Test
    void showPlatform() {
        var p = PlatformProfiles.builtIn("sierra-forest-synthesized");
        JsonNode j = CliRun.run("profiles", "show", p.name(), "--json").json();
        assertThat(j.get("max_phys_addr").asInt()).isEqualTo(p.maxPhysAddr());
        assertThat(j.get("ept_5level").asBoolean()).isEqualTo(p.ept5Level());
        assertThat(j.get("cpuid")).hasSize(p.cpuid().size());
        assertThat(CliRun.run("profiles", "show", p.name()).out()).contains("synthesized");
    }

    /** abi §4.1 row 10 / §5.6: 2.0.08 raised MAX_VCPUS_PER_TD and added the 0x18 configurable slots. */
    @Test
    void diffReportsConstantsAndNewConfigurableLeaves() {
        ModuleProfile a = ModuleProfiles.builtIn("1.5.06");
        ModuleProfile b = ModuleProfiles.builtIn("2.0.08");
        JsonNode j = CliRun.run("profiles", "diff", "1.5.06", "2.0.08", "--json").json();
        JsonNode vcpus = find(j, "constant", "MAX_VCPUS_PER_TD");
        assertThat(vcpus.get("a").asText()).isEqualTo(String.valueOf(a.constant("MAX_VCPUS_PER_TD").getAsLong()));
        assertThat(vcpus.get("b").asText()).isEqualTo(String.valueOf(b.constant("MAX_VCPUS_PER_TD").getAsLong()));
        JsonNode slot = find(j, "cpuid_leaf", b.cpuidConfigurable().getLast().cpuidLeaf().toString());
        assertThat(slot.get("b").asText()).startsWith("configurable slot");
        // every status B has and A lacks is listed
        long added = b.statusCodes().keySet().stream().filter(n -> !a.statusCodes().containsKey(n)).count();
        long listed = 0;
        for (JsonNode c : j.get("changes")) {
            if (c.get("area").asText().equals("status") && c.get("a").asText().equals("-")) {
                listed++;
            }
        }
        assertThat(listed).isEqualTo(added);
    }

    /**
     * field-notes §2.2: MCE/MTRR/MCA became configurable after 1.5 (VE_REDUCTION). The diff's class for
     * CPUID(1).EDX[7] in each version must be the classifier's own class for that bit.
     */
    @Test
    void diffCpuidBitClassesComeFromTheClassifier() {
        var platform = PlatformProfiles.defaultPlatform();
        JsonNode j = CliRun.run("profiles", "diff", "1.5.06", "2.0.08", "--area", "cpuid_bit", "--json").json();
        JsonNode mce = find(j, "cpuid_bit", "0x1 EDX[7] MCE");
        for (var side : List.of("a", "b")) {
            ModuleProfile p = ModuleProfiles.builtIn(side.equals("a") ? "1.5.06" : "2.0.08");
            var in = org.tdxsim.module.cpuid.CpuidInputs.of(0, p.constant("TDX_XFAM_FIXED0").orElse(3), 0,
                    (int) (platform.tscHz() / 25_000_000L), java.util.Collections.nCopies(p.maxNumCpuidConfig(),
                            org.tdxsim.module.cpuid.CpuidRegs.ZERO));
            var cls = org.tdxsim.module.cpuid.CpuidClassifier.classifyBit(p, platform, in, 1,
                    org.tdxsim.module.cpuid.CpuidLeaf.SUBLEAF_NA, org.tdxsim.module.cpuid.CpuidReg.EDX, 7);
            assertThat(mce.get(side).asText()).startsWith(cls.label());
        }
        assertThat(mce.get("a").asText()).isNotEqualTo(mce.get("b").asText());
    }

    @Test
    void diffOfAVersionWithItselfIsEmpty() {
        JsonNode j = CliRun.run("profiles", "diff", "1.5.01", "1.5.01", "--json").json();
        assertThat(j.get("changes")).isEmpty();
    }

    @Test
    void diffAreaFilter() {
        JsonNode j = CliRun.run("profiles", "diff", "1.0", "2.0.08", "--area", "status", "--json").json();
        assertThat(j.get("changes")).isNotEmpty().allSatisfy(c -> assertThat(c.get("area").asText()).isEqualTo("status"));
    }

    private static JsonNode find(JsonNode diff, String area, String key) {
        for (JsonNode c : diff.get("changes")) {
            if (c.get("area").asText().equals(area) && c.get("key").asText().equals(key)) {
                return c;
            }
        }
        throw new AssertionError("no " + area + " change for " + key + " in " + diff);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "profiles show nope|unknown profile 'nope'",
        "profiles diff 1.5.06 3.0|unknown module version '3.0'",
        "profiles diff 1.5.06|Missing required parameter",
        "profiles diff 1.0 2.0.08 --area bogus|unknown area 'bogus'",
    })
    void badInputIsOneLineAndExitTwo(String args, String expected) {
        CliRun r = CliRun.run(args.split(" "));
        assertThat(r.rc()).as(r.toString()).isEqualTo(2);
        assertThat(r.errLines()).as(r.toString()).hasSize(1);
        assertThat(r.err()).contains(expected).doesNotContain("Exception");
    }
}
