package org.tdxsim.module.tdparams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tdxsim.module.status.StatusAssert.assertThatStatus;

import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tdxsim.module.cpuid.CpuidLeaf;
import org.tdxsim.module.cpuid.CpuidReg;
import org.tdxsim.module.cpuid.CpuidRegs;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.platform.SysInitFacts;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.ModuleProfiles;

/**
 * One test per TDH.MNG.INIT TD_PARAMS check (abi §4.1 rows 8-26, abi §4.2 for 1.0), each tripping
 * exactly that check from a TD_PARAMS that is otherwise accepted.
 */
class TdhMngInitChecksTest {

    static final PlatformProfile GNR = PlatformProfiles.builtIn("granite-rapids-w-xeon-658x");
    static final PlatformProfile SRF = PlatformProfiles.builtIn("sierra-forest-synthesized");

    static ModuleProfile m(String v) {
        return ModuleProfiles.builtIn(v);
    }

    static int minTdcx(ModuleProfile m) {
        return (int) m.constant("MIN_NUM_TDCS_PAGES").orElse(4);
    }

    static TdParamsCheckResult run(String v, PlatformProfile p, UnaryOperator<TdParams.Builder> edit) {
        ModuleProfile m = m(v);
        return TdhMngInitChecks.check(m, p, PlatformRuntime.STEADY, edit.apply(TdParams.builder(m)).build(), minTdcx(m));
    }

    static TdParamsCheckResult run(String v, UnaryOperator<TdParams.Builder> edit) {
        return run(v, GNR, edit);
    }

    static int configIndex(ModuleProfile m, int leaf, int subleaf) {
        return m.configurableEntry(leaf, subleaf).orElseThrow().index();
    }

    static TdConfig accepted(TdParamsCheckResult r) {
        assertThat(r).as("%s", r).isInstanceOf(TdParamsCheckResult.Accepted.class);
        return ((TdParamsCheckResult.Accepted) r).config();
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.0", "1.5.01", "1.5.06", "2.0.08"})
    void baselineIsAccepted(String v) {
        TdConfig c = accepted(run(v, b -> b));
        assertThat(c.maxVcpus()).isEqualTo(1);
        assertThat(c.eptWalkLevels()).isEqualTo(4);
        assertThat(c.cpuid(m(v), 0x15, 0).orElseThrow().ebx()).as("0x15 EBX := TSC_FREQUENCY").isEqualTo(100);
        // CPUID_VALID: 2.0.08 sets every slot ([M2.0] tdh_mng_init.c); older versions clear faulting leaves (0x6)
        assertThat(c.cpuidValid().get(m(v).lookupEntry(0x6, 0).orElseThrow().index()))
                .as("CPUID_VALID of leaf 0x6")
                .isEqualTo(v.equals("2.0.08") || !m(v).lookupEntry(0x6, 0).orElseThrow().faulting());
        if (v.equals("2.0.08")) {
            assertThat(c.cpuidValid()).as("2.0.08 CPUID_VALID").hasSize(m(v).maxNumCpuidLookup()).containsOnly(true);
        }
    }

    /** abi §5.4: CPUID(0x21,0) = "IntelTDX    " (table FIXED1) and 0xD.0 ECX = XSAVE size of the XFAM user bits. */
    @ParameterizedTest
    @ValueSource(strings = {"1.0", "1.5.01", "1.5.06", "2.0.08"})
    void fixedVendorLeafAndXsaveSize(String v) {
        TdConfig c = accepted(run(v, b -> b.xfam(0x7)));
        CpuidRegs l21 = c.cpuid(m(v), 0x21, 0).orElseThrow();
        assertThat(new CpuidRegs(l21.eax(), l21.ebx(), l21.ecx(), l21.edx()))
                .isEqualTo(new CpuidRegs(0, 0x65746E49, 0x20202020, 0x5844546C));
        // GNR: AVX state at offset 0x240, size 0x100 -> 0x340; with AVX-512 Hi16_ZMM ends at 0x680 + 0x400
        assertThat(c.cpuid(m(v), 0xD, 0).orElseThrow().ecx()).isEqualTo(0x340);
        TdConfig c512 = accepted(run(v, b -> b.xfam(0xE7)));
        assertThat(c512.cpuid(m(v), 0xD, 0).orElseThrow().ecx()).isEqualTo(0xA80);
    }

    // ---- row 8 ATTRIBUTES

    @ParameterizedTest
    @ValueSource(strings = {"1.0", "1.5.01", "1.5.06", "2.0.08"})
    void row8KeyLockerIsNeverAllowed(String v) {
        assertThatStatus(run(v, b -> b.attributes(1L << 31)), m(v)).is("TDX_OPERAND_INVALID").withOperand("ATTRIBUTES")
                .withRcx(0).explanationContains("bit 31 (KL)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "1.5.06", "2.0.08"})
    void row8MigratableExcludesDebug(String v) {
        assertThatStatus(run(v, b -> b.attributes(1L << 29 | 1)), m(v)).is("TDX_OPERAND_INVALID").withOperand("ATTRIBUTES");
        accepted(run(v, b -> b.attributes(1L << 29)));
    }

    @Test
    void row8MigratableIsNotInFixed0Of10() {
        assertThatStatus(run("1.0", b -> b.attributes(1L << 29)), m("1.0")).is("TDX_OPERAND_INVALID")
                .withOperand("ATTRIBUTES");
    }

    @Test
    void row8PerfmonWithIcssdOnlyIn20() {
        assertThatStatus(run("2.0.08", b -> b.attributes(1L << 63 | 1L << 16)), m("2.0.08")).is("TDX_OPERAND_INVALID")
                .withOperand("ATTRIBUTES").explanationContains("ICSSD");
        accepted(run("1.5.06", b -> b.attributes(1L << 63 | 1L << 16)));
    }

    /** abi §3.4: TDH.SYS.INIT clears LASS from ATTRIBUTES_FIXED0 without CPU LASS (1.5.06+). */
    @ParameterizedTest
    @ValueSource(strings = {"1.5.06", "2.0.08"})
    void row8LassNeedsCpuLass(String v) {
        assertThatStatus(run(v, b -> b.attributes(1L << 27)), m(v)).is("TDX_OPERAND_INVALID").withOperand("ATTRIBUTES")
                .explanationContains("lacks LASS");
        TdConfig c = accepted(run(v, GNR.withLass(true), b -> b.attributes(1L << 27)));
        assertThat(c.cpuid(m(v), 7, 1).orElseThrow().bit(org.tdxsim.module.cpuid.CpuidReg.EAX, 6))
                .as("CPUID(7,1).EAX.LASS := ATTRIBUTES.LASS").isTrue();
    }

    @Test
    void row8TpaNeedsTdxConnectIn20() {
        assertThatStatus(run("2.0.08", b -> b.attributes(1L << 62)), m("2.0.08")).is("TDX_OPERAND_INVALID")
                .withOperand("ATTRIBUTES").explanationContains("TDX Connect");
        accepted(run("2.0.08", GNR.withTdxConnect(true), b -> b.attributes(1L << 62)));
    }

    // ---- row 9 XFAM

    @ParameterizedTest
    @ValueSource(strings = {"1.0", "1.5.01", "1.5.06", "2.0.08"})
    void row9Xfam(String v) {
        assertThatStatus(run(v, b -> b.xfam(0x1)), m(v)).is("TDX_OPERAND_INVALID").withOperand("XFAM"); // FIXED1
        assertThatStatus(run(v, b -> b.xfam(0x3 | 1 << 2 | 1 << 5)), m(v)).is("TDX_OPERAND_INVALID").withOperand("XFAM");
        assertThatStatus(run(v, b -> b.xfam(0x3 | 0xE0)), m(v)).is("TDX_OPERAND_INVALID").withOperand("XFAM"); // no AVX
        assertThatStatus(run(v, b -> b.xfam(0x3 | 1 << 11)), m(v)).is("TDX_OPERAND_INVALID").withOperand("XFAM");
        assertThatStatus(run(v, b -> b.xfam(0x3 | 1 << 17)), m(v)).is("TDX_OPERAND_INVALID").withOperand("XFAM");
        assertThatStatus(run(v, b -> b.xfam(0x3 | 1 << 10)), m(v)).is("TDX_OPERAND_INVALID").withOperand("XFAM"); // PASID
        accepted(run(v, b -> b.xfam(0x3 | 1 << 2 | 0xE0 | 1 << 11 | 1 << 12 | 0x3L << 17)));
    }

    @Test
    void row9XfamFixed0FollowsPlatformSupport() {
        long avx512 = 0x3 | 1 << 2 | 0xE0;
        accepted(run("1.5.06", GNR, b -> b.xfam(avx512)));
        assertThatStatus(run("1.5.06", SRF, b -> b.xfam(avx512)), m("1.5.06")).is("TDX_OPERAND_INVALID")
                .withOperand("XFAM").explanationContains("platform does not support");
    }

    // ---- rows 10-13

    @ParameterizedTest
    @ValueSource(strings = {"1.0", "1.5.01", "1.5.06", "2.0.08"})
    void row10MaxVcpusZero(String v) {
        assertThatStatus(run(v, b -> b.maxVcpus(0)), m(v)).is("TDX_OPERAND_INVALID").withOperand("MAX_VCPUS");
    }

    @Test
    void row10MaxVcpusPerTd() {
        assertThatStatus(run("1.5.06", b -> b.maxVcpus(577)), m("1.5.06")).is("TDX_OPERAND_INVALID")
                .withOperand("MAX_VCPUS");
        accepted(run("1.5.06", b -> b.maxVcpus(576)));
        accepted(run("2.0.08", b -> b.maxVcpus(1376)));
        assertThatStatus(run("2.0.08", b -> b.maxVcpus(1377)), m("2.0.08")).is("TDX_OPERAND_INVALID")
                .withOperand("MAX_VCPUS");
        accepted(run("1.5.01", b -> b.maxVcpus(0xFFFF)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "1.5.06", "2.0.08"})
    void row11NumL2Vms(String v) {
        assertThatStatus(run(v, b -> b.numL2Vms(4)), m(v)).is("TDX_OPERAND_INVALID").withOperand("NUM_L2_VMS");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "1.5.06", "2.0.08"})
    void row12TdcsPagesPerL2Vm(String v) {
        ModuleProfile m = m(v);
        TdParams t = TdParams.builder(m).numL2Vms(2).build();
        TdParamsCheckResult r = TdhMngInitChecks.check(m, GNR, PlatformRuntime.STEADY, t, minTdcx(m) + 1);
        assertThatStatus(r, m).is("TDX_TDCS_NOT_ALLOCATED").withDetail(0);
        accepted(TdhMngInitChecks.check(m, GNR, PlatformRuntime.STEADY, t, minTdcx(m) + 2));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.0", "1.5.01", "1.5.06", "2.0.08"})
    void row13Reserved0(String v) {
        TdParamsLayout l = TdParamsLayout.of(m(v));
        byte[] r0 = new byte[l.reserved0Size()];
        r0[r0.length - 1] = 1;
        assertThatStatus(run(v, b -> b.reserved0(ByteBlock.of(r0))), m(v)).is("TDX_OPERAND_INVALID").withOperand("RDX")
                .explanationContains("offset 0x017");
    }

    /** Reserved fields are interleaved: a bad ATTRIBUTES is reported before a non-zero reserved0. */
    @Test
    void attributesBeforeReserved0() {
        assertThatStatus(run("1.5.06", b -> b.attributes(1L << 31).reserved0(ByteBlock.of(new byte[] {1, 0, 0, 0}))),
                m("1.5.06")).is("TDX_OPERAND_INVALID").withOperand("ATTRIBUTES");
    }

    // ---- row 14 CONFIG_FLAGS

    @Test
    void row14ConfigFlagsPerVersion() {
        assertThatStatus(run("1.5.01", b -> b.configFlags(1 << 3)), m("1.5.01")).is("TDX_OPERAND_INVALID")
                .withOperand("EXEC_CONTROLS");
        accepted(run("1.5.06", b -> b.configFlags(1 << 3)));
        assertThatStatus(run("1.5.06", b -> b.configFlags(1 << 4)), m("1.5.06")).is("TDX_OPERAND_INVALID")
                .withOperand("EXEC_CONTROLS");
        accepted(run("2.0.08", b -> b.configFlags(1 << 4)));
        assertThatStatus(run("2.0.08", b -> b.configFlags(1 << 3 | 1 << 4)), m("2.0.08")).is("TDX_OPERAND_INVALID")
                .withOperand("EXEC_CONTROLS").explanationContains("MAXGPA_VIRT");
        assertThatStatus(run("2.0.08", b -> b.configFlags(1 << 5)), m("2.0.08")).is("TDX_OPERAND_INVALID")
                .withOperand("EXEC_CONTROLS");
        accepted(run("1.5.01", b -> b.configFlags(1 << 2))); // NO_RBP_MOD, which KVM always sets
    }

    // ---- row 15 EPTP_CONTROLS

    @ParameterizedTest
    @ValueSource(strings = {"1.0", "1.5.01", "1.5.06", "2.0.08"})
    void row15EptpFields(String v) {
        assertThatStatus(run(v, b -> b.eptpControls(0x18)), m(v)).is("TDX_OPERAND_INVALID").withOperand("EPTP_CONTROLS");
        assertThatStatus(run(v, b -> b.eptpControls(0x16)), m(v)).is("TDX_OPERAND_INVALID").withOperand("EPTP_CONTROLS");
        assertThatStatus(run(v, b -> b.eptpControls(0x1E | 1 << 6)), m(v)).is("TDX_OPERAND_INVALID")
                .withOperand("EPTP_CONTROLS");
        assertThatStatus(run(v, b -> b.eptpControls(0x1E | 0x1000)), m(v)).is("TDX_OPERAND_INVALID")
                .withOperand("EPTP_CONTROLS");
        accepted(run(v, b -> b.eptpControls(0x26))); // WB, 5-level
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "1.5.06", "2.0.08"})
    void row15FiveLevelNeedsCpuSupport(String v) {
        assertThatStatus(run(v, SRF, b -> b.eptpControls(0x26)), m(v)).is("TDX_OPERAND_INVALID")
                .withOperand("EPTP_CONTROLS").explanationContains("does not support");
    }

    /** 1.0 does not check the CPU's 5-level capability (abi §4.2 step 5). */
    @Test
    void fiveLevelCapabilityIsNotCheckedBy10() {
        accepted(run("1.0", SRF, b -> b.eptpControls(0x26)));
    }

    /** MIN_PA_FOR_PML5 is checked in 1.5.06 but absent from 2.0.08 (abi §4.1 row 15). */
    @Test
    void minPaForPml5In1506NotIn2008() {
        PlatformProfile maxpa46 = GNR.withMaxPhysAddr(46);
        assertThatStatus(run("1.5.06", maxpa46, b -> b.eptpControls(0x26)), m("1.5.06")).is("TDX_OPERAND_INVALID")
                .withOperand("EPTP_CONTROLS").explanationContains("MIN_PA_FOR_PML5");
        assertThatStatus(run("1.5.01", maxpa46, b -> b.eptpControls(0x26)), m("1.5.01")).is("TDX_OPERAND_INVALID")
                .withOperand("EPTP_CONTROLS");
        accepted(run("2.0.08", maxpa46, b -> b.eptpControls(0x26)));
        accepted(run("1.5.06", GNR.withMaxPhysAddr(49), b -> b.eptpControls(0x26)));
    }

    /** GPAW with 4-level EPT: EXEC_CONTROLS in 1.0, EPTP_CONTROLS in 1.5+ (abi §4.2 step 6). */
    @Test
    void gpawWithFourLevel() {
        assertThatStatus(run("1.0", b -> b.configFlags(1).eptpControls(0x1E)), m("1.0")).is("TDX_OPERAND_INVALID")
                .withOperand("EXEC_CONTROLS");
        for (String v : new String[] {"1.5.01", "1.5.06", "2.0.08"}) {
            assertThatStatus(run(v, b -> b.configFlags(1).eptpControls(0x1E)), m(v)).is("TDX_OPERAND_INVALID")
                    .withOperand("EPTP_CONTROLS").explanationContains("GPAW");
            TdConfig c = accepted(run(v, b -> b.configFlags(1).eptpControls(0x26)));
            assertThat(c.gpaw()).isEqualTo(1);
            assertThat(c.sharedBit()).isEqualTo(51);
        }
    }

    /** 1.0 checks EPTP before EXEC_CONTROLS; 1.5+ checks CONFIG_FLAGS (row 14) before EPTP (row 15). */
    @Test
    void eptpBeforeExecControlsOnlyIn10() {
        assertThatStatus(run("1.0", b -> b.eptpControls(0x18).configFlags(1 << 1)), m("1.0")).is("TDX_OPERAND_INVALID")
                .withOperand("EPTP_CONTROLS");
        assertThatStatus(run("1.5.01", b -> b.eptpControls(0x18).configFlags(1 << 3)), m("1.5.01"))
                .is("TDX_OPERAND_INVALID").withOperand("EXEC_CONTROLS");
        assertThatStatus(run("1.0", b -> b.configFlags(1 << 1)), m("1.0")).is("TDX_OPERAND_INVALID")
                .withOperand("EXEC_CONTROLS");
    }

    // ---- rows 16-21

    @ParameterizedTest
    @ValueSource(strings = {"1.0", "1.5.01", "1.5.06", "2.0.08"})
    void row16TscFrequency(String v) {
        assertThatStatus(run(v, b -> b.tscFrequency(3)), m(v)).is("TDX_OPERAND_INVALID").withOperand("TSC_FREQUENCY");
        assertThatStatus(run(v, b -> b.tscFrequency(401)), m(v)).is("TDX_OPERAND_INVALID").withOperand("TSC_FREQUENCY");
        accepted(run(v, b -> b.tscFrequency(4)));
        accepted(run(v, b -> b.tscFrequency(400)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.0", "1.5.01", "1.5.06", "2.0.08"})
    void row17TscAdjust(String v) {
        ModuleProfile m = m(v);
        TdParamsCheckResult r = TdhMngInitChecks.check(m, GNR, new PlatformRuntime(true), TdParams.builder(m).build(),
                minTdcx(m));
        assertThatStatus(r, m).is("TDX_INCONSISTENT_MSR").withDetail(0x3B);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.0", "1.5.01", "1.5.06", "2.0.08"})
    void row18Reserved1(String v) {
        byte[] r1 = new byte[38];
        r1[0] = 1;
        assertThatStatus(run(v, b -> b.reserved1(ByteBlock.of(r1))), m(v)).is("TDX_OPERAND_INVALID").withOperand("RDX")
                .explanationContains("offset 0x02A");
    }

    @Test
    void row19MeasurementsAreCopied() {
        byte[] id = new byte[48];
        id[47] = 0x5A;
        TdConfig c = accepted(run("1.5.06", b -> b.mrConfigId(ByteBlock.of(id))));
        assertThat(c.mrConfigId().get(47)).isEqualTo((byte) 0x5A);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "1.5.06", "2.0.08"})
    void row20MsrConfigCtlsReservedBits(String v) {
        assertThatStatus(run(v, b -> b.msrConfigCtls(0x2)), m(v)).is("TDX_OPERAND_INVALID").withOperand("RDX");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.0", "1.5.01", "1.5.06", "2.0.08"})
    void row21Reserved2(String v) {
        TdParamsLayout l = TdParamsLayout.of(m(v));
        byte[] r2 = new byte[l.reserved2Size()];
        r2[r2.length - 1] = (byte) 0x80;
        assertThatStatus(run(v, b -> b.reserved2(ByteBlock.of(r2))), m(v)).is("TDX_OPERAND_INVALID").withOperand("RDX")
                .explanationContains("offset 0x0FF");
    }

    // ---- row 22 CPUID

    @Test
    void row22aNotConfigurableBitWithRcx() {
        ModuleProfile m = m("1.5.01");
        int i = configIndex(m, 7, 0);
        TdParamsCheckResult r = run("1.5.01", b -> b.cpuidConfig(i, new CpuidRegs(0, 1, 0, 0))); // EBX[0] FSGSBASE
        assertThatStatus(r, m).is("TDX_OPERAND_INVALID").withOperand("CPUID_CONFIG").withRcx(0x7L)
                .explanationContains("EBX bit 0 (FSGSBASE) is not configurable in module 1.5.01");
    }

    /** The design note's example: AVX512F is not configurable in 1.0 but ALLOW_DIRECT later. */
    @Test
    void row22aAvx512fIn10() {
        ModuleProfile m = m("1.0");
        TdParamsCheckResult r = run("1.0", b -> b.cpuidConfig(5, new CpuidRegs(0, 1 << 16, 0, 0)));
        assertThatStatus(r, m).is("TDX_OPERAND_INVALID").withOperand("CPUID_CONFIG").withRcx(0x7L)
                .explanationContains("EBX bit 16 (AVX512F) is not configurable in module 1.0")
                .explanationContains("ALLOW_DIRECT in module 1.5.01, 1.5.06, 2.0.08");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.0", "1.5.01", "1.5.06", "2.0.08"})
    void row22aLeafWithoutSubleafPutsNaInRcx(String v) {
        ModuleProfile m = m(v);
        TdParamsCheckResult r = run(v, b -> b.cpuidConfig(configIndex(m, 1, 0), new CpuidRegs(0, 0, 0, 1))); // EDX[0] FPU
        assertThatStatus(r, m).is("TDX_OPERAND_INVALID").withOperand("CPUID_CONFIG")
                .withRcx(CpuidLeaf.noSubleaf(1).packed());
        assertThat(CpuidLeaf.noSubleaf(1).packed()).isEqualTo(0xFFFFFFFF00000001L);
    }

    /** KVM zeroes 0x80000008 EAX[23:16] because the module rejects it (abi §5.5). */
    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "1.5.06", "2.0.08"})
    void row22aGuestPhysBitsAreNotConfigurable(String v) {
        ModuleProfile m = m(v);
        TdParamsCheckResult r = run(v, b -> b.cpuidConfig(configIndex(m, 0x80000008, 0), new CpuidRegs(52 << 16, 0, 0, 0)));
        assertThatStatus(r, m).is("TDX_OPERAND_INVALID").withOperand("CPUID_CONFIG")
                .withRcx(CpuidLeaf.noSubleaf(0x80000008).packed());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "1.5.06", "2.0.08"})
    void row22bFmsOfNonMigratableTd(String v) {
        ModuleProfile m = m(v);
        int i = configIndex(m, 1, 0);
        assertThatStatus(run(v, b -> b.cpuidConfig(i, new CpuidRegs(0x000806F8, 0, 0, 0))), m).is("TDX_OPERAND_INVALID")
                .withOperand("CPUID_CONFIG").withRcx(0xFFFFFFFF00000001L).explanationContains("non-migratable");
        TdConfig c = accepted(run(v, b -> b.cpuidConfig(i, new CpuidRegs(GNR.signature(), 0, 0, 0))));
        assertThat(c.cpuid(m, 1, 0).orElseThrow().eax()).isEqualTo(GNR.signature());
        TdConfig zero = accepted(run(v, b -> b));
        assertThat(zero.cpuid(m, 1, 0).orElseThrow().eax()).as("0 = native F/M/S").isEqualTo(GNR.signature());
    }

    @Test
    void row22bFmsOfMigratableTdUsesTheAllowedList() {
        ModuleProfile m = m("1.5.06");
        int i = configIndex(m, 1, 0);
        accepted(run("1.5.06", b -> b.attributes(1L << 29).cpuidConfig(i, new CpuidRegs(0x000806F8, 0, 0, 0))));
        assertThatStatus(run("1.5.06", b -> b.attributes(1L << 29).cpuidConfig(i, new CpuidRegs(0x000D06D0, 0, 0, 0))),
                m).is("TDX_OPERAND_INVALID").withOperand("CPUID_CONFIG").withRcx(0xFFFFFFFF00000001L);
    }

    @Test
    void row22cHleRtmMismatchRcxDependsOnVersion() {
        for (String v : new String[] {"1.5.01", "1.5.06", "2.0.08"}) {
            ModuleProfile m = m(v);
            int i = configIndex(m, 7, 0);
            TdParamsCheckResult r = run(v, b -> b.cpuidConfig(i, new CpuidRegs(0, 1 << 4, 0, 0))); // HLE only
            assertThatStatus(r, m).is("TDX_OPERAND_INVALID").withOperand("CPUID_CONFIG")
                    .withRcx(v.equals("1.5.01") ? 0 : 0x7L);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "1.5.06", "2.0.08"})
    void row22dTsxNeedsTsxCtrl(String v) {
        ModuleProfile m = m(v);
        int i = configIndex(m, 7, 0);
        UnaryOperator<TdParams.Builder> tsx = b -> b.cpuidConfig(i, new CpuidRegs(0, 1 << 4 | 1 << 11, 0, 0));
        assertThatStatus(run(v, GNR.withTsxCtrl(false), tsx), m).is("TDX_INCORRECT_MSR_VALUE").withDetail(0x10A).withRcx(0);
        accepted(run(v, GNR, tsx));
    }

    /** MAXPA_VIRT range [45, min(native, 52/48)] (abi §5.5, row 22e), 1.5.06 and 2.0.08. */
    @ParameterizedTest
    @ValueSource(strings = {"1.5.06", "2.0.08"})
    void row22eVirtMaxPaRange(String v) {
        ModuleProfile m = m(v);
        int i = configIndex(m, 0x80000008, 0);
        UnaryOperator<TdParams.Builder> gpaw0 = b -> b.configFlags(1 << 3);
        UnaryOperator<TdParams.Builder> gpaw1 = b -> b.configFlags(1 << 3 | 1).eptpControls(0x26);
        assertThatStatus(run(v, b -> gpaw0.apply(b).cpuidConfig(i, new CpuidRegs(44, 0, 0, 0))), m)
                .is("TDX_OPERAND_INVALID").withOperand("CPUID_CONFIG").withRcx(0);
        assertThat(accepted(run(v, b -> gpaw0.apply(b).cpuidConfig(i, new CpuidRegs(45, 0, 0, 0)))).virtMaxPa()).hasValue(45);
        assertThat(accepted(run(v, b -> gpaw0.apply(b).cpuidConfig(i, new CpuidRegs(48, 0, 0, 0)))).virtMaxPa()).hasValue(48);
        assertThatStatus(run(v, b -> gpaw0.apply(b).cpuidConfig(i, new CpuidRegs(49, 0, 0, 0))), m)
                .is("TDX_OPERAND_INVALID").withOperand("CPUID_CONFIG");
        assertThat(accepted(run(v, b -> gpaw1.apply(b).cpuidConfig(i, new CpuidRegs(52, 0, 0, 0)))).virtMaxPa()).hasValue(52);
        assertThat(accepted(run(v, b -> gpaw0.apply(b))).virtMaxPa()).as("0 selects the maximum").hasValue(48);
        PlatformProfile p46 = GNR.withMaxPhysAddr(46);
        assertThatStatus(run(v, p46, b -> gpaw0.apply(b).cpuidConfig(i, new CpuidRegs(47, 0, 0, 0))), m)
                .is("TDX_OPERAND_INVALID").withOperand("CPUID_CONFIG");
        assertThat(accepted(run(v, p46, b -> gpaw0.apply(b))).virtMaxPa()).hasValue(46);
        // without MAXPA_VIRT the configured value is ignored and MAXPA is native
        TdConfig c = accepted(run(v, b -> b.cpuidConfig(i, new CpuidRegs(44, 0, 0, 0))));
        assertThat(c.virtMaxPa()).hasValue(52);
        assertThat(c.cpuid(m, 0x80000008, 0).orElseThrow().eax() & 0xFF).isEqualTo(52);
    }

    @Test
    void maxGpaVirtIn20() {
        ModuleProfile m = m("2.0.08");
        TdConfig c = accepted(run("2.0.08", b -> b.configFlags(1 << 4)));
        int eax = c.cpuid(m, 0x80000008, 0).orElseThrow().eax();
        assertThat(eax & 0xFF).isEqualTo(52);
        assertThat(eax >>> 16 & 0xFF).isEqualTo(48);
        assertThat(c.virtMaxPa()).hasValue(48);
    }

    @Test
    void virtMaxPaIsAbsentBefore1506() {
        assertThat(accepted(run("1.5.01", b -> b)).virtMaxPa()).isEmpty();
    }

    /** Row 23: CPUID(0x1F) configured all-0 means "use the hardware values". */
    @Test
    void row23TopologyAllZeroUsesHardware() {
        ModuleProfile m = m("1.5.06");
        TdConfig c = accepted(run("1.5.06", b -> b));
        var e = m.lookupEntry(0x1F, 1).orElseThrow();
        assertThat(c.cpuidValues().get(e.index())).isEqualTo(new SysInitFacts(m, GNR).adjustedNative(e));
        assertThat(c.cpuidValues().get(e.index()).ebx()).isEqualTo(0x30);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.0", "1.5.01", "1.5.06", "2.0.08"})
    void row24Reserved3ComesAfterCpuid(String v) {
        ModuleProfile m = m(v);
        TdParamsLayout l = TdParamsLayout.of(m);
        byte[] r3 = new byte[l.reserved3Size()];
        r3[0] = 1;
        assertThatStatus(run(v, b -> b.reserved3(ByteBlock.of(r3))), m).is("TDX_OPERAND_INVALID").withOperand("RDX");
        assertThatStatus(run(v, b -> b.reserved3(ByteBlock.of(r3)).cpuidConfig(configIndex(m, 1, 0),
                new CpuidRegs(0, 0, 0, 1))), m).is("TDX_OPERAND_INVALID").withOperand("CPUID_CONFIG");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "1.5.06", "2.0.08"})
    void row25ArchCapabilitiesConfig(String v) {
        ModuleProfile m = m(v);
        assertThatStatus(run(v, b -> b.ia32ArchCapabilitiesConfig(1 << 4)), m).is("TDX_OPERAND_INVALID")
                .withOperand("IA32_ARCH_CAPABILITIES_CONFIG");
        accepted(run(v, b -> b.msrConfigCtls(1).ia32ArchCapabilitiesConfig(1 << 4 | 1 << 19 | 1 << 20 | 1 << 24)));
        assertThatStatus(run(v, b -> b.msrConfigCtls(1).ia32ArchCapabilitiesConfig(1 << 5)), m).is("TDX_OPERAND_INVALID")
                .withOperand("IA32_ARCH_CAPABILITIES_CONFIG");
    }

    /**
     * Row 25 on a Granite Rapids A0 stepping: 2.0.08 skips {@code init_virt_ia32_arch_capabilities}
     * there ([M2.0] {@code tdh_mng_init.c} at 1666adc4: {@code if (is_not_gnr_a0_stepping())}), the
     * same predicate that drops TDX_FEATURES0 bit 11 CONFIG_IA32_ARCH_CAP (abi §6.4); 1.5.06 checks it
     * on every CPU ([M1.5.06] {@code tdh_mng_init.c}). GNR-W here is 0xA06D1; the A0 variant 0xA06D0.
     */
    @ParameterizedTest
    @ValueSource(strings = {"1.5.06", "2.0.08"})
    void row25IsSkippedOnGraniteRapidsA0In20(String v) {
        ModuleProfile m = m(v);
        CpuidRegs sig = GNR.cpuid(1, 0);
        PlatformProfile a0 = GNR.withCpuid(1, CpuidLeaf.SUBLEAF_NA, sig.with(CpuidReg.EAX, sig.eax() & ~0xF));
        assertThat(a0.model()).isEqualTo(0xAD);
        assertThat(a0.stepping()).isZero();
        boolean skipped = v.equals("2.0.08");
        assertThat(new SysInitFacts(m, a0).tdxFeatures0().orElseThrow() >>> 11 & 1).as("CONFIG_IA32_ARCH_CAP")
                .isEqualTo(skipped ? 0 : 1);
        TdParamsCheckResult noCtls = run(v, a0, b -> b.ia32ArchCapabilitiesConfig(1 << 4));
        TdParamsCheckResult badBit = run(v, a0, b -> b.msrConfigCtls(1).ia32ArchCapabilitiesConfig(1 << 5));
        if (skipped) {
            accepted(noCtls);
            accepted(badBit);
        } else {
            assertThatStatus(noCtls, m).is("TDX_OPERAND_INVALID").withOperand("IA32_ARCH_CAPABILITIES_CONFIG");
            assertThatStatus(badBit, m).is("TDX_OPERAND_INVALID").withOperand("IA32_ARCH_CAPABILITIES_CONFIG");
        }
        // a later stepping checks row 25 in both versions
        assertThatStatus(run(v, b -> b.ia32ArchCapabilitiesConfig(1 << 4)), m).is("TDX_OPERAND_INVALID")
                .withOperand("IA32_ARCH_CAPABILITIES_CONFIG");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "1.5.06", "2.0.08"})
    void row26MigratableWithL2Vms(String v) {
        ModuleProfile m = m(v);
        TdParams t = TdParams.builder(m).attributes(1L << 29).numL2Vms(1).build();
        assertThatStatus(TdhMngInitChecks.check(m, GNR, PlatformRuntime.STEADY, t, minTdcx(m) + 1), m)
                .is("TDX_OPERAND_INVALID").withOperand("RDX").explanationContains("L2");
    }
}
