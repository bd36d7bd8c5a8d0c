package org.tdxsim.module;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tdxsim.module.Fixtures.assertStatus;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** RAX decoding of the SEAMCALL dispatcher (abi §1; [M1.5.01]/[M2.0] tdx_vmm_dispatcher.c). */
class DispatcherTest {

    static java.util.stream.Stream<String> versions() {
        return Fixtures.versions();
    }

    /** abi §1: RAX bits 63:24 must be 0, else TDX_OPERAND_INVALID|RAX (1.5+). */
    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "1.5.06", "2.0.08"})
    void raxHighBitsAreRejected(String v) {
        TdxModule m = Fixtures.ready(v);
        SeamcallResult r = m.seamcall(0, Registers.leaf(Leaf.TDH_SYS_RD).withRax(34 | 1L << 24));
        assertStatus(m, r, "TDX_OPERAND_INVALID", "RAX");
    }

    /** abi §1: in 1.5.01 only PAGE.PROMOTE, SEPT.ADD, SEPT.REMOVE, MNG.RD and VP.RD take a version > 0. */
    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "1.5.06", "2.0.08"})
    void versionOnUnversionedLeafIsRejected(String v) {
        TdxModule m = Fixtures.ready(v);
        SeamcallResult r = m.seamcall(0, Registers.leaf(Leaf.TDH_MNG_CREATE, 1));
        assertStatus(m, r, "TDX_OPERAND_INVALID", "RAX");
        // a versioned leaf gets past the dispatcher and fails on its operands instead
        SeamcallResult rd = m.seamcall(0, Registers.leaf(Leaf.TDH_MNG_RD, 1).withRcx(1));
        assertStatus(m, rd, "TDX_OPERAND_INVALID", "RCX");
    }

    /** The dispatcher's default case: an unknown leaf → TDX_OPERAND_INVALID|RAX once READY. */
    @ParameterizedTest
    @MethodSource("versions")
    void unknownLeafIsOperandInvalidRax(String v) {
        TdxModule m = Fixtures.ready(v);
        assertStatus(m, m.seamcall(0, Registers.leaf(250)), "TDX_OPERAND_INVALID", "RAX");
        assertThat(m.seamcall(0, Registers.leaf(250)).explanation().summary()).contains("no SEAMCALL leaf");
    }

    /** abi §6.2: before READY every leaf but the platform ones → TDX_SYS_NOT_READY (checked before the leaf exists). */
    @ParameterizedTest
    @MethodSource("versions")
    void beforeReadyOnlyPlatformLeavesRun(String v) {
        TdxModule m = TdxModule.create(Fixtures.module(v), Fixtures.gnr());
        assertStatus(m, m.seamcall(0, Registers.leaf(250)), "TDX_SYS_NOT_READY");
        assertStatus(m, m.tdhMngCreate(0, 0), "TDX_SYS_NOT_READY");
        assertStatus(m, m.tdhSysTdmrInit(m.memory().tdmrBase()), "TDX_SYS_NOT_READY");
    }

    /** 1.0 has no version field: RAX must equal a leaf number exactly. */
    @Test
    void v10TreatsAnyExtraRaxBitAsUnknownLeaf() {
        TdxModule m = Fixtures.ready("1.0");
        assertStatus(m, m.seamcall(0, Registers.leaf(Leaf.TDH_MNG_RD, 1)), "TDX_OPERAND_INVALID", "RAX");
    }

    /** TDH.MNG.KEY.RECLAIMID is a no-op returning TDX_SUCCESS (abi §1 table). */
    @ParameterizedTest
    @MethodSource("versions")
    void keyReclaimIdIsANoOp(String v) {
        TdxModule m = Fixtures.ready(v);
        assertThat(m.tdhMngKeyReclaimid(12345).isSuccess()).isTrue();
    }

    /** Output registers the leaf does not write come back unchanged (SEAMRET restores them). */
    @Test
    void untouchedRegistersAreReturned() {
        TdxModule m = Fixtures.ready("1.5.06");
        Registers in = new Registers(Leaf.TDH_MNG_CREATE.number(), 3, 0, 0x1111, 0x2222, 0x3333, 0x4444);
        SeamcallResult r = m.seamcall(0, in);
        assertStatus(m, r, "TDX_OPERAND_INVALID", "RDX");
        assertThat(r.out().r8()).isEqualTo(0x1111);
        assertThat(r.out().r11()).isEqualTo(0x4444);
        assertThat(r.out().rax()).isEqualTo(r.rax());
    }
}
