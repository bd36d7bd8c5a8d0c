package org.tdxsim.module.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tdxsim.module.profile.ProfileFormatException;

class MalformedPlatformProfileTest {

    private static final ObjectMapper M = new ObjectMapper();

    @TempDir
    Path dir;

    private ProfileFormatException fail(Consumer<ObjectNode> edit) throws Exception {
        ObjectNode root;
        try (InputStream in = getClass().getResourceAsStream("/org/tdxsim/platforms/granite-rapids-w-xeon-658x.json")) {
            root = (ObjectNode) M.readTree(in);
        }
        edit.accept(root);
        Path f = dir.resolve("p.json");
        M.writeValue(f.toFile(), root);
        ProfileFormatException e = catchThrowableOfType(ProfileFormatException.class, () -> PlatformProfiles.load(f));
        assertThat(e).isNotNull();
        assertThat(e.file()).isEqualTo(f.toString());
        return e;
    }

    @Test
    void unchangedCopyLoads() throws Exception {
        ObjectNode root;
        try (InputStream in = getClass().getResourceAsStream("/org/tdxsim/platforms/granite-rapids-w-xeon-658x.json")) {
            root = (ObjectNode) M.readTree(in);
        }
        Path f = dir.resolve("ok.json");
        M.writeValue(f.toFile(), root);
        assertThat(PlatformProfiles.load(f)).isEqualTo(PlatformProfiles.builtIn("granite-rapids-w-xeon-658x"));
    }

    @Test
    void badCpuidRegister() throws Exception {
        ProfileFormatException e = fail(r -> ((ObjectNode) r.withArray("cpuid").get(4)).put("ecx", 17));
        assertThat(e.jsonPath()).isEqualTo("$.cpuid[4].ecx");
        assertThat(e.problem()).contains("not a hex string");
    }

    @Test
    void missingKnob() throws Exception {
        ProfileFormatException e = fail(r -> r.with("knobs").remove("tscHz"));
        assertThat(e.jsonPath()).isEqualTo("$.knobs.tscHz");
        assertThat(e.problem()).isEqualTo("missing key");
    }

    @Test
    void unknownKnob() throws Exception {
        ProfileFormatException e = fail(r -> r.with("knobs").set("turbo", M.createObjectNode()
                .put("value", true).put("source", "x")));
        assertThat(e.jsonPath()).isEqualTo("$.knobs.turbo");
        assertThat(e.problem()).contains("unknown knob");
    }

    @Test
    void knobOutOfRange() throws Exception {
        ProfileFormatException e = fail(r -> ((ObjectNode) r.with("knobs").get("packages")).put("value", 0));
        assertThat(e.jsonPath()).isEqualTo("$.knobs.packages.value");
        assertThat(e.problem()).contains("out of range");
    }

    @Test
    void knobContradictingItsMsr() throws Exception {
        ProfileFormatException e = fail(r -> ((ObjectNode) r.with("knobs").get("ept5Level")).put("value", false));
        assertThat(e.jsonPath()).isEqualTo("$.knobs.ept5Level.value");
        assertThat(e.problem()).contains("MSR 0x48C bit 7");
    }

    @Test
    void lassKnobContradictingCpuid() throws Exception {
        ProfileFormatException e = fail(r -> ((ObjectNode) r.with("knobs").get("lass")).put("value", true));
        assertThat(e.jsonPath()).isEqualTo("$.knobs.lass");
        assertThat(e.problem()).contains("CPUID(7,1).EAX[6]");
    }
}
