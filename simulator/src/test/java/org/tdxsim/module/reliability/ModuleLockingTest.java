package org.tdxsim.module.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tdxsim.module.ReliabilityProbe;
import org.tdxsim.module.ReliabilityProbe.Held;
import org.tdxsim.module.SeamcallResult;
import org.tdxsim.module.TdxModule;

/**
 * The module's locking semantics, produced deterministically: a resource is held exactly as a SEAMCALL
 * still running on another LP would hold it ({@link ReliabilityProbe}), and the contending SEAMCALL must
 * return {@code TDX_OPERAND_BUSY | operand} at once — the module's locks are try-locks, it never waits
 * (abi §2.2 TDX_OPERAND_BUSY 0x8000020000000000: error bit set, non-recoverable bit clear, i.e.
 * retryable; §2.3 operand ids; §4.1 row 2 "lockable exclusively"; §7.4 "KOT lock contention →
 * TDX_OPERAND_BUSY|KOT"). Once the holder is gone the same SEAMCALL succeeds, and a shared holder
 * does not block a shared reader.
 */
class ModuleLockingTest {

    private TdxModule m;
    private ModuleTds.Td td;

    @BeforeEach
    void setUp() {
        m = ModuleTds.ready("1.5.06");
        td = ModuleTds.initialized(m, m.globalPrivateHkid() + 1, false, 2);
    }

    private void assertBusy(SeamcallResult r, String operand) {
        assertThat(r.rax()).as("%s — %s", r, r.explanation().summary())
                .isEqualTo(m.profile().status("TDX_OPERAND_BUSY", operand));
        // abi §2.1: bit 63 error, bit 62 (non-recoverable) clear — the host may simply retry
        assertThat(r.rax() >>> 62).isEqualTo(0b10L);
    }

    @Test
    void createWhileKotIsHeldIsBusyOnKot() {
        long tdr = m.memory().allocatePage();
        try (Held kot = ReliabilityProbe.holdKot(m, true)) {
            assertBusy(m.tdhMngCreate(tdr, m.globalPrivateHkid() + 2), "KOT");
        }
        assertThat(m.tdhMngCreate(tdr, m.globalPrivateHkid() + 2).isSuccess()).isTrue();
    }

    @Test
    void createOnALockedTdrPageIsBusyOnRcx() {
        long tdr = m.memory().allocatePage();
        try (Held page = ReliabilityProbe.holdPage(m, tdr, false)) {
            assertBusy(m.tdhMngCreate(tdr, m.globalPrivateHkid() + 2), "RCX");
        }
        assertThat(m.liveTds()).isEqualTo(1);
        assertThat(m.hkidsInUse()).as("a busy CREATE assigns no HKID").isEqualTo(2);
    }

    @Test
    void tdrHeldExclusivelyMakesEveryTdrOperandBusy() {
        try (Held tdr = ReliabilityProbe.holdPage(m, td.tdr, true)) {
            assertBusy(m.tdhMngRd(td.tdr, 0x9010000200000004L, 0), "RCX");
            assertBusy(m.tdhVpCreate(m.memory().allocatePage(), td.tdr), "RDX");
            assertBusy(m.tdhMemSeptAdd(0x3, td.tdr, m.memory().allocatePage()), "RDX");
            assertBusy(m.tdhMrFinalize(td.tdr), "RCX");
            assertBusy(m.tdhMngVpflushdone(td.tdr), "RCX");
        }
        assertThat(m.tdhMngRd(td.tdr, 0x9010000200000004L, 0).isSuccess()).isTrue();
    }

    @Test
    void sharedHolderDoesNotBlockSharedReadersButBlocksWriters() {
        try (Held tdr = ReliabilityProbe.holdPage(m, td.tdr, false)) {
            SeamcallResult rd = m.tdhMngRd(td.tdr, 0x9010000200000004L, 0);
            assertThat(rd.isSuccess()).as("%s", rd).isTrue();
            assertThat(rd.r8()).as("OP_STATE INITIALIZED").isEqualTo(1);
            // TDH.MR.FINALIZE locks the TDR exclusively
            assertBusy(m.tdhMrFinalize(td.tdr), "RCX");
        }
    }

    @Test
    void opStateHeldExclusivelyIsBusyOnOpState() {
        try (Held op = ReliabilityProbe.holdOpState(m, td.tdr, true)) {
            assertBusy(m.tdhMngRd(td.tdr, 0x9010000200000004L, 0), "OP_STATE");
            assertBusy(m.tdhVpCreate(m.memory().allocatePage(), td.tdr), "OP_STATE");
        }
    }

    @Test
    void implicitOwnerTdrIsBusyOnTdr() {
        long tdvpr = m.memory().allocatePage();
        assertThat(m.tdhVpCreate(tdvpr, td.tdr).isSuccess()).isTrue();
        try (Held tdr = ReliabilityProbe.holdPage(m, td.tdr, true)) {
            assertBusy(m.tdhVpAddcx(m.memory().allocatePage(), tdvpr), "TDR");
            assertBusy(m.tdhVpInit(tdvpr, 0), "TDR");
        }
        try (Held vp = ReliabilityProbe.holdPage(m, tdvpr, false)) {
            assertBusy(m.tdhVpAddcx(m.memory().allocatePage(), tdvpr), "RDX");
        }
    }

    @Test
    void septTreeHeldIsBusyOnSeptTree() {
        try (Held tree = ReliabilityProbe.holdSeptTree(m, td.tdr, true)) {
            assertBusy(m.tdhMemSeptAdd(0x3, td.tdr, m.memory().allocatePage()), "SEPT_TREE");
        }
        assertThat(m.tdhMemSeptAdd(0x3, td.tdr, m.memory().allocatePage()).isSuccess()).isTrue();
    }

    @Test
    void targetPageLockedIsBusyOnItsOperand() {
        ModuleTds.sept(td, 0);
        long target = m.memory().allocatePage();
        long src = m.memory().allocatePage();
        try (Held page = ReliabilityProbe.holdPage(m, target, false)) {
            assertBusy(m.tdhMemPageAdd(0, td.tdr, target, src), "R8");
        }
        assertThat(m.tdhMemPageAdd(0, td.tdr, target, src).isSuccess()).isTrue();
    }

    @Test
    void cacheWbContendsOnItsPackageLockAndTheKot() {
        assertThat(m.tdhMngVpflushdone(td.tdr).isSuccess()).isTrue();
        try (Held wb = ReliabilityProbe.holdWbCache(m, 0, true)) {
            assertBusy(m.tdhPhymemCacheWb(0), "WBCACHE");
        }
        try (Held kot = ReliabilityProbe.holdKot(m, true)) {
            assertBusy(m.tdhPhymemCacheWb(0), "KOT");
        }
        assertThat(m.tdhPhymemCacheWb(0).isSuccess()).isTrue();
        try (Held kot = ReliabilityProbe.holdKot(m, false)) {
            assertBusy(m.tdhMngKeyFreeid(td.tdr), "KOT");
        }
        assertThat(m.tdhMngKeyFreeid(td.tdr).isSuccess()).isTrue();
    }

    @Test
    void reclaimOfALockedPageIsBusyAndChangesNothing() {
        ModuleTds.Td other = ModuleTds.keyed(m, m.globalPrivateHkid() + 2);
        assertThat(m.tdhMngVpflushdone(other.tdr).isSuccess()).isTrue();
        assertThat(m.tdhPhymemCacheWb(0).isSuccess()).isTrue();
        assertThat(m.tdhMngKeyFreeid(other.tdr).isSuccess()).isTrue();
        long page = other.tdcs.getFirst();
        try (Held held = ReliabilityProbe.holdPage(m, page, false)) {
            assertBusy(m.tdhPhymemPageReclaim(page), "RCX");
        }
        // reclaiming a child takes its owner TDR shared: an exclusive holder makes that busy too
        try (Held tdr = ReliabilityProbe.holdPage(m, other.tdr, true)) {
            assertBusy(m.tdhPhymemPageReclaim(page), "TDR");
        }
        assertThat(ReliabilityProbe.childCount(m, other.tdr)).isEqualTo(ModuleTds.minTdcs(m));
        assertThat(m.tdhPhymemPageReclaim(page).isSuccess()).isTrue();
    }
}
