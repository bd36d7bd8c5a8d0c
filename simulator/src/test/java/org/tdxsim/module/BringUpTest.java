package org.tdxsim.module;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tdxsim.module.Fixtures.assertStatus;
import static org.tdxsim.module.Fixtures.assertSuccess;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.tdxsim.module.cpuid.CpuidRegs;
import org.tdxsim.module.platform.PlatformProfile;

/** Global module state machine and TDH.SYS.INIT platform checks (abi §7.1, §8, §7.4, §1.1). */
class BringUpTest {

    static java.util.stream.Stream<String> versions() {
        return Fixtures.versions();
    }

    private static TdxModule fresh(String v, PlatformProfile p) {
        return TdxModule.create(Fixtures.module(v), p);
    }

    /** abi §7.1: SYSINIT_PENDING → SYSINIT_DONE → SYSCONFIG_DONE → SYS_READY, each step by its leaf. */
    @ParameterizedTest
    @MethodSource("versions")
    void stateMachineAdvancesThroughEachLeafInOrder(String v) {
        TdxModule m = fresh(v, Fixtures.gnr());
        assertThat(m.sysState()).isEqualTo(SysState.SYSINIT_PENDING);
        // LP.INIT before SYS.INIT
        assertStatus(m, m.tdhSysLpInit(0), "TDX_SYS_LP_INIT_NOT_PENDING");
        assertSuccess(m.tdhSysInit());
        assertThat(m.sysState()).isEqualTo(SysState.SYSINIT_DONE);
        assertStatus(m, m.tdhSysInit(), "TDX_SYS_INIT_NOT_PENDING");
        // CONFIG before every LP ran LP.INIT
        assertSuccess(m.tdhSysLpInit(0));
        assertStatus(m, m.tdhSysLpInit(0), "TDX_SYS_LP_INIT_DONE");
        assertStatus(m, m.tdhSysConfig(TdxModule.TDMR_INFO_ARRAY_PA, 1, m.privateHkidMin()),
                "TDX_SYS_CONFIG_NOT_PENDING");
        // KEY.CONFIG before CONFIG
        assertStatus(m, m.tdhSysKeyConfig(0), "TDX_SYS_KEY_CONFIG_NOT_PENDING");
        // a TD leaf before READY
        assertStatus(m, m.tdhMngCreate(m.memory().tdmrBase(), m.privateHkidMin() + 1), "TDX_SYS_NOT_READY");
        for (int lp = 1; lp < m.numLps(); lp++) {
            assertSuccess(m.tdhSysLpInit(lp));
        }
        m.writeTdmrInfo();
        assertSuccess(m.tdhSysConfig(TdxModule.TDMR_INFO_ARRAY_PA, 1, m.privateHkidMin()));
        assertThat(m.sysState()).isEqualTo(SysState.SYSCONFIG_DONE);
        assertStatus(m, m.tdhSysLpInit(0), "TDX_SYS_LP_INIT_NOT_PENDING");
        for (int pkg = 0; pkg < m.numPackages(); pkg++) {
            assertSuccess(m.tdhSysKeyConfig(pkg));
        }
        assertThat(m.sysState()).isEqualTo(SysState.SYS_READY);
        assertThat(m.kotState(m.privateHkidMin())).isEqualTo(KotState.HKID_RESERVED);
        assertStatus(m, m.tdhSysKeyConfig(0), "TDX_SYS_KEY_CONFIG_NOT_PENDING");
    }

    /** abi §7.1: READY only after TDH.SYS.KEY.CONFIG on every package; a repeat on a package → TDX_KEY_CONFIGURED. */
    @ParameterizedTest
    @MethodSource("versions")
    void keyConfigIsPerPackage(String v) {
        PlatformProfile twoPkg = Fixtures.platform("emerald-rapids-xeon-platinum-8570");
        assertThat(twoPkg.packages()).isEqualTo(2);
        TdxModule m = fresh(v, twoPkg);
        assertSuccess(m.tdhSysInit());
        for (int lp = 0; lp < m.numLps(); lp++) {
            assertSuccess(m.tdhSysLpInit(lp));
        }
        m.writeTdmrInfo();
        assertSuccess(m.tdhSysConfig(TdxModule.TDMR_INFO_ARRAY_PA, 1, m.privateHkidMin()));
        assertSuccess(m.tdhSysKeyConfig(0));
        assertThat(m.sysState()).isEqualTo(SysState.SYSCONFIG_DONE);
        assertStatus(m, m.tdhSysKeyConfig(0), "TDX_KEY_CONFIGURED");
        assertSuccess(m.tdhSysKeyConfig(1));
        assertThat(m.sysState()).isEqualTo(SysState.SYS_READY);
    }

    /**
     * abi §5.5 / Appendix A: 1.0 and 1.5.01 verify CPUID(0x80000008).EAX[7:0] == 52 at TDH.SYS.INIT;
     * the failure reports RCX = leaf/subleaf, RDX/R8 = verify mask, R9/R10 = expected value (§1.1).
     */
    @ParameterizedTest
    @ValueSource(strings = {"1.0", "1.5.01"})
    void maxPa46FailsSysInitOnOldModules(String v) {
        TdxModule m = fresh(v, Fixtures.gnr().withMaxPhysAddr(46));
        SeamcallResult r = m.bringUp();
        assertStatus(m, r, "TDX_INCORRECT_CPUID_VALUE");
        assertThat(r.rcx()).isEqualTo(0xFFFFFFFF_80000008L);
        assertThat(r.rdx()).isEqualTo(0x0000_0200_0000_00FFL); // EBX mask 0x200 : EAX mask 0xFF
        assertThat(r.r8()).isZero();
        assertThat(r.r9()).isEqualTo(0x0000_0200_0000_0034L); // EBX 0x200 : EAX 0x34 (52)
        assertThat(r.r10()).isZero();
        assertThat(m.sysState()).isEqualTo(SysState.SYSINIT_PENDING);
    }

    /** abi §5.5: from 1.5.06 on the native-52 requirement is gone. */
    @ParameterizedTest
    @ValueSource(strings = {"1.5.06", "2.0.08"})
    void maxPa46IsAcceptedByNewerModules(String v) {
        TdxModule m = fresh(v, Fixtures.gnr().withMaxPhysAddr(46));
        assertSuccess(m.bringUp());
    }

    /** abi §8: CPUID(0x80000008).EAX[15:8] must be 57 with LA57, else 48 → TDX_INCORRECT_CPUID_VALUE (1.5+). */
    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "1.5.06", "2.0.08"})
    void linearAddressBitsMustMatchLa57(String v) {
        PlatformProfile p = Fixtures.gnr();
        CpuidRegs e = p.cpuid(0x80000008, 0);
        PlatformProfile bad = p.withCpuid(0x80000008, 0, new CpuidRegs(e.eax() & ~0xFF00 | 48 << 8, e.ebx(), e.ecx(),
                e.edx()));
        assertThat(bad.la57()).isTrue();
        TdxModule m = fresh(v, bad);
        SeamcallResult r = m.tdhSysInit();
        assertStatus(m, r, "TDX_INCORRECT_CPUID_VALUE");
        assertThat(r.rdx()).isEqualTo(0xFF00L);
        assertThat(r.r9()).isEqualTo(57L << 8);
    }

    /** abi §8: CPUID max base leaf ≥ 0x1F, else TDX_CPUID_LEAF_NOT_SUPPORTED | 0x1F. */
    @ParameterizedTest
    @MethodSource("versions")
    void maxBaseLeafBelow1FIsRejected(String v) {
        PlatformProfile p = Fixtures.gnr();
        CpuidRegs l0 = p.cpuid(0, 0);
        TdxModule m = fresh(v, p.withCpuid(0, 0, new CpuidRegs(0x1E, l0.ebx(), l0.ecx(), l0.edx())));
        SeamcallResult r = m.tdhSysInit();
        assertThat(r.rax()).isEqualTo(Fixtures.status(m, "TDX_CPUID_LEAF_NOT_SUPPORTED") | 0x1F);
    }

    /** abi §7.4: private HKID max must be below MAX_HKIDS (2048; 128 in 1.0) → TDX_NUM_ACTIVATED_HKIDS_NOT_SUPPORTED | MAX_HKIDS. */
    @ParameterizedTest
    @MethodSource("versions")
    void hkidRangeAtMaxHkidsIsRejected(String v) {
        int maxHkids = (int) Fixtures.module(v).constant("MAX_HKIDS").orElse(2048);
        TdxModule m = fresh(v, Fixtures.gnr().withHkids(15, maxHkids - 15));
        SeamcallResult r = m.tdhSysInit();
        assertThat(r.rax()).isEqualTo(Fixtures.status(m, "TDX_NUM_ACTIVATED_HKIDS_NOT_SUPPORTED") | maxHkids);
        TdxModule ok = fresh(v, Fixtures.gnr().withHkids(15, maxHkids - 16));
        assertSuccess(ok.tdhSysInit());
    }

    /** abi §2.2: IA32_MISC_ENABLE bit 22 fails TDH.SYS.INIT with LIMIT_CPUID_MAXVAL_SET (1.0: BOOT_NT4_SET, same value). */
    @ParameterizedTest
    @MethodSource("versions")
    void limitCpuidMaxvalFailsSysInit(String v) {
        TdxModule m = fresh(v, Fixtures.gnr().withMiscEnableLimitCpuidMaxval(true));
        SeamcallResult r = m.tdhSysInit();
        assertThat(r.rax()).isEqualTo(0xC000090100000000L);
    }

    /** abi §1.1: TDH.SYS.INIT RCX has only reserved bits → OPERAND_INVALID|RCX; SYS.CONFIG R8 outside the private range → |R8. */
    @ParameterizedTest
    @MethodSource("versions")
    void reservedAndRangeOperands(String v) {
        TdxModule m = fresh(v, Fixtures.gnr());
        SeamcallResult r = m.seamcall(0, Registers.leaf(Leaf.TDH_SYS_INIT).withRcx(1));
        assertStatus(m, r, "TDX_OPERAND_INVALID", "RCX");
        assertSuccess(m.tdhSysInit());
        for (int lp = 0; lp < m.numLps(); lp++) {
            assertSuccess(m.tdhSysLpInit(lp));
        }
        m.writeTdmrInfo();
        assertStatus(m, m.tdhSysConfig(TdxModule.TDMR_INFO_ARRAY_PA, 1, m.privateHkidMin() - 1),
                "TDX_OPERAND_INVALID", "R8");
        assertStatus(m, m.tdhSysConfig(TdxModule.TDMR_INFO_ARRAY_PA, 0, m.privateHkidMin()),
                "TDX_OPERAND_INVALID", "RDX");
        assertStatus(m, m.tdhSysConfig(TdxModule.TDMR_INFO_ARRAY_PA + 8, 1, m.privateHkidMin()),
                "TDX_OPERAND_INVALID", "RCX");
    }

    /** abi §1.1: TDH.SYS.TDMR.INIT needs a 1 GiB aligned configured base; RDX tracks progress; a finished TDMR says so. */
    @Test
    void tdmrInitProgressAndCompletion() {
        TdxModule m = Fixtures.ready("1.5.06");
        assertStatus(m, m.tdhSysTdmrInit(m.memory().tdmrBase()), "TDX_TDMR_ALREADY_INITIALIZED");
        assertStatus(m, m.tdhSysTdmrInit(m.memory().tdmrBase() + 4096), "TDX_OPERAND_INVALID", "RCX");
        assertStatus(m, m.tdhSysTdmrInit(0), "TDX_OPERAND_INVALID", "RCX");
    }

    /** abi §8: TDH.SYS.INFO writes TDSYSINFO_STRUCT; RDX = 1024, R9 = 32 on output. */
    @ParameterizedTest
    @MethodSource("versions")
    void sysInfoWritesTheStruct(String v) {
        TdxModule m = Fixtures.ready(v);
        long buf = m.memory().allocatePage();
        long cmr = m.memory().allocatePage();
        SeamcallResult r = m.tdhSysInfo(buf, 1024, cmr, 32);
        assertSuccess(r);
        assertThat(r.rdx()).isEqualTo(1024);
        assertThat(r.r9()).isEqualTo(32);
        ByteBuffer b = ByteBuffer.wrap(m.memory().read(buf, 1024)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt(0x04)).isEqualTo(0x8086);
        assertThat(b.getShort(0x10)).isEqualTo((short) m.profile().version().major());
        assertThat(b.getShort(0x0E)).isEqualTo((short) m.profile().version().minor());
        assertThat(b.get(0x12)).isEqualTo((byte) (v.equals("1.0") ? 0 : 1));
        assertThat(b.getInt(0x80)).isEqualTo(m.profile().cpuidConfigurable().size());
        assertThat(b.getInt(0x84)).isEqualTo(m.profile().cpuidConfigurable().get(0).leaf());
        assertThat(b.getLong(0x40)).isEqualTo(m.attributesFixed0());
        assertStatus(m, m.tdhSysInfo(buf + 512, 1024, cmr, 32), "TDX_OPERAND_INVALID", "RCX");
        assertStatus(m, m.tdhSysInfo(buf, 1023, cmr, 32), "TDX_OPERAND_INVALID", "RDX");
        assertStatus(m, m.tdhSysInfo(buf, 1024, cmr, 31), "TDX_OPERAND_INVALID", "R9");
    }
}
