package org.tdxsim.module;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;
import org.tdxsim.module.metadata.MetadataEntry;

/**
 * The TDVPS lookup table taken from [M1.5.01] include/auto_gen/tdvps_fields_lookup.c (commit 72d8cffb) into
 * {@code org/tdxsim/modules/tdvps-fields-1.5.01.json}: MAX_NUM_TDVPS_LOOKUP (119, tdvps_fields_lookup.h) rows
 * with consecutive indices, and rows 59–62 agree with the four fields TDH.VP.RD models today.
 */
class TdvpsFieldsResourceTest {

    static JsonNode table() throws IOException {
        try (InputStream in = TdvpsFieldsResourceTest.class.getResourceAsStream(
                "/org/tdxsim/modules/tdvps-fields-1.5.01.json")) {
            assertThat(in).isNotNull();
            return new ObjectMapper().readTree(in);
        }
    }

    @Test
    void tableMatchesTheModelledVpFields() throws IOException {
        JsonNode entries = table().get("entries");
        assertThat(entries.size()).isEqualTo(119);
        for (int i = 0; i < entries.size(); i++) {
            assertThat(entries.get(i).get("tableIndex").asInt()).isEqualTo(i);
        }
        for (MetadataEntry e : VcpuLeaves.VP_TABLE.entries()) {
            JsonNode row = entries.get(59 + e.tableIndex());
            assertThat(row.get("name").asText()).isEqualTo(e.name());
            assertThat(Long.parseUnsignedLong(row.get("fieldId").asText().substring(2), 16)).isEqualTo(e.fieldId());
            assertThat(Long.parseUnsignedLong(row.get("prodReadMask").asText().substring(2), 16))
                    .isEqualTo(e.hostReadMaskProd());
            assertThat(Long.parseUnsignedLong(row.get("debugReadMask").asText().substring(2), 16))
                    .isEqualTo(e.hostReadMaskDebug());
        }
    }
}
