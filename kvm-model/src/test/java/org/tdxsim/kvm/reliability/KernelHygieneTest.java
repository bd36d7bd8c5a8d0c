package org.tdxsim.kvm.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.tdxsim.kvm.KvmException;
import org.tdxsim.kvm.VcpuFd;
import org.tdxsim.kvm.sim.SimulatedKernel;
import org.tdxsim.kvm.sim.TeardownLog;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.KvmTdxInitMemRegion;
import org.tdxsim.module.KernelSideProbe;
import org.tdxsim.module.TdxModule;

/**
 * Resource hygiene and contention at the KVM level: a closed VM tears its TD down through the module's
 * real teardown order (abi §7.2: VP.FLUSH, VPFLUSHDONE, CACHE.WB, KEY.FREEID, then reclaim of every
 * page, the TDR last); KeyID exhaustion is an errno, not a leak, and recovers; contended module resources
 * surface as {@code -EBUSY} with {@code hw_error} where the kernel says so (kvm-tdx-uapi.md §3.2
 * FINALIZE, §3.3 INIT_MEM_REGION step 4), leave the VM usable and lose nothing; long runs of whole TD
 * lifecycles leave no fd, KeyID, HKID, TD or page behind.
 */
class KernelHygieneTest {

    @Test
    void closingTheVmTearsTheTdDownInTheModulesOrder() {
        SimulatedKernel k = TdFlow.kernel();
        TdFlow f = new TdFlow(k).all(2);
        long tdr = k.vmView(f.vm.fd()).orElseThrow().tdr();
        k.teardownLog().clear();
        // the VM lives while any vCPU or guest_memfd fd still refers to it
        f.vm.close();
        assertThat(k.keyidsInUse()).isEqualTo(1);
        assertThat(k.teardownLog().entries()).isEmpty();
        f.close();
        List<TeardownLog.Entry> log = k.teardownLog().entries();
        assertThat(log).allSatisfy(e -> assertThat(e.success()).as("%s", e).isTrue());
        List<String> leaves = k.teardownLog().leaves();
        int flushDone = leaves.indexOf("TDH.MNG.VPFLUSHDONE");
        assertThat(leaves.subList(0, flushDone)).as("every vCPU flushed first").containsOnly("TDH.VP.FLUSH").hasSize(2);
        assertThat(leaves.get(flushDone + 1)).isEqualTo("TDH.PHYMEM.CACHE.WB");
        assertThat(leaves.get(flushDone + 2)).isEqualTo("TDH.MNG.KEY.FREEID");
        assertThat(leaves.subList(flushDone + 3, leaves.size())).as("then only reclaims").containsOnly("TDH.PHYMEM.PAGE.RECLAIM");
        assertThat(log.getLast().operand()).as("the TDR is reclaimed last").isEqualTo(tdr);
        IoctlFuzzTest.assertClean(k, "after closing the last fd");
    }

    @Test
    void keyidExhaustionIsEnospcAndRecovers() {
        SimulatedKernel k = TdFlow.kernel();
        List<TdFlow> tds = new ArrayList<>();
        while (true) {
            TdFlow f = new TdFlow(k).createVm();
            try {
                f.vm.tdxInitVm(f.initVmRequest());
                tds.add(f);
            } catch (KvmException e) {
                assertThat(e.is(Errno.ENOSPC)).as("%s", e).isTrue();
                assertThat(e.hwError()).as("no SEAMCALL ran: hw_error stays 0").isEmpty();
                assertThat(k.vmView(f.vm.fd()).orElseThrow().tdState()).isEqualTo("UNINITIALIZED");
                tds.add(f);
                break;
            }
        }
        TdxModule m = TdFlow.module(k);
        int guests = m.privateHkidMax() - m.globalPrivateHkid();
        assertThat(tds).hasSize(guests + 1);
        assertThat(k.keyidsInUse()).isEqualTo(guests);
        assertThat(m.hkidsInUse()).as("every private HKID").isEqualTo(guests + 1);
        TdFlow last = tds.removeLast();
        tds.removeFirst().close();
        last.initVm();
        assertThat(k.vmView(last.vm.fd()).orElseThrow().tdState()).isEqualTo("INITIALIZED");
        last.close();
        tds.forEach(TdFlow::close);
        IoctlFuzzTest.assertClean(k, "after exhaustion");
    }

    @Test
    void finalizeOnABusyTdrIsEbusyWithHwErrorAndRetries() throws Exception {
        SimulatedKernel k = TdFlow.kernel();
        try (TdFlow f = new TdFlow(k).createVm().initVm()) {
            f.vcpu(0);
            TdxModule m = TdFlow.module(k);
            long tdr = k.vmView(f.vm.fd()).orElseThrow().tdr();
            try (AutoCloseable held = KernelSideProbe.holdPage(m, tdr, false)) {
                assertThatThrownBy(f.vm::tdxFinalizeVm).isInstanceOfSatisfying(KvmException.class, e -> {
                    assertThat(e.is(Errno.EBUSY)).as("%s", e).isTrue();
                    assertThat(e.hwError()).hasValue(m.profile().status("TDX_OPERAND_BUSY", "RCX"));
                });
            }
            assertThat(k.vmView(f.vm.fd()).orElseThrow().bugged()).as("-EBUSY does not bug the VM").isEmpty();
            f.vm.tdxFinalizeVm();
            assertThat(k.vmView(f.vm.fd()).orElseThrow().tdState()).isEqualTo("RUNNABLE");
        }
        IoctlFuzzTest.assertClean(k, "after the busy FINALIZE");
    }

    /**
     * TDH.MEM.PAGE.ADD busy (another LP holds the TDR) → -EBUSY with the region written back unchanged;
     * the VMM retries the same region and the TD finalizes: the retried page counts once (6.16
     * {@code nr_premapped}: one mirror mapping, one PAGE.ADD).
     */
    @Test
    void initMemRegionOnABusyTdIsEbusyAndTheRetryFinalizes() throws Exception {
        SimulatedKernel k = TdFlow.kernel();
        try (TdFlow f = new TdFlow(k).createVm().initVm()) {
            VcpuFd v = f.vcpu(0);
            f.privateMemory(4);
            TdxModule m = TdFlow.module(k);
            long tdr = k.vmView(f.vm.fd()).orElseThrow().tdr();
            KvmTdxInitMemRegion region = new KvmTdxInitMemRegion(f.source(2, 0x1234).address(), TdFlow.MEM_BASE, 2);
            try (AutoCloseable held = KernelSideProbe.holdPage(m, tdr, false)) {
                assertThatThrownBy(() -> v.tdxInitMemRegion(region, true)).isInstanceOfSatisfying(KvmException.class, e -> {
                    assertThat(e.is(Errno.EBUSY)).as("%s", e).isTrue();
                    assertThat(e.error().regionProgress()).as("nothing done, region written back as is").contains(region);
                });
            }
            KvmTdxInitMemRegion done = v.tdxInitMemRegion(region, true);
            assertThat(done.nrPages()).isZero();
            assertThat(k.vmView(f.vm.fd()).orElseThrow().privatePages()).isEqualTo(2);
            f.vm.tdxFinalizeVm();
            assertThat(k.vmView(f.vm.fd()).orElseThrow().tdState()).isEqualTo("RUNNABLE");
        }
        IoctlFuzzTest.assertClean(k, "after the busy INIT_MEM_REGION");
    }

    /**
     * Regression (found by {@link KernelStressTest} once the kernel locked per VM): TDs created and
     * destroyed on several threads at once. TDH.MNG.CREATE, VPFLUSHDONE, CACHE.WB and KEY.FREEID try-lock
     * the module's KOT (abi §7.4), so Linux issues them under its global {@code tdx_lock}; without it a
     * concurrent KVM_TDX_INIT_VM failed -EIO on TDX_OPERAND_BUSY|KOT. Every INIT_VM must succeed and every
     * teardown SEAMCALL too.
     */
    @Test
    void concurrentTdCreationAndTeardownNeverSeeKotContention() throws Exception {
        SimulatedKernel k = TdFlow.kernel();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        try (TdFlow f = new TdFlow(k)) {
                            f.createVm().initVm();
                        }
                    }
                    return null;
                }));
            }
            for (var d : done) {
                d.get(5, java.util.concurrent.TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(k.teardownLog().entries()).isNotEmpty().allSatisfy(e -> assertThat(e.success()).as("%s", e).isTrue());
        IoctlFuzzTest.assertClean(k, "after 200 concurrent TD lifecycles");
    }

    @Test
    void tdLifecycleCycles() {
        long n = cycles(150);
        System.out.println("[rel] KVM TD lifecycle cycles: " + n + ", leaks: 0");
    }

    @Test
    @Tag("long")
    void tdLifecycleCyclesLong() {
        long n = cycles(20_000);
        System.out.println("[rel] KVM TD lifecycle cycles (long): " + n + ", leaks: 0");
    }

    /** {@code n} × (CREATE_VM … FINALIZE with 2 vCPUs and 4 measured pages, then close); clean every 50. */
    static long cycles(int n) {
        SimulatedKernel k = TdFlow.kernel();
        for (int i = 0; i < n; i++) {
            try (TdFlow f = new TdFlow(k)) {
                f.all(1 + i % 2);
            }
            if (i % 50 == 49 || i == n - 1) {
                IoctlFuzzTest.assertClean(k, "after " + (i + 1) + " TD lifecycles");
                k.teardownLog().clear();
            }
        }
        return n;
    }
}
