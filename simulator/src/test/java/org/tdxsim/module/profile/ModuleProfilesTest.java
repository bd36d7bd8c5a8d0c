package org.tdxsim.module.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.NoSuchElementException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.tdxsim.module.cpuid.CpuidLeaf;

/** Loads every shipped module profile and checks it against the numbers of the spec digest. */
class ModuleProfilesTest {

    @Test
    void versionsAreTheFourShippedReleases() {
        assertThat(ModuleProfiles.versions()).containsExactly("1.0", "1.5.01", "1.5.06", "2.0.08");
    }

    @Test
    void builtInProfilesAreLoadedOnceAndCached() {
        assertThat(ModuleProfiles.builtIn("1.5.06")).isSameAs(ModuleProfiles.builtIn("1.5.06"));
    }

    @Test
    void unknownVersionIsRejectedWithTheListOfKnownOnes() {
        assertThatThrownBy(() -> ModuleProfiles.builtIn("1.5.99"))
                .isInstanceOf(NoSuchElementException.class)
                .hasMessageContaining("1.5.99").hasMessageContaining("2.0.08");
    }

    /** module-data README: status/operand counts, MAX_NUM_CPUID_CONFIG, valid lookup entries. */
    @ParameterizedTest
    @CsvSource({
        "1.0,    1, 0, 0, 93,  38, 6,  57, 57",
        "1.5.01, 1, 5, 1, 166, 50, 12, 64, 64",
        "1.5.06, 1, 5, 6, 168, 50, 18, 69, 73",
        "2.0.08, 2, 0, 8, 266, 57, 28, 79, 79"})
    void tableSizesMatchTheModuleData(String v, int major, int minor, int update, int statuses, int operands,
            int numConfig, int validLookup, int maxLookup) {
        ModuleProfile p = ModuleProfiles.builtIn(v);
        assertThat(p.version()).isEqualTo(new ModuleVersion(major, minor, update, v));
        assertThat(p.statusCodes()).hasSize(statuses);
        assertThat(p.operandIds()).hasSize(operands);
        assertThat(p.maxNumCpuidConfig()).isEqualTo(numConfig);
        assertThat(p.constant("MAX_NUM_CPUID_CONFIG")).hasValue(numConfig);
        assertThat(p.cpuidLookup()).hasSize(validLookup);
        assertThat(p.maxNumCpuidLookup()).isEqualTo(maxLookup);
    }

    /** abi §3.4 ATTRIBUTES_FIXED0 table; §3.6 CONFIG_FLAGS_FIXED0. */
    @ParameterizedTest
    @CsvSource({
        "1.0,    0x8000000050000001",
        "1.5.01, 0x8000000070000001",
        "1.5.06, 0x8000000078010001",
        "2.0.08, 0xC000000078010041"})
    void attributesFixed0PerVersion(String v, String hex) {
        assertThat(ModuleProfiles.builtIn(v).constant("TDX_ATTRIBUTES_FIXED0"))
                .hasValue(Long.parseUnsignedLong(hex.substring(2), 16));
        assertThat(ModuleProfiles.builtIn(v).constant("TDX_XFAM_FIXED0")).hasValue(0x6DBE7);
    }

    @Test
    void configFlagsFixed0AbsentIn10AndGrowsLater() {
        assertThat(ModuleProfiles.builtIn("1.0").constant("CONFIG_FLAGS_FIXED0")).isEmpty();
        assertThat(ModuleProfiles.builtIn("1.0").constantInfo("CONFIG_FLAGS_FIXED0").orElseThrow()
                .effectiveAllowedMask()).hasValue(1);
        assertThat(ModuleProfiles.builtIn("1.5.01").constant("CONFIG_FLAGS_FIXED0")).hasValue(0x7);
        assertThat(ModuleProfiles.builtIn("1.5.06").constant("CONFIG_FLAGS_FIXED0")).hasValue(0xF);
        assertThat(ModuleProfiles.builtIn("2.0.08").constant("CONFIG_FLAGS_FIXED0")).hasValue(0x1F);
    }

    /** abi §2.2 values, including the version differences of caveat 6. */
    @Test
    void statusValuesAndVersionDifferences() {
        for (String v : ModuleProfiles.versions()) {
            assertThat(ModuleProfiles.builtIn(v).status("TDX_OPERAND_INVALID")).isEqualTo(0xC000010000000000L);
            assertThat(ModuleProfiles.builtIn(v).operandId("CPUID_CONFIG")).isEqualTo(69);
            assertThat(ModuleProfiles.builtIn(v).leafNumber("TDH.MNG.INIT")).isEqualTo(21);
        }
        assertThat(ModuleProfiles.builtIn("1.0").status("TDX_NON_RECOVERABLE_TD")).isEqualTo(0x4000000200000000L);
        assertThat(ModuleProfiles.builtIn("1.5.01").status("TDX_NON_RECOVERABLE_TD")).isEqualTo(0x6000000200000000L);
        assertThat(ModuleProfiles.builtIn("1.5.01").hasStatus("TDX_X2APIC_ID_NOT_UNIQUE")).isFalse();
        assertThat(ModuleProfiles.builtIn("1.5.06").status("TDX_X2APIC_ID_NOT_UNIQUE")).isEqualTo(0xC000062100000000L);
        assertThat(ModuleProfiles.builtIn("1.0").hasStatus("TDX_OP_STATE_INCORRECT")).isFalse();
        assertThat(ModuleProfiles.builtIn("1.0").status("TDX_BOOT_NT4_SET")).isEqualTo(0xC000090100000000L);
        assertThat(ModuleProfiles.builtIn("1.5.01").status("TDX_LIMIT_CPUID_MAXVAL_SET")).isEqualTo(0xC000090100000000L);
        assertThat(ModuleProfiles.builtIn("2.0.08").statusName(0xC000010000000000L)).hasValue("TDX_OPERAND_INVALID");
        assertThat(ModuleProfiles.builtIn("2.0.08").operandName(177)).hasValue("NUM_VCPUS");
        assertThatThrownBy(() -> ModuleProfiles.builtIn("1.0").status("TDX_NO_SUCH_STATUS"))
                .isInstanceOf(NoSuchElementException.class).hasMessageContaining("1.0");
    }

    /** abi §1: TDH.SYS.RD exists from 1.5 on; abi §7.3 OP_STATE table rows. */
    @Test
    void sysRdAndOpState() {
        assertThat(ModuleProfiles.builtIn("1.0").hasSysRd()).isFalse();
        assertThat(ModuleProfiles.builtIn("1.0").hasOpState()).isFalse();
        for (String v : new String[] {"1.5.01", "1.5.06", "2.0.08"}) {
            ModuleProfile p = ModuleProfiles.builtIn(v);
            assertThat(p.hasSysRd()).isTrue();
            assertThat(p.leafNumber("TDH.SYS.RD")).isEqualTo(34);
            assertThat(p.isLeafAllowedInOpState(21, 0)).isTrue();   // MNG.INIT only UNINITIALIZED
            assertThat(p.isLeafAllowedInOpState(21, 1)).isFalse();
            assertThat(p.isLeafAllowedInOpState(0, 2)).isTrue();    // VP.ENTER in RUNNABLE
            assertThat(p.isLeafAllowedInOpState(0, 1)).isFalse();
            assertThat(p.isLeafAllowedInOpState(11, 0)).isFalse();  // MNG.RD not before INIT
            assertThat(p.leafConsultsOpState(9)).isFalse();         // MNG.CREATE uses lifecycle
            assertThat(p.opStateValue("RUNNABLE")).hasValue(2);
        }
    }

    /** abi §5.6 configurable list and Appendix A lookup rows. */
    @Test
    void cpuidTablesOf1501() {
        ModuleProfile p = ModuleProfiles.builtIn("1.5.01");
        CpuidConfigurableEntry c0 = p.cpuidConfigurable().get(0);
        assertThat(c0.cpuidLeaf()).isEqualTo(CpuidLeaf.noSubleaf(1));
        assertThat(c0.configDirect().eax()).isEqualTo(0x0FFF3FFF);
        assertThat(c0.allowDirect().ecx()).isEqualTo(0x31044D88);
        assertThat(p.cpuidConfigurable().get(5).allowDirect().ebx()).isEqualTo(0xDC2B9B18);
        CpuidLookupEntry e = p.lookupEntry(0x80000008, 0).orElseThrow();
        assertThat(e.index()).isEqualTo(9);
        assertThat(e.configIndex()).isEqualTo(9);
        assertThat(e.verifyValue().eax()).isEqualTo(0x34);
        assertThat(p.lookupEntry(6, 0).orElseThrow().faulting()).isTrue();
        assertThat(p.lookupEntry(0x40000000, 0)).isEmpty();
        assertThat(p.lookupEntry(0xD, 3).orElseThrow().index()).isEqualTo(19);
        assertThat(p.xfamMaskTable(7, 0).orElseThrow().maskFor(5).ebx()).isEqualTo(0xDC230000);
        assertThat(p.xfamMaskTable(7, 0).orElseThrow().clearedBy(0x3).edx() & 0x3400000).isEqualTo(0x3400000);
    }

    @Test
    void lookupGapsOf1506AreKept() {
        ModuleProfile p = ModuleProfiles.builtIn("1.5.06");
        assertThat(p.lookupEntryAt(68)).isEmpty();
        assertThat(p.lookupEntryAt(72).orElseThrow().leaf()).isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "1.5.06", "2.0.08"})
    void metadataTablesArePresentFrom15(String v) {
        ModuleProfile p = ModuleProfiles.builtIn(v);
        assertThat(p.globalField("TDX_FEATURES0").orElseThrow().fieldId()).isEqualTo(0x0A00000300000008L);
        assertThat(p.globalField("NUM_CPUID_CONFIG").orElseThrow().reported().value()).hasValue(p.maxNumCpuidConfig());
        assertThat(p.tdField("ATTRIBUTES")).isPresent();
        assertThat(p.tdxFeatures0()).isPresent();
        assertThat(p.tdFieldScheme1_0()).isEmpty();
    }

    @Test
    void tdxFeatures0ValuesPerVersion() {
        assertThat(ModuleProfiles.builtIn("1.5.01").tdxFeatures0().orElseThrow().valueWithNoConditionalBits())
                .isEqualTo(0xF0EBFL);
        assertThat(ModuleProfiles.builtIn("2.0.08").tdxFeatures0().orElseThrow().valueWithAllConditionalBits())
                .isEqualTo(0x000010336F3F0FFFL);
        assertThat(ModuleProfiles.builtIn("1.0").tdxFeatures0()).isEmpty();
    }

    @Test
    void tdFieldScheme10AndSysInfoOf10() {
        ModuleProfile p = ModuleProfiles.builtIn("1.0");
        assertThat(p.globalFields()).isEmpty();
        assertThat(p.tdFields()).isEmpty();
        assertThat(p.tdFieldScheme1_0().orElseThrow().fields()).hasSize(34);
        assertThat(p.sysInfoNumber("numCpuidConfig")).hasValue(6);
        assertThat(p.sysInfoNumber("attributes")).hasValue(0x80000000L);
        assertThat(ModuleProfiles.builtIn("2.0.08").sysInfo()).isEmpty();
        assertThat(ModuleProfiles.builtIn("1.5.06").allowedFms().orElseThrow().table().get(3).value()).isEqualTo(0x000A06F3);
    }
}
