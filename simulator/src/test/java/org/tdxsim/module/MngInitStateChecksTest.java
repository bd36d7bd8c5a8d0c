package org.tdxsim.module;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tdxsim.module.Fixtures.assertStatus;
import static org.tdxsim.module.Fixtures.assertSuccess;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * TDH.MNG.INIT rows 1–7 of abi §4.1 (1.5/2.0) and steps 1–3 of §4.2 (1.0), each tripped alone on an
 * otherwise valid call, then the delegation of rows 8+ (a rejected TD_PARAMS changes nothing).
 */
class MngInitStateChecksTest {

    static java.util.stream.Stream<String> versions() {
        return Fixtures.versions();
    }

    private static boolean v10(String v) {
        return v.equals("1.0");
    }

    /** Row 1: IA32_MISC_ENABLE bit 22 → TDX_LIMIT_CPUID_MAXVAL_SET (1.0: TDX_BOOT_NT4_SET, same value). */
    @ParameterizedTest
    @MethodSource("versions")
    void row1LimitCpuidMaxval(String v) {
        TdxModule m = Fixtures.ready(v);
        TdBuild td = TdBuild.keyed(m, m.privateHkidMin() + 1);
        long params = TdImages.valid(m);
        m.setLimitCpuidMaxval(true);
        SeamcallResult r = m.tdhMngInit(td.tdr, params);
        assertThat(r.rax()).isEqualTo(0xC000090100000000L);
        assertThat(r.rcx()).isZero();
        m.setLimitCpuidMaxval(false);
        assertSuccess(m.tdhMngInit(td.tdr, params));
    }

    /** Row 2: the TDR operand (RCX) — alignment/HKID/MAX_PA, TDMR, PAMT type, lock — each with |RCX. */
    @ParameterizedTest
    @MethodSource("versions")
    void row2TdrOperand(String v) {
        TdxModule m = Fixtures.ready(v);
        TdBuild td = TdBuild.keyed(m, m.privateHkidMin() + 1);
        long params = TdImages.valid(m);
        assertStatus(m, m.tdhMngInit(td.tdr + 0x800, params), "TDX_OPERAND_INVALID", "RCX");
        assertStatus(m, m.tdhMngInit(m.memory().withHkid(td.tdr, 1), params), "TDX_OPERAND_INVALID", "RCX");
        assertStatus(m, m.tdhMngInit(0x2000, params), "TDX_OPERAND_ADDR_RANGE_ERROR", "RCX");
        assertStatus(m, m.tdhMngInit(td.tdcx.get(0), params), "TDX_PAGE_METADATA_INCORRECT", "RCX");
        Pamt.Entry e = m.pamt().entry(td.tdr, m.pamt().coveringInitialized(td.tdr).orElseThrow());
        assertThat(e.lock.tryShared()).isTrue();
        try {
            assertStatus(m, m.tdhMngInit(td.tdr, params), "TDX_OPERAND_BUSY", "RCX");
        } finally {
            e.lock.release(SharexLock.Mode.SHARED);
        }
        assertSuccess(m.tdhMngInit(td.tdr, params));
    }

    /** Row 3: TDR.FATAL → TDX_TD_FATAL, checked before the TD_PARAMS address (row 7). */
    @ParameterizedTest
    @MethodSource("versions")
    void row3Fatal(String v) {
        TdxModule m = Fixtures.ready(v);
        TdBuild td = TdBuild.keyed(m, m.privateHkidMin() + 1);
        m.markFatal(td.tdr);
        assertStatus(m, m.tdhMngInit(td.tdr, 0x123), "TDX_TD_FATAL");
    }

    /** Row 4: lifecycle must be TD_KEYS_CONFIGURED → TDX_TD_KEYS_NOT_CONFIGURED. */
    @ParameterizedTest
    @MethodSource("versions")
    void row4KeysNotConfigured(String v) {
        TdxModule m = Fixtures.ready(v, Fixtures.platform("emerald-rapids-xeon-platinum-8570"));
        long tdr = m.memory().allocatePage();
        assertSuccess(m.tdhMngCreate(tdr, m.privateHkidMin() + 1));
        assertSuccess(m.tdhMngKeyConfig(tdr, 0)); // one of two packages
        assertStatus(m, m.tdhMngInit(tdr, TdImages.valid(m)), "TDX_TD_KEYS_NOT_CONFIGURED");
    }

    /** Row 5: NUM_TDCX < MIN_NUM_TDCS_PAGES → TDX_TDCS_NOT_ALLOCATED; 1.0: NUM_TDCX ≠ 4 → TDX_TDCX_NUM_INCORRECT. */
    @ParameterizedTest
    @MethodSource("versions")
    void row5TdcsPages(String v) {
        TdxModule m = Fixtures.ready(v);
        long tdr = TdSetup.withTdcx(m, m.privateHkidMin() + 1, m.minTdcsPages() - 1);
        assertStatus(m, m.tdhMngInit(tdr, TdImages.valid(m)), v10(v) ? "TDX_TDCX_NUM_INCORRECT" : "TDX_TDCS_NOT_ALLOCATED");
        assertSuccess(m.tdhMngAddcx(m.memory().allocatePage(), tdr));
        assertSuccess(m.tdhMngInit(tdr, TdImages.valid(m)));
    }

    /** Row 6: OP_STATE must allow leaf 21 (only UNINITIALIZED) → TDX_OP_STATE_INCORRECT; 1.0: TDX_TD_INITIALIZED. */
    @ParameterizedTest
    @MethodSource("versions")
    void row6AlreadyInitialized(String v) {
        TdxModule m = Fixtures.ready(v);
        TdBuild td = TdBuild.initialized(m);
        assertStatus(m, m.tdhMngInit(td.tdr, TdImages.valid(m)), v10(v) ? "TDX_TD_INITIALIZED" : "TDX_OP_STATE_INCORRECT");
    }

    /** Row 7: TD_PARAMS PA must be 1024-aligned and shared (HKID bits not private, below MAX_PA) → |RDX. */
    @ParameterizedTest
    @MethodSource("versions")
    void row7TdParamsAddress(String v) {
        TdxModule m = Fixtures.ready(v);
        TdBuild td = TdBuild.keyed(m, m.privateHkidMin() + 1);
        long params = TdImages.valid(m);
        assertStatus(m, m.tdhMngInit(td.tdr, params + 512), "TDX_OPERAND_INVALID", "RDX");
        assertStatus(m, m.tdhMngInit(td.tdr, m.memory().withHkid(params, m.privateHkidMin())), "TDX_OPERAND_INVALID", "RDX");
        assertStatus(m, m.tdhMngInit(td.tdr, 1L << 60), "TDX_OPERAND_INVALID", "RDX");
        assertThat(m.opState(td.tdr)).contains(OpState.UNINITIALIZED);
        assertSuccess(m.tdhMngInit(td.tdr, params));
    }

    /** Row 8+ are delegated: a bad ATTRIBUTES gives OPERAND_INVALID|ATTRIBUTES, leaves the TD uninitialised, and a retry works. */
    @ParameterizedTest
    @MethodSource("versions")
    void rejectedTdParamsChangesNothing(String v) {
        TdxModule m = Fixtures.ready(v);
        TdBuild td = TdBuild.keyed(m, m.privateHkidMin() + 1);
        long bad = TdImages.write(m, TdImages.builder(m).attributes(1L << 1).build());
        assertStatus(m, m.tdhMngInit(td.tdr, bad), "TDX_OPERAND_INVALID", "ATTRIBUTES");
        assertThat(m.opState(td.tdr)).contains(OpState.UNINITIALIZED);
        assertStatus(m, m.tdhMngRd(td.tdr, 0x1110000300000000L, 0), v10(v) ? "TDX_TD_NOT_INITIALIZED" : "TDX_OP_STATE_INCORRECT");
        assertSuccess(m.tdhMngInit(td.tdr, TdImages.valid(m)));
    }

    /** abi §1.1: a CPUID_CONFIG rejection reports leaf (31:0) / subleaf (63:32) in RCX. */
    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "1.5.06", "2.0.08"})
    void cpuidRejectionSetsRcx(String v) {
        TdxModule m = Fixtures.ready(v);
        TdBuild td = TdBuild.keyed(m, m.privateHkidMin() + 1);
        // configurable[5] is CPUID(7,0); EAX has no configurable bit in any 1.5+/2.0 table (abi §5.6)
        long bad = TdImages.write(m, TdImages.builder(m)
                .cpuidConfig(5, new org.tdxsim.module.cpuid.CpuidRegs(1, 0, 0, 0)).build());
        SeamcallResult r = m.tdhMngInit(td.tdr, bad);
        assertStatus(m, r, "TDX_OPERAND_INVALID", "CPUID_CONFIG");
        assertThat(r.rcx()).isEqualTo(0x7L);
        assertThat(r.explanation().summary()).isNotBlank();
    }
}
