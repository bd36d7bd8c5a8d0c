package org.tdxsim.module.platform;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.ModuleProfiles;

/** Run-time adjusted values (module-data README "Run-time adjustments", abi §3.4, §5.3, §6.4). */
class SysInitFactsTest {

    static final PlatformProfile GNR = PlatformProfiles.builtIn("granite-rapids-w-xeon-658x");

    static SysInitFacts facts(String v, PlatformProfile p) {
        return new SysInitFacts(ModuleProfiles.builtIn(v), p);
    }

    @Test
    void attributesFixed0DropsLassAndTpaWithoutPlatformSupport() {
        assertThat(facts("1.5.01", GNR).attributesFixed0()).isEqualTo(0x8000000070000001L);
        assertThat(facts("1.5.06", GNR).attributesFixed0()).isEqualTo(0x8000000070010001L);
        assertThat(facts("1.5.06", GNR.withLass(true)).attributesFixed0()).isEqualTo(0x8000000078010001L);
        assertThat(facts("2.0.08", GNR).attributesFixed0()).isEqualTo(0x8000000070010041L);
        assertThat(facts("2.0.08", GNR.withLass(true).withTdxConnect(true)).attributesFixed0())
                .isEqualTo(0xC000000078010041L);
    }

    @Test
    void xfamFixed0IsMaskedBySupportedComponents() {
        assertThat(facts("1.5.06", GNR).xfamFixed0()).isEqualTo(0x6DBE7L);
        long srf = facts("1.5.06", PlatformProfiles.builtIn("sierra-forest-synthesized")).xfamFixed0();
        assertThat(srf & 0x600E0L).as("no AVX-512 / AMX").isZero();
        assertThat(srf & 0x7L).isEqualTo(0x7L);
        assertThat(facts("1.0", GNR).configFlagsFixed0()).as("1.0 EXEC_CONTROLS: GPAW only").isEqualTo(1);
    }

    @Test
    void tdxFeatures0PerPlatform() {
        assertThat(facts("1.5.06", GNR).tdxFeatures0()).hasValue(0x2E1F0FBFL);
        assertThat(facts("1.5.06", GNR.toBuilder().seamVerifyReport(false).build()).tdxFeatures0()).hasValue(0x2E1F0EBFL);
        assertThat(facts("2.0.08", GNR).tdxFeatures0()).hasValue(0x000010326F3F0FBFL);
        assertThat(facts("2.0.08", GNR.withTdxConnect(true)).tdxFeatures0()).hasValue(0x000010336F3F0FFFL);
        assertThat(facts("1.0", GNR).tdxFeatures0()).isEmpty();
    }

    /** abi §5.3: 1.5.01 TDH.SYS.RD reports CONFIG_DIRECT only; TDH.SYS.INFO and later versions the OR form. */
    @Test
    void reportedConfigurableValues() {
        ModuleProfile m = ModuleProfiles.builtIn("1.5.01");
        var c7 = m.configurableEntry(7, 0).orElseThrow();
        SysInitFacts f = new SysInitFacts(m, GNR);
        assertThat(f.reportedConfigurable(c7, true).isZero()).isTrue();
        assertThat(f.reportedConfigurable(c7, false).ebx()).isEqualTo(0xDC2B9B18 & GNR.cpuid(7, 0).ebx()
                & ~m.lookupEntry(7, 0).orElseThrow().fixed0OrDynamic().ebx());
        ModuleProfile m6 = ModuleProfiles.builtIn("1.5.06");
        assertThat(new SysInitFacts(m6, GNR).reportedConfigurable(true)).hasSize(18);
        assertThat(new SysInitFacts(m6, GNR).reportedConfigurable(m6.configurableEntry(7, 0).orElseThrow(), true).ebx())
                .isNotZero();
    }
}
