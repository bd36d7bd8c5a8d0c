package org.tdxsim.module.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.tdxsim.module.KotState;
import org.tdxsim.module.ReliabilityProbe;
import org.tdxsim.module.SeamcallResult;
import org.tdxsim.module.TdxModule;

/**
 * HKIDs, PAMT pages and TD handles are never lost: HKID exhaustion gives the module's real status and
 * recovers after teardown (abi §7.4: KOT entry not FREE → TDX_HKID_NOT_FREE; VPFLUSHDONE ASSIGNED →
 * FLUSHED, KEY.FREEID FLUSHED → FREE), and long runs of full TD create/destroy cycles leave nothing
 * behind according to the module's own accounting ({@code hkidsInUse}, {@code assignedPages},
 * {@code liveTds}) and the host page allocator.
 */
class ResourceHygieneTest {

    @Test
    void hkidExhaustionIsHkidNotFreeAndRecoversAfterTeardown() {
        TdxModule m = ModuleTds.ready("1.5.06");
        int first = m.globalPrivateHkid() + 1;
        List<ModuleTds.Td> tds = new ArrayList<>();
        for (int h = first; h <= m.privateHkidMax(); h++) {
            tds.add(ModuleTds.keyed(m, h));
        }
        assertThat(m.hkidsInUse()).as("every private HKID is in use").isEqualTo(m.privateHkidMax() - m.privateHkidMin() + 1);
        long tdr = m.memory().allocatePage();
        for (int h = m.privateHkidMin(); h <= m.privateHkidMax(); h++) {
            SeamcallResult r = m.tdhMngCreate(tdr, h);
            assertThat(r.rax()).as("HKID %d: %s", h, r).isEqualTo(m.profile().status("TDX_HKID_NOT_FREE"));
        }
        // outside the private range is an operand error, not exhaustion (abi §7.4)
        assertThat(m.tdhMngCreate(tdr, m.privateHkidMax() + 1).rax())
                .isEqualTo(m.profile().status("TDX_OPERAND_INVALID", "RDX"));
        assertThat(m.liveTds()).isEqualTo(tds.size());

        ModuleTds.Td victim = tds.remove(7);
        ModuleTds.teardown(victim);
        assertThat(m.kotState(victim.hkid)).isEqualTo(KotState.HKID_FREE);
        assertThat(m.tdhMngCreate(tdr, victim.hkid).isSuccess()).as("the freed HKID is usable again").isTrue();
        assertThat(m.kotState(victim.hkid)).isEqualTo(KotState.HKID_ASSIGNED);
    }

    @Test
    void hkidInFlushedStateIsNotReusableUntilFreeid() {
        TdxModule m = ModuleTds.ready("1.5.06");
        ModuleTds.Td td = ModuleTds.initialized(m, m.globalPrivateHkid() + 1, false, 1);
        assertThat(m.tdhMngVpflushdone(td.tdr).isSuccess()).isTrue();
        assertThat(m.kotState(td.hkid)).isEqualTo(KotState.HKID_FLUSHED);
        long tdr = m.memory().allocatePage();
        assertThat(m.tdhMngCreate(tdr, td.hkid).rax()).isEqualTo(m.profile().status("TDX_HKID_NOT_FREE"));
        assertThat(m.tdhMngKeyFreeid(td.tdr).rax()).as("FREEID before CACHE.WB")
                .isEqualTo(m.profile().status("TDX_WBCACHE_NOT_COMPLETE"));
        assertThat(m.tdhPhymemCacheWb(0).isSuccess()).isTrue();
        assertThat(m.tdhMngKeyFreeid(td.tdr).isSuccess()).isTrue();
        assertThat(m.tdhMngCreate(tdr, td.hkid).isSuccess()).isTrue();
    }

    @Test
    void createDestroyCycles() {
        long n = cycles("1.5.06", 3_000);
        System.out.println("[rel] module create/destroy cycles: " + n + ", leaks: 0");
    }

    @Test
    void createDestroyCycles20() {
        cycles("2.0.08", 500);
    }

    /** Long profile: 1,000,000 full cycles. */
    @Test
    @Tag("long")
    void createDestroyCyclesLong() {
        long n = cycles("1.5.06", 1_000_000);
        System.out.println("[rel] module create/destroy cycles (long): " + n + ", leaks: 0");
    }

    /**
     * {@code n} cycles of CREATE → KEY.CONFIG → ADDCX × MIN → INIT → one vCPU (CREATE, ADDCX, INIT) →
     * S-EPT + one measured private page → MR.FINALIZE → VP.FLUSH → VPFLUSHDONE → CACHE.WB → KEY.FREEID →
     * reclaim of every page. HKIDs rotate over the whole guest range. Every 1,000 cycles, and at the
     * end, the module must be back to exactly its post-bring-up accounting.
     */
    static long cycles(String version, int n) {
        TdxModule m = ModuleTds.ready(version);
        int first = m.globalPrivateHkid() + 1;
        int count = m.privateHkidMax() - first + 1;
        byte[] content = new byte[4096];
        for (int i = 0; i < n; i++) {
            ModuleTds.Td td = ModuleTds.initialized(m, first + i % count, i % 2 == 0, 1);
            ModuleTds.vcpu(td);
            long gpa = (long) (i % 64) << 21;
            ModuleTds.sept(td, gpa);
            content[0] = (byte) i;
            ModuleTds.pageAdd(td, gpa, content);
            ModuleTds.ok(m.tdhMrExtend(gpa, td.tdr), "TDH.MR.EXTEND");
            ModuleTds.ok(m.tdhMrFinalize(td.tdr), "TDH.MR.FINALIZE");
            ModuleTds.teardown(td);
            if (i % 1000 == 999 || i == n - 1) {
                assertClean(m, i + 1);
            }
        }
        return n;
    }

    static void assertClean(TdxModule m, int after) {
        assertThat(m.liveTds()).as("live TDs after %d cycles", after).isZero();
        assertThat(m.hkidsInUse()).as("HKIDs in use after %d cycles (the global one only)", after).isEqualTo(1);
        assertThat(m.assignedPages()).as("PAMT pages assigned after %d cycles", after).isEmpty();
        assertThat(ReliabilityProbe.liveVcpus(m)).as("vCPUs after %d cycles", after).isZero();
        assertThat(m.memory().allocatedPages()).as("host pages not returned after %d cycles", after).isZero();
    }
}
