package org.tdxsim.module.status;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.ModuleProfiles;

/** abi §2.1 encoding and naming. */
class TdxStatusTest {

    private final ModuleProfile p = ModuleProfiles.builtIn("1.5.06");

    @Test
    void decodesOperandInvalidCpuidConfig() {
        TdxStatus s = TdxStatus.of(0xC000010000000045L, p);
        assertThat(s.isError()).isTrue();
        assertThat(s.isNonRecoverable()).isTrue();
        assertThat(s.isRecoverable()).isFalse();
        assertThat(s.isFatal()).isFalse();
        assertThat(s.classCode()).isEqualTo(0x01);
        assertThat(s.detailsL1()).isEqualTo(0x00);
        assertThat(s.operand()).isEqualTo(69);
        assertThat(s.base()).isEqualTo(0xC000010000000000L);
        assertThat(s.name(p)).hasValue("TDX_OPERAND_INVALID");
        assertThat(s.operandName(p)).hasValue("CPUID_CONFIG");
        assertThat(s.toString()).isEqualTo("TDX_OPERAND_INVALID|CPUID_CONFIG(69) (0xC000010000000045)");
        assertThat(TdxStatus.of(p, "TDX_OPERAND_INVALID", "CPUID_CONFIG")).isEqualTo(s);
    }

    @Test
    void busyIsRecoverableAndTdFatalHasTheFatalBit() {
        TdxStatus busy = TdxStatus.of(p.status("TDX_OPERAND_BUSY") | p.operandId("KOT"), p);
        assertThat(busy.isRecoverable()).isTrue();
        assertThat(busy.describe(p)).isEqualTo("TDX_OPERAND_BUSY|KOT(186)");
        TdxStatus fatal = TdxStatus.of(p, "TDX_TD_FATAL");
        assertThat(fatal.isFatal()).isTrue();
        assertThat(fatal.value()).isEqualTo(0xE000060400000000L);
        assertThat(fatal.hostRecoverabilityHint()).isFalse();
    }

    @Test
    void msrDetailsAreNotOperandIds() {
        TdxStatus s = TdxStatus.of(p.status("TDX_INCONSISTENT_MSR") | 0x3B, p);
        assertThat(s.operandName(p)).isEmpty();
        assertThat(s.describe(p)).isEqualTo("TDX_INCONSISTENT_MSR|MSR 0x3B");
        assertThat(TdxStatus.of(p.status("TDX_INCORRECT_MSR_VALUE") | 0x10A, p).describe(p))
                .isEqualTo("TDX_INCORRECT_MSR_VALUE|MSR 0x10A");
    }

    @Test
    void successAndInformationalStatuses() {
        assertThat(TdxStatus.SUCCESS.isSuccess()).isTrue();
        assertThat(TdxStatus.of(0).describe(p)).isEqualTo("TDX_SUCCESS");
        TdxStatus keyConfigured = TdxStatus.of(p, "TDX_KEY_CONFIGURED");
        assertThat(keyConfigured.isError()).isFalse();
        assertThat(keyConfigured.isSuccess()).isFalse();
        assertThat(keyConfigured.isNonError()).isTrue();
    }

    @Test
    void unknownValuesPrintAsHexAndEqualityIgnoresTheProfile() {
        assertThat(TdxStatus.of(0xC0FFEE0000000000L).toString()).isEqualTo("0xC0FFEE0000000000");
        assertThat(TdxStatus.of(0xC0FFEE0000000000L, p).toString()).isEqualTo("0xC0FFEE0000000000 (0xC0FFEE0000000000)");
        assertThat(TdxStatus.of(0xC000010000000045L)).isEqualTo(TdxStatus.of(0xC000010000000045L, p));
        assertThat(TdxStatus.of(p.status("TDX_OPERAND_INVALID") | 0x1234, p).describe(p))
                .isEqualTo("TDX_OPERAND_INVALID|0x1234");
    }

    @Test
    void versionSpecificNames() {
        ModuleProfile v10 = ModuleProfiles.builtIn("1.0");
        assertThat(TdxStatus.of(0xC000090100000000L).name(v10)).hasValue("TDX_BOOT_NT4_SET");
        assertThat(TdxStatus.of(0xC000090100000000L).name(p)).hasValue("TDX_LIMIT_CPUID_MAXVAL_SET");
    }

    @Test
    void explanationRendersSummaryAndDetails() {
        Explanation e = Explanation.of("CPUID_CONFIG rejected", "EBX bit 16").withDetail("EBX bit 17");
        assertThat(e.details()).containsExactly("EBX bit 16", "EBX bit 17");
        assertThat(e.toString()).startsWith("CPUID_CONFIG rejected").contains("  - EBX bit 17");
    }
}
