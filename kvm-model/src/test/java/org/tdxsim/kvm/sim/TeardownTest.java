package org.tdxsim.kvm.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tdxsim.kvm.uapi.Errno;

/** Closing the last reference to a TD tears it down through the module (tdx_mmu_release_hkid & co.). */
class TeardownTest {

    @Test
    void fullTeardownSequence() {
        try (SimulatedKernel k = Fixtures.kernel()) {
            var m = k.module().orElseThrow();
            int pagesBefore = m.memory().allocatedPages();
            int packages = m.numPackages();
            int vcpus = 2;
            try (QemuFlow f = new QemuFlow(k).all(vcpus)) {
                assertThat(k.teardownLog().entries()).isEmpty();
                assertThat(m.liveTds()).isEqualTo(1);
            }
            List<String> leaves = k.teardownLog().leaves();
            assertThat(leaves.subList(0, vcpus)).containsOnly("TDH.VP.FLUSH");
            assertThat(leaves.get(vcpus)).isEqualTo("TDH.MNG.VPFLUSHDONE");
            assertThat(leaves.subList(vcpus + 1, vcpus + 1 + packages)).containsOnly("TDH.PHYMEM.CACHE.WB");
            assertThat(leaves.get(vcpus + 1 + packages)).isEqualTo("TDH.MNG.KEY.FREEID");
            assertThat(leaves.subList(vcpus + 2 + packages, leaves.size())).containsOnly("TDH.PHYMEM.PAGE.RECLAIM");
            assertThat(k.teardownLog().entries()).allMatch(TeardownLog.Entry::success);
            assertThat(k.keyidsInUse()).isZero();
            assertThat(m.liveTds()).isZero();
            assertThat(m.memory().allocatedPages()).as("every TD page back with the host").isEqualTo(pagesBefore);
            assertThat(m.hkidsInUse()).as("only the global KeyID").isEqualTo(1);
        }
    }

    /**
     * The 6.16 order of what is reclaimed (Tdx#destroyVm cites the kernel): after KEY.FREEID, the
     * private pages (the model's stand-in for the guest_memfd release's PAGE.REMOVE), then per vCPU its
     * TDCX pages and its TDVPR (kvm_destroy_vcpus → tdx_vcpu_free), then the S-EPT pages, lowest level
     * first (kvm_mmu_uninit_vm → tdx_sept_free_private_spt), then the TDCS pages and the TDR last
     * (vm_destroy → tdx_reclaim_td_control_pages).
     */
    @Test
    void reclaimOrderFollowsKvmDestroyVm() {
        try (SimulatedKernel k = Fixtures.kernel()) {
            int pages = 3;
            try (QemuFlow f = new QemuFlow(k).createVm().splitIrqchip().capabilities().buildInitCpuid().initVm()
                    .vcpus(2).privateMemory(16)) {
                f.initMemRegion(pages, true);
                f.finalizeVm();
            }
            List<String> whats = k.teardownLog().entries().stream()
                    .filter(e -> e.leaf().equals("TDH.PHYMEM.PAGE.RECLAIM")).map(TeardownLog.Entry::what).toList();
            List<String> kinds = whats.stream().map(w -> w.startsWith("private") ? "private"
                    : w.startsWith("TDCX page of vCPU") || w.startsWith("TDVPR") ? "vcpu"
                    : w.startsWith("S-EPT") ? "sept" : w.startsWith("TDCS") ? "tdcs" : w).distinct().toList();
            assertThat(kinds).containsExactly("private", "vcpu", "sept", "tdcs", "TDR");
            assertThat(whats.stream().filter(w -> w.startsWith("private")).count()).isEqualTo(pages);
            List<String> vcpu = whats.stream().filter(w -> w.contains("of vCPU")).toList();
            assertThat(vcpu.indexOf("TDVPR of vCPU 0")).as("vCPU 0's TDCX pages, then its TDVPR, then vCPU 1")
                    .isGreaterThan(vcpu.lastIndexOf("TDCX page of vCPU 0"))
                    .isLessThan(vcpu.indexOf("TDCX page of vCPU 1"));
            List<Integer> levels = whats.stream().filter(w -> w.startsWith("S-EPT"))
                    .map(w -> Integer.parseInt(w.split(" ")[3])).toList();
            assertThat(levels).isSorted();
            assertThat(whats.getLast()).isEqualTo("TDR");
        }
    }

    /** A vCPU or guest_memfd fd keeps the VM alive (kvm_get_kvm): teardown runs when the last one closes. */
    @Test
    void lastReferenceTriggersTeardown() {
        try (SimulatedKernel k = Fixtures.kernel()) {
            QemuFlow f = new QemuFlow(k).all(1);
            f.vm.close();
            assertThat(k.teardownLog().entries()).isEmpty();
            KvmAsserts.fails(() -> f.vcpus.getFirst().tdxGetCpuid(256), Errno.EINVAL, "RUNNABLE");
            KvmAsserts.fails(f.vcpus.getFirst()::run, Errno.EOPNOTSUPP, "not simulated");
            f.close();
            assertThat(k.teardownLog().leaves()).contains("TDH.MNG.KEY.FREEID");
        }
        try (SimulatedKernel k = Fixtures.kernel()) {
            QemuFlow f = new QemuFlow(k).all(1);
            f.vm.close();
            f.vcpus.getFirst().close();
            assertThat(k.teardownLog().entries()).isEmpty();
            f.gmem.close();
            assertThat(k.teardownLog().leaves()).contains("TDH.MNG.KEY.FREEID");
            assertThat(k.keyidsInUse()).isZero();
            f.close();
        }
    }

    /** A TD that never got past INIT_VM is torn down the same way; a plain VM has nothing to tear down. */
    @Test
    void initializedOnlyAndNonTd() {
        try (SimulatedKernel k = Fixtures.kernel()) {
            new QemuFlow(k).createVm().splitIrqchip().capabilities().buildInitCpuid().initVm().close();
            assertThat(k.teardownLog().leaves()).startsWith("TDH.MNG.VPFLUSHDONE").contains("TDH.MNG.KEY.FREEID");
            k.teardownLog().clear();
            try (QemuFlow f = new QemuFlow(k)) {
                f.kvm.createVm(0).close();
            }
            assertThat(k.teardownLog().entries()).isEmpty();
            assertThat(k.module().orElseThrow().liveTds()).isZero();
        }
    }

    /** Closing the backend closes every fd it still has, tearing down live TDs. */
    @Test
    void backendCloseTearsDown() {
        SimulatedKernel k = Fixtures.kernel();
        new QemuFlow(k).all(1);
        assertThat(k.openFds()).isPositive();
        k.close();
        assertThat(k.openFds()).isZero();
        assertThat(k.keyidsInUse()).isZero();
        assertThat(k.open("/dev/kvm")).isEqualTo(Errno.EBADF.negated());
    }
}
