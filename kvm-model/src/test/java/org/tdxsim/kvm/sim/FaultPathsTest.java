package org.tdxsim.kvm.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tdxsim.kvm.sim.KvmAsserts.fails;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tdxsim.kvm.KvmBackend;
import org.tdxsim.kvm.KvmException;
import org.tdxsim.kvm.KvmExplainer;
import org.tdxsim.kvm.QemuProtocols;
import org.tdxsim.kvm.UserMemory;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.Ioctls;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmTdxInitMemRegion;
import org.tdxsim.module.FaultPoint;
import org.tdxsim.module.TdxModule;

/**
 * KVM's failure paths, driven by failures injected into the module ({@code TdxModule.faults()}):
 * the errno, {@code hw_error} and the state KVM leaves the VM in, per kvm-tdx-uapi.md §3.2/§3.3 and
 * the kernel code cited in {@code Tdx}.
 */
class FaultPathsTest {

    static TdxModule module(SimulatedKernel k) {
        return k.module().orElseThrow();
    }

    /**
     * {@code sc_retry}: the kernel repeats any SEAMCALL answering TDX_RND_NO_ENTROPY up to
     * RDRAND_RETRY_LOOPS = 10 times. Nine entropy failures of TDH.MNG.CREATE are invisible to
     * userspace; the tenth makes KVM_TDX_INIT_VM fail -EAGAIN (§3.2), hw_error 0, the VM left
     * UNINITIALIZED and not bugged with every page and the KeyID given back — and a retry succeeds.
     */
    @Test
    void entropyExhaustionIsEagainAfterTenTries() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = InitVmTest.ready(k)) {
            TdxModule m = module(k);
            m.faults().inject(FaultPoint.MNG_CREATE_ENTROPY, 9);
            f.initVm();
            assertThat(m.faults().fired(FaultPoint.MNG_CREATE_ENTROPY)).isEqualTo(9);
            assertThat(k.vmView(f.vm.fd()).orElseThrow().tdState()).isEqualTo("INITIALIZED");
        }
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = InitVmTest.ready(k)) {
            TdxModule m = module(k);
            int pages = m.memory().allocatedPages();
            m.faults().inject(FaultPoint.MNG_CREATE_ENTROPY, 10);
            KvmException e = fails(() -> f.vm.tdxInitVm(f.initVmRequest()), Errno.EAGAIN, "TDX_RND_NO_ENTROPY");
            assertThat(e.hwError()).as("hw_error 0").isEmpty();
            assertThat(m.faults().fired(FaultPoint.MNG_CREATE_ENTROPY)).isEqualTo(Tdx.RDRAND_RETRY_LOOPS);
            VmView v = k.vmView(f.vm.fd()).orElseThrow();
            assertThat(v.tdState()).isEqualTo("UNINITIALIZED");
            assertThat(v.bugged()).isEmpty();
            assertThat(v.hkid()).isEqualTo(-1);
            assertThat(k.keyidsInUse()).isZero();
            assertThat(m.liveTds()).isZero();
            assertThat(m.memory().allocatedPages()).isEqualTo(pages);
            f.vm.tdxInitVm(f.initVmRequest());
            assertThat(k.vmView(f.vm.fd()).orElseThrow().tdState()).isEqualTo("INITIALIZED");
        }
    }

    /**
     * QEMU's {@code tdx_pre_create_vcpu} retries KVM_TDX_INIT_VM on -EAGAIN (§7.1): with 25 entropy
     * failures the kernel burns 10 per ioctl, so QEMU sees -EAGAIN twice and succeeds on the third.
     */
    @Test
    void qemuRetriesInitVmOnEagain() {
        try (SimulatedKernel k = Fixtures.kernel(); Counting c = new Counting(k);
             QemuFlow f = new QemuFlow(c).createVm().splitIrqchip().capabilities().buildInitCpuid()) {
            module(k).faults().inject(FaultPoint.MNG_CREATE_ENTROPY, 25);
            c.encryptOps.set(0);
            QemuProtocols.tdxInitVm(f.vm, f.initVmRequest());
            assertThat(c.encryptOps).hasValue(3);
            assertThat(module(k).faults().fired(FaultPoint.MNG_CREATE_ENTROPY)).isEqualTo(25);
            assertThat(k.vmView(f.vm.fd()).orElseThrow().tdState()).isEqualTo("INITIALIZED");
        }
    }

    /**
     * TDH.MNG.ADDCX needs entropy at the MIN_NUM_TDCS_PAGES-th page; exhausted, KVM answers -EAGAIN
     * after the full teardown of the half-built TD ("Here it's hard to allow userspace to retry", yet the
     * VM stays UNINITIALIZED and a retry works).
     */
    @Test
    void addcxEntropyTearsDownAndAllowsRetry() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = InitVmTest.ready(k)) {
            TdxModule m = module(k);
            int pages = m.memory().allocatedPages();
            m.faults().inject(FaultPoint.MNG_ADDCX_ENTROPY, 10);
            fails(() -> f.vm.tdxInitVm(f.initVmRequest()), Errno.EAGAIN, "TDH.MNG.ADDCX");
            assertThat(k.teardownLog().leaves()).containsSubsequence("TDH.MNG.VPFLUSHDONE", "TDH.PHYMEM.CACHE.WB",
                    "TDH.MNG.KEY.FREEID", "TDH.PHYMEM.PAGE.RECLAIM");
            assertThat(k.teardownLog().whats()).last().isEqualTo("TDR");
            assertThat(k.vmView(f.vm.fd()).orElseThrow().bugged()).isEmpty();
            assertThat(m.liveTds()).isZero();
            assertThat(m.memory().allocatedPages()).isEqualTo(pages);
            f.vm.tdxInitVm(f.initVmRequest());
        }
    }

    /** An injected TD-creation failure and what KVM makes of it (§3.2, [S2] __tdx_td_init). */
    enum CreationFailure {
        /** TDH.MNG.CREATE other than entropy: WARN, -EIO, resources freed, VM usable. */
        CREATE_KOT_BUSY(FaultPoint.MNG_CREATE_KOT, false),
        /** TDH.MNG.KEY.CONFIG (PCONFIG entropy): KVM_BUG_ON in tdx_do_tdh_mng_key_config → VM dead. */
        KEY_CONFIG_ENTROPY(FaultPoint.MNG_KEY_CONFIG_ENTROPY, true),
        /** TDH.MNG.KEY.CONFIG (PCONFIG busy): the same KVM_BUG_ON. */
        KEY_CONFIG_KET_BUSY(FaultPoint.MNG_KEY_CONFIG_KET, true),
        /** TDH.MNG.ADDCX other than entropy: WARN, -EIO, teardown, VM usable. */
        ADDCX_TDR_BUSY(FaultPoint.MNG_ADDCX_TDR, false),
        /** TDH.MNG.INIT other than OPERAND_INVALID: WARN, -EIO without hw_error, teardown, VM usable. */
        INIT_TDR_BUSY(FaultPoint.MNG_INIT_TDR, false);

        final FaultPoint point;
        final boolean bugsVm;

        CreationFailure(FaultPoint point, boolean bugsVm) {
            this.point = point;
            this.bugsVm = bugsVm;
        }
    }

    /**
     * Every TD-creation SEAMCALL failure other than entropy and OPERAND_INVALID → -EIO with hw_error 0;
     * the HKID and all TD pages are given back either way; TDH.MNG.KEY.CONFIG's failure is a KVM_BUG_ON,
     * so that VM is dead (every later VM ioctl -EIO), the others leave it UNINITIALIZED and retryable.
     */
    @ParameterizedTest
    @EnumSource(CreationFailure.class)
    void otherCreationFailuresAreEio(CreationFailure c) {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = InitVmTest.ready(k)) {
            TdxModule m = module(k);
            int pages = m.memory().allocatedPages();
            m.faults().inject(c.point, 1);
            KvmException e = fails(() -> f.vm.tdxInitVm(f.initVmRequest()), Errno.EIO, c.point.leaf().specName());
            assertThat(e.hwError()).as("hw_error 0").isEmpty();
            assertThat(m.faults().fired(c.point)).isEqualTo(1);
            VmView v = k.vmView(f.vm.fd()).orElseThrow();
            assertThat(v.tdState()).isEqualTo("UNINITIALIZED");
            assertThat(v.hkid()).isEqualTo(-1);
            assertThat(k.keyidsInUse()).isZero();
            assertThat(m.liveTds()).isZero();
            assertThat(m.memory().allocatedPages()).isEqualTo(pages);
            assertThat(v.bugged().isPresent()).isEqualTo(c.bugsVm);
            if (c.bugsVm) {
                fails(() -> f.vm.tdxInitVm(f.initVmRequest()), Errno.EIO, "the VM is dead");
                fails(() -> f.vm.checkExtension(KvmConstants.KVM_CAP_MAX_VCPUS), Errno.EIO, "the VM is dead");
            } else {
                f.vm.tdxInitVm(f.initVmRequest());
                assertThat(k.vmView(f.vm.fd()).orElseThrow().tdState()).isEqualTo("INITIALIZED");
            }
        }
    }

    /**
     * 6.16 INIT_MEM_REGION: TDH.MEM.PAGE.ADD busy → -EBUSY with the progress written back; the page
     * stays premapped, so FINALIZE refuses with -EINVAL ({@code nr_premapped}, hw_error 0) until
     * INIT_MEM_REGION is resumed from the written-back region; then FINALIZE succeeds.
     */
    @Test
    void pageAddBusyOn616LeavesAPremappedPageThatBlocksFinalize() {
        try (SimulatedKernel k = Fixtures.kernel(KernelVersion.V6_16); QemuFlow f = MemRegionTest.ready(k)) {
            TdxModule m = module(k);
            long src = MemRegionTest.source(f, 4);
            f.vcpus.getFirst().tdxInitMemRegion(new KvmTdxInitMemRegion(src, QemuFlow.MEM_BASE, 2), true);
            m.faults().inject(FaultPoint.MEM_PAGE_ADD_PAGE, 1);
            KvmTdxInitMemRegion rest = new KvmTdxInitMemRegion(src + 2 * 4096, QemuFlow.MEM_BASE + 2 * 4096, 2);
            KvmException e = fails(() -> f.vcpus.getFirst().tdxInitMemRegion(rest, true), Errno.EBUSY,
                    "TDX_OPERAND_BUSY");
            assertThat(e.error().regionProgress()).contains(rest);
            assertThat(k.vmView(f.vm.fd()).orElseThrow().nrPremapped()).isEqualTo(1);
            KvmException fin = fails(f.vm::tdxFinalizeVm, Errno.EINVAL, "nr_premapped");
            assertThat(fin.hwError()).as("hw_error 0").isEmpty();
            assertThat(k.vmView(f.vm.fd()).orElseThrow().bugged()).isEmpty();
            f.vcpus.getFirst().tdxInitMemRegion(e.error().regionProgress().orElseThrow(), true);
            assertThat(k.vmView(f.vm.fd()).orElseThrow().nrPremapped()).isZero();
            assertThat(k.vmView(f.vm.fd()).orElseThrow().privatePages()).isEqualTo(4);
            f.vm.tdxFinalizeVm();
            assertThat(k.vmView(f.vm.fd()).orElseThrow().tdState()).isEqualTo("RUNNABLE");
        }
    }

    /**
     * From 6.19 TDH.MEM.PAGE.ADD is the mirror-EPT leaf update: busy fails the SPTE update and the
     * private-fault loop retries, so the same contention never reaches userspace.
     */
    @ParameterizedTest
    @EnumSource(value = KernelVersion.class, names = {"V6_19", "LATEST"})
    void pageAddBusyFrom619IsRetriedInTheKernel(KernelVersion kv) {
        try (SimulatedKernel k = Fixtures.kernel(kv); QemuFlow f = MemRegionTest.ready(k)) {
            TdxModule m = module(k);
            m.faults().inject(FaultPoint.MEM_PAGE_ADD_PAGE, 3);
            m.faults().inject(FaultPoint.MEM_SEPT_ADD_PAGE, 2);
            KvmTdxInitMemRegion done = f.initMemRegion(2, true);
            assertThat(done.nrPages()).isZero();
            assertThat(m.faults().fired(FaultPoint.MEM_PAGE_ADD_PAGE)).isEqualTo(3);
            assertThat(m.faults().fired(FaultPoint.MEM_SEPT_ADD_PAGE)).isEqualTo(2);
            f.vm.tdxFinalizeVm();
        }
    }

    /**
     * §3.2 FINALIZE: TDH.MR.FINALIZE busy → -EBUSY with hw_error = TDX_OPERAND_BUSY|RCX (the status
     * is copied back unconditionally), the VM intact; repeating it succeeds.
     */
    @ParameterizedTest
    @EnumSource(KernelVersion.class)
    void finalizeBusyIsEbusyWithHwError(KernelVersion kv) {
        try (SimulatedKernel k = Fixtures.kernel(kv); QemuFlow f = MemRegionTest.ready(k)) {
            f.initMemRegion(1, true);
            TdxModule m = module(k);
            m.faults().inject(FaultPoint.MR_FINALIZE_TDR, 1);
            KvmException e = fails(f.vm::tdxFinalizeVm, Errno.EBUSY, "TDH.MR.FINALIZE");
            assertThat(e.hwError()).hasValue(m.profile().status("TDX_OPERAND_BUSY", "RCX"));
            assertThat(e.hwErrorName()).get().asString().startsWith("TDX_OPERAND_BUSY");
            VmView v = k.vmView(f.vm.fd()).orElseThrow();
            assertThat(v.bugged()).isEmpty();
            assertThat(v.tdState()).isEqualTo("INITIALIZED");
            f.vm.tdxFinalizeVm();
            assertThat(k.vmView(f.vm.fd()).orElseThrow().tdState()).isEqualTo("RUNNABLE");
        }
    }

    /**
     * TDH.VP.CREATE failing is a KVM_BUG_ON in {@code tdx_td_vcpu_init}: INIT_VCPU -EIO, VM dead, and
     * every later ioctl on its fds -EIO (§3.3 INIT_VCPU step 3).
     */
    @Test
    void vcpuCreationFailureKillsTheVm() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = InitVmTest.ready(k).initVm()) {
            var v = f.vm.createVcpu(0);
            f.vcpus.add(v);
            v.setCpuid2(QemuProtocols.tdxGetCpuid(v));
            module(k).faults().inject(FaultPoint.VP_CREATE_TDR, 1);
            fails(() -> v.tdxInitVcpu(0), Errno.EIO, "TDH.VP.CREATE");
            assertThat(k.vmView(f.vm.fd()).orElseThrow().bugged()).get().asString().contains("TDH.VP.CREATE");
            fails(() -> v.tdxGetCpuid(256), Errno.EIO, "the VM is dead");
            fails(f.vm::tdxFinalizeVm, Errno.EIO, "the VM is dead");
        }
    }

    /**
     * Teardown failures leak, as in {@code tdx_mmu_release_hkid}: TDH.MNG.VPFLUSHDONE failing (not
     * FLUSHVP_NOT_DONE) is a KVM_BUG_ON, the HKID stays assigned, and {@code tdx_vcpu_free} /
     * {@code tdx_reclaim_td_control_pages} give up — no TDH.PHYMEM.PAGE.RECLAIM is issued at all.
     */
    @Test
    void failedHkidReleaseLeaksEverything() {
        try (SimulatedKernel k = Fixtures.kernel()) {
            TdxModule m = module(k);
            QemuFlow f = new QemuFlow(k).all(1);
            m.faults().inject(FaultPoint.MNG_VPFLUSHDONE_KOT, 1);
            f.close();
            assertThat(k.teardownLog().leaves()).containsExactly("TDH.VP.FLUSH", "TDH.MNG.VPFLUSHDONE");
            assertThat(k.keyidsInUse()).isEqualTo(1);
            assertThat(m.liveTds()).isEqualTo(1);
        }
    }

    /**
     * A TDH.PHYMEM.CACHE.WB failure is only a WARN; the following TDH.MNG.KEY.FREEID then fails
     * (TDX_WBCACHE_NOT_COMPLETE, "In the case of error in smp_func_do_phymem_cache_wb(), the following
     * tdh_mng_key_freeid() will fail") and the HKID and pages leak.
     */
    @Test
    void failedCacheWriteBackMakesFreeidFail() {
        try (SimulatedKernel k = Fixtures.kernel()) {
            TdxModule m = module(k);
            QemuFlow f = new QemuFlow(k).all(1);
            m.faults().inject(FaultPoint.PHYMEM_CACHE_WB_WBCACHE, 1);
            f.close();
            var entries = k.teardownLog().entries();
            assertThat(k.teardownLog().leaves()).doesNotContain("TDH.PHYMEM.PAGE.RECLAIM").contains("TDH.MNG.KEY.FREEID");
            assertThat(entries.getLast().status()).startsWith("TDX_WBCACHE_NOT_COMPLETE");
            assertThat(k.keyidsInUse()).isEqualTo(1);
        }
    }

    /** A backend that counts KVM_MEMORY_ENCRYPT_OP ioctls on the way to the simulated kernel. */
    static final class Counting implements KvmBackend, KvmExplainer {
        final SimulatedKernel k;
        final AtomicInteger encryptOps = new AtomicInteger();

        Counting(SimulatedKernel k) {
            this.k = k;
        }

        @Override
        public String name() {
            return "counting-sim";
        }

        @Override
        public int open(String path) {
            return k.open(path);
        }

        @Override
        public int close(int fd) {
            return k.close(fd);
        }

        @Override
        public long ioctl(int fd, long request, long arg) {
            if (request == Ioctls.KVM_MEMORY_ENCRYPT_OP) {
                encryptOps.incrementAndGet();
            }
            return k.ioctl(fd, request, arg);
        }

        @Override
        public UserMemory memory() {
            return k.memory();
        }

        @Override
        public java.util.Optional<String> lastExplanation(int fd) {
            return k.lastExplanation(fd);
        }

        @Override
        public java.util.Optional<String> statusName(long status) {
            return k.statusName(status);
        }

        @Override
        public void close() {
            // the kernel is closed by its own try-with-resources
        }
    }
}
