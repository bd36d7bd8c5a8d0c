package org.tdxsim.module.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tdxsim.module.ReliabilityProbe;
import org.tdxsim.module.TdxModule;

/**
 * TD-private memory is not readable or writable by the host, and cannot be read through another TD.
 *
 * <p>The abi digest is silent on what a host access to a TD-private page yields; tdxsim models TDX's
 * memory integrity in its logical-integrity form: a read through a non-private KeyID (the host's, or the
 * shared source operand of TDH.MEM.PAGE.ADD) returns zeros, and a host write does not reach the TD's data
 * (the host sees {@code write} refused). "TD-private" = every page the PAMT gives to a TD (TDR, TDCX,
 * TDVPR, S-EPT, private pages); a reclaimed page reads as zeros until the host writes it again.
 */
class PrivateMemoryTest {

    private TdxModule m;
    private ModuleTds.Td a;
    private long secretPage;
    private final byte[] secret = new byte[4096];

    @BeforeEach
    void setUp() {
        m = ModuleTds.ready("1.5.06");
        a = ModuleTds.initialized(m, m.globalPrivateHkid() + 1, false, 1);
        ModuleTds.vcpu(a);
        ModuleTds.sept(a, 0);
        Arrays.fill(secret, (byte) 0x5A);
        secretPage = ModuleTds.pageAdd(a, 0, secret);
    }

    @Test
    void theModuleHoldsTheContent() {
        assertThat(ReliabilityProbe.readAsModule(m, secretPage, 4096)).isEqualTo(secret);
    }

    @Test
    void hostReadsOfTdPagesSeeNoPlaintext() {
        for (long p : a.allPages()) {
            assertThat(m.memory().read(p, 4096)).as("host read of TD page %x", p).containsOnly(0);
        }
        // a read spanning a shared page and a private one: only the private part is hidden
        long shared = m.memory().allocatePage();
        m.memory().write(shared, new byte[] {1, 2, 3});
        assertThat(m.memory().read(shared, 3)).containsExactly(1, 2, 3);
    }

    @Test
    void hostWritesDoNotReachTdPages() {
        byte[] junk = new byte[64];
        Arrays.fill(junk, (byte) 0x11);
        for (long p : a.allPages()) {
            assertThat(m.memory().write(p + 128, junk)).as("host write to TD page %x", p).isFalse();
        }
        assertThat(ReliabilityProbe.readAsModule(m, secretPage, 4096)).isEqualTo(secret);
    }

    /** TDH.MEM.PAGE.ADD reads its source through the shared KeyID: another TD's page yields zeros, not its secret. */
    @Test
    void pageAddCannotCopyAnotherTdsPage() {
        ModuleTds.Td b = ModuleTds.initialized(m, m.globalPrivateHkid() + 2, false, 1);
        ModuleTds.sept(b, 0);
        long target = m.memory().allocatePage();
        ModuleTds.ok(m.tdhMemPageAdd(0, b.tdr, target, secretPage), "B PAGE.ADD from A's page");
        assertThat(ReliabilityProbe.readAsModule(m, target, 4096)).as("B's page").containsOnly(0);
        assertThat(ReliabilityProbe.readAsModule(m, secretPage, 4096)).as("A's page unchanged").isEqualTo(secret);
    }

    @Test
    void reclaimedPagesDoNotRevealTheirOldContent() {
        ModuleTds.teardown(a);
        assertThat(m.memory().read(secretPage, 4096)).containsOnly(0);
        assertThat(ReliabilityProbe.readAsModule(m, secretPage, 4096)).containsOnly(0);
        assertThat(m.memory().write(secretPage, new byte[] {7})).as("the host owns the page again").isTrue();
    }
}
