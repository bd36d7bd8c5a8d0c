package org.tdxsim.module;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tdxsim.module.Fixtures.assertStatus;
import static org.tdxsim.module.Fixtures.assertSuccess;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.tdxsim.module.metadata.MetadataFieldId.CpuidFieldCode;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.ModuleProfiles;

/**
 * TDCS.CPUID_VALID as TDH.MNG.INIT sets it, per version, read back with TDH.MNG.RD on a debug TD
 * (abi §6.5 CPUID_VALID[], debug-readable):
 * <ul>
 *   <li>2.0.08: 1 for every lookup slot ([M2.0] {@code tdh_mng_init.c} at 1666adc4 sets
 *       {@code cpuid_valid[cpuid_index] = true} in its loop over all MAX_NUM_CPUID_LOOKUP slots);</li>
 *   <li>1.5.06: 1 for a valid, non-faulting entry, else 0 ([M1.5.06] {@code tdh_mng_init.c} at 1e636985);</li>
 *   <li>1.5.01: 1 for a non-faulting entry (the 1.5.05 source, e98d9639, has the same rule).</li>
 * </ul>
 * A faulting leaf's CPUID_VALUES stays NOT_READABLE through its faulting flag (abi §6.2), whatever
 * CPUID_VALID says. The shipped 2.0.08 table has no faulting entry and no gap, so a variant with
 * leaf 0x6 marked faulting and slot 72 (leaf 0x2) removed shows the difference.
 */
class CpuidValidTest {

    private static final long CPUID_VALID = 0x9110000000000080L;
    private static final ObjectMapper JSON = new ObjectMapper();

    static ModuleProfile variant(String v, Consumer<ObjectNode> edit) throws Exception {
        ObjectNode root;
        String name = "/org/tdxsim/modules/tdx-module-" + v + ".json";
        try (InputStream in = CpuidValidTest.class.getResourceAsStream(name)) {
            root = (ObjectNode) JSON.readTree(in);
        }
        edit.accept(root);
        return ModuleProfiles.load("variant-of-" + v, new ByteArrayInputStream(JSON.writeValueAsBytes(root)));
    }

    static void faultingLeaf6AndGapAt72(ObjectNode root) {
        ArrayNode lookup = root.withArray("cpuidLookup");
        for (int i = 0; i < lookup.size(); i++) {
            JsonNode e = lookup.get(i);
            if (e.get("index").asInt() == 13) {
                ((ObjectNode) e).put("faulting", true);
            }
        }
        for (int i = 0; i < lookup.size(); i++) {
            if (lookup.get(i).get("index").asInt() == 72) {
                lookup.remove(i);
                break;
            }
        }
    }

    static TdBuild debugTd(TdxModule m) {
        return TdBuild.initialized(m, m.privateHkidMin() + 1, true, 1);
    }

    static long valid(TdxModule m, TdBuild td, int slot) {
        SeamcallResult r = m.tdhMngRd(td.tdr, CPUID_VALID + slot, 0);
        assertSuccess(r);
        return r.r8();
    }

    @Test
    void v20SetsEverySlotValid() throws Exception {
        ModuleProfile p = variant("2.0.08", CpuidValidTest::faultingLeaf6AndGapAt72);
        assertThat(p.lookupEntryAt(13).orElseThrow().faulting()).isTrue();
        assertThat(p.lookupEntryAt(72)).isEmpty();
        TdxModule m = TdxModule.create(p, Fixtures.gnr());
        assertSuccess(m.bringUp());
        TdBuild td = debugTd(m);
        for (int slot = 0; slot < p.maxNumCpuidLookup(); slot++) {
            assertThat(valid(m, td, slot)).as("CPUID_VALID[%d]", slot).isEqualTo(1);
        }
        long leaf6 = CpuidFieldCode.of(0x6, CpuidFieldCode.SUBLEAF_NA, 0).fieldId();
        assertStatus(m, m.tdhMngRd(td.tdr, leaf6, 0), "TDX_METADATA_FIELD_NOT_READABLE");
    }

    @Test
    void shipped20HasEverySlotValid() {
        TdxModule m = Fixtures.ready("2.0.08");
        TdBuild td = debugTd(m);
        for (int slot = 0; slot < m.profile().maxNumCpuidLookup(); slot++) {
            assertThat(valid(m, td, slot)).as("CPUID_VALID[%d]", slot).isEqualTo(1);
        }
    }

    @Test
    void v1506ClearsFaultingEntriesAndGaps() {
        TdxModule m = Fixtures.ready("1.5.06");
        TdBuild td = debugTd(m);
        assertThat(m.profile().lookupEntryAt(13).orElseThrow().faulting()).isTrue();
        assertThat(valid(m, td, 13)).as("leaf 0x6, faulting").isZero();
        assertThat(m.profile().lookupEntryAt(68)).isEmpty();
        assertThat(valid(m, td, 68)).as("slot 68, no entry").isZero();
        assertThat(valid(m, td, 5)).as("leaf 0x7/0").isEqualTo(1);
    }

    @Test
    void v1501ClearsFaultingEntries() {
        TdxModule m = Fixtures.ready("1.5.01");
        TdBuild td = debugTd(m);
        assertThat(valid(m, td, 13)).as("leaf 0x6, faulting").isZero();
        assertThat(valid(m, td, 5)).as("leaf 0x7/0").isEqualTo(1);
    }
}
