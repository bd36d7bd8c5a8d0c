package org.tdxsim.module.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broken user profile yields a ProfileFormatException naming file, JSON path and problem. */
class MalformedModuleProfileTest {

    private static final ObjectMapper M = new ObjectMapper();

    @TempDir
    Path dir;

    private Path variant(String name, Consumer<ObjectNode> edit) throws Exception {
        ObjectNode root;
        try (InputStream in = getClass().getResourceAsStream("/org/tdxsim/modules/tdx-module-1.5.06.json")) {
            root = (ObjectNode) M.readTree(in);
        }
        edit.accept(root);
        Path f = dir.resolve(name);
        M.writeValue(f.toFile(), root);
        return f;
    }

    private ProfileFormatException fail(Path f) {
        return catchThrowableOfType(ProfileFormatException.class, () -> ModuleProfiles.load(f));
    }

    @Test
    void unmodifiedCopyLoads() throws Exception {
        Path f = variant("ok.json", r -> { });
        assertThat(ModuleProfiles.load(f).version().label()).isEqualTo("1.5.06");
        assertThat(ModuleProfiles.load(f).origin()).isEqualTo(f.toString());
    }

    @Test
    void notAHexString() throws Exception {
        Path f = variant("hex.json", r -> ((ObjectNode) r.withArray("cpuidConfigurable").get(3).get("configDirect"))
                .put("ebx", "0xZZ"));
        ProfileFormatException e = fail(f);
        assertThat(e.file()).isEqualTo(f.toString());
        assertThat(e.jsonPath()).isEqualTo("$.cpuidConfigurable[3].configDirect.ebx");
        assertThat(e.problem()).contains("not a hex string");
        assertThat(e.getMessage()).startsWith(f.toString()).doesNotContain("com.fasterxml");
    }

    @Test
    void missingKey() throws Exception {
        ProfileFormatException e = fail(variant("missing.json",
                r -> ((ObjectNode) r.withArray("cpuidLookup").get(5)).remove("fixed1")));
        assertThat(e.jsonPath()).isEqualTo("$.cpuidLookup[5].fixed1");
        assertThat(e.problem()).isEqualTo("missing key");
    }

    @Test
    void hexValueTooWideForARegister() throws Exception {
        ProfileFormatException e = fail(variant("wide.json", r -> ((ObjectNode) r.withArray("cpuidLookup").get(0)
                .get("fixed1")).put("eax", "0x100000000")));
        assertThat(e.jsonPath()).isEqualTo("$.cpuidLookup[0].fixed1.eax");
        assertThat(e.problem()).contains("out of range");
    }

    @Test
    void configIndexOutOfRange() throws Exception {
        ProfileFormatException e = fail(variant("cfg.json",
                r -> ((ObjectNode) r.withArray("cpuidLookup").get(0)).put("configIndex", 40)));
        assertThat(e.jsonPath()).isEqualTo("$.cpuidLookup[0].configIndex");
        assertThat(e.problem()).contains("out of range");
    }

    @Test
    void wrongTypeAndBadBoolean() throws Exception {
        ProfileFormatException e = fail(variant("type.json",
                r -> ((ObjectNode) r.withArray("cpuidLookup").get(2)).put("faulting", "yes")));
        assertThat(e.jsonPath()).isEqualTo("$.cpuidLookup[2].faulting");
        assertThat(e.problem()).contains("expected true or false");
    }

    @Test
    void duplicateStatusValue() throws Exception {
        ProfileFormatException e = fail(variant("dup.json",
                r -> r.with("statusCodes").put("TDX_MY_COPY", "0xC000010000000000")));
        assertThat(e.jsonPath()).isEqualTo("$.statusCodes.TDX_MY_COPY");
        assertThat(e.problem()).contains("duplicate");
    }

    @Test
    void unsupportedSchemaVersion() throws Exception {
        ProfileFormatException e = fail(variant("schema.json", r -> r.put("schemaVersion", 2)));
        assertThat(e.jsonPath()).isEqualTo("$.schemaVersion");
    }

    @Test
    void emptyLookupArrayBreaksConfigurableBackReferences() throws Exception {
        ProfileFormatException e = fail(variant("noLookup.json", r -> r.set("cpuidLookup", M.createArrayNode())));
        assertThat(e.jsonPath()).isEqualTo("$.cpuidConfigurable[0].lookupIndex");
    }

    @Test
    void opStateBitmapEntryOutOfRange() throws Exception {
        ProfileFormatException e = fail(variant("op.json", r -> ((ArrayNode) r.with("opStateLookup")
                .withArray("seamcall").get(0).get("bitmap")).set(0, 7)));
        assertThat(e.jsonPath()).isEqualTo("$.opStateLookup.seamcall[0].bitmap[0]");
        assertThat(e.problem()).contains("out of range");
    }

    @Test
    void syntaxErrorNamesLineAndColumn() throws Exception {
        Path f = dir.resolve("syntax.json");
        Files.writeString(f, "{\n  \"schemaVersion\": 1,\n  \"version\": {,\n}");
        ProfileFormatException e = fail(f);
        assertThat(e.jsonPath()).isEqualTo("$");
        assertThat(e.problem()).contains("not valid JSON at line 3");
    }

    @Test
    void missingFile() {
        ProfileFormatException e = fail(dir.resolve("nope.json"));
        assertThat(e.problem()).startsWith("cannot read file");
    }
}
