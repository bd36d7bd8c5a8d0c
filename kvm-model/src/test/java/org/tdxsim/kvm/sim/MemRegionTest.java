package org.tdxsim.kvm.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tdxsim.kvm.sim.KvmAsserts.fails;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tdxsim.kvm.KvmException;
import org.tdxsim.kvm.VcpuFd;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmMemoryAttributes;
import org.tdxsim.kvm.uapi.KvmTdxCmdId;
import org.tdxsim.kvm.uapi.KvmTdxInitMemRegion;

/** KVM_TDX_INIT_MEM_REGION, checks in kernel order (kvm-tdx-uapi.md §3.3; §4.5; §8). */
class MemRegionTest {
    static final long BASE = QemuFlow.MEM_BASE;

    static QemuFlow ready(SimulatedKernel k) {
        return InitVmTest.ready(k).initVm().vcpus(1).privateMemory(16);
    }

    static long source(QemuFlow f, int pages) {
        return f.arena.allocate(pages * 4096L, 4096).address();
    }

    /** Step 1: this vCPU not initialized → -EINVAL; TD finalized → -EINVAL (vCPU path, §3.1). */
    @Test
    void vcpuMustBeInitialized() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = ready(k)) {
            VcpuFd v1 = f.vm.createVcpu(1);
            fails(() -> v1.tdxInitMemRegion(new KvmTdxInitMemRegion(source(f, 1), BASE, 1), false), Errno.EINVAL,
                    "has not run KVM_TDX_INIT_VCPU");
            v1.close();
        }
    }

    /** Step 2: flags other than MEASURE → -EINVAL, before the region is read; copy → -EFAULT. */
    @Test
    void flagsThenCopy() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = ready(k)) {
            VcpuFd v = f.vcpus.getFirst();
            fails(() -> v.memoryEncryptOp(KvmTdxCmdId.KVM_TDX_INIT_MEM_REGION.id(), 2, 0), Errno.EINVAL, "flags 0x2");
            fails(() -> v.memoryEncryptOp(KvmTdxCmdId.KVM_TDX_INIT_MEM_REGION.id(), 1, 0), Errno.EFAULT);
        }
    }

    /** Step 3: alignment, nr_pages 0, wrap, shared first or last GPA → -EINVAL, region untouched. */
    @Test
    void regionShape() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = ready(k)) {
            VcpuFd v = f.vcpus.getFirst();
            long src = source(f, 1);
            int shared = k.vmView(f.vm.fd()).orElseThrow().sharedBit();
            fails(() -> v.tdxInitMemRegion(new KvmTdxInitMemRegion(src + 8, BASE, 1), false), Errno.EINVAL, "aligned");
            fails(() -> v.tdxInitMemRegion(new KvmTdxInitMemRegion(src, BASE + 8, 1), false), Errno.EINVAL, "aligned");
            fails(() -> v.tdxInitMemRegion(new KvmTdxInitMemRegion(src, BASE, 0), false), Errno.EINVAL, "nr_pages is 0");
            fails(() -> v.tdxInitMemRegion(new KvmTdxInitMemRegion(src, -4096, 2), false), Errno.EINVAL, "wraps");
            fails(() -> v.tdxInitMemRegion(new KvmTdxInitMemRegion(src, BASE | 1L << shared, 1), false), Errno.EINVAL,
                    "shared bit " + shared);
            long lastShared = (1L << shared) - 4096;
            fails(() -> v.tdxInitMemRegion(new KvmTdxInitMemRegion(src, lastShared, 2), false), Errno.EINVAL, "not private");
        }
    }

    /** Step 4: the GPA must be in a guest_memfd memslot and PRIVATE; the source mapped; progress is written back. */
    @Test
    void populateChecksAndProgress() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = ready(k)) {
            VcpuFd v = f.vcpus.getFirst();
            long src = source(f, 4);
            fails(() -> v.tdxInitMemRegion(new KvmTdxInitMemRegion(src, 0x4000_0000L, 1), false), Errno.EINVAL,
                    "not in a guest_memfd-backed memslot");
            f.vm.setMemoryAttributes(new KvmMemoryAttributes(BASE + 2 * 4096, 4096, 0, 0));
            KvmException e = fails(() -> v.tdxInitMemRegion(new KvmTdxInitMemRegion(src, BASE, 4), true), Errno.EINVAL,
                    "not marked KVM_MEMORY_ATTRIBUTE_PRIVATE");
            assertThat(e.error().regionProgress()).contains(new KvmTdxInitMemRegion(src + 8192, BASE + 8192, 2));
            f.vm.setMemoryAttributes(new KvmMemoryAttributes(BASE, 16 * 4096, KvmConstants.KVM_MEMORY_ATTRIBUTE_PRIVATE, 0));
            fails(() -> v.tdxInitMemRegion(new KvmTdxInitMemRegion(src, BASE, 1), false), Errno.EEXIST, "already populated");
            KvmTdxInitMemRegion done = v.tdxInitMemRegion(new KvmTdxInitMemRegion(src + 8192, BASE + 8192, 2), true);
            assertThat(done).isEqualTo(new KvmTdxInitMemRegion(src + 16384, BASE + 16384, 0));
            assertThat(k.vmView(f.vm.fd()).orElseThrow().privatePages()).isEqualTo(4);
            MemorySegment unmapped = MemorySegment.ofAddress(0x1000);
            e = fails(() -> v.tdxInitMemRegion(new KvmTdxInitMemRegion(unmapped.address(), BASE + 4 * 4096, 1), false),
                    Errno.EFAULT, "get_user_pages_fast");
            assertThat(e.error().regionProgress()).contains(new KvmTdxInitMemRegion(0x1000, BASE + 4 * 4096, 1));
        }
    }

    /** MEASURE extends MRTD with the page contents (TDH.MR.EXTEND): different data → different MRTD. */
    @Test
    void measurementDependsOnContentAndFlag() {
        byte[] a = mrtd(true, 0);
        byte[] b = mrtd(true, 1);
        byte[] c = mrtd(false, 0);
        byte[] d = mrtd(false, 1);
        assertThat(a).isNotEqualTo(b).isNotEqualTo(c);
        assertThat(c).as("PAGE.ADD alone measures the GPA, not the content").isEqualTo(d);
    }

    private static byte[] mrtd(boolean measure, int salt) {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = ready(k)) {
            MemorySegment s = f.arena.allocate(4096, 4096);
            s.fill((byte) salt);
            f.vcpus.getFirst().tdxInitMemRegion(new KvmTdxInitMemRegion(s.address(), BASE, 1), measure);
            f.finalizeVm();
            long tdr = k.vmView(f.vm.fd()).orElseThrow().tdr();
            return k.module().orElseThrow().mrtd(tdr).orElseThrow();
        }
    }

    /**
     * §4.5 (derived): in 6.16/6.19 INIT_MEM_REGION reloads the vCPU MMU; a vCPU whose KVM_SET_CPUID2 table
     * says GuestPhysBits 52 on a 5-level host while the TD chose 48 gets TDP level 5 ≠ shared bit 47 →
     * KVM_BUG_ON, -EIO, VM dead. The latest tree no longer reloads (§8), so it goes through.
     */
    @ParameterizedTest
    @EnumSource(KernelVersion.class)
    void mmuReloadMismatchBugsTheVm(KernelVersion kv) {
        try (SimulatedKernel k = Fixtures.kernel(kv); QemuFlow f = InitVmTest.ready(k)) {
            f.vm.tdxInitVm(InitVmTest.withCpuid(f, InitVmTest.withGuestPhysBits(f.initCpuid, 48)));
            VcpuFd v = f.vm.createVcpu(0);
            f.vcpus.add(v);
            KvmCpuid2 c = v.tdxGetCpuid(256);
            v.setCpuid2(InitVmTest.withGuestPhysBits(c, 52));
            v.tdxInitVcpu(0);
            f.privateMemory(4);
            KvmTdxInitMemRegion r = new KvmTdxInitMemRegion(source(f, 1), BASE, 1);
            if (kv == KernelVersion.LATEST) {
                v.tdxInitMemRegion(r, true);
                assertThat(k.vmView(f.vm.fd()).orElseThrow().bugged()).isEmpty();
            } else {
                fails(() -> v.tdxInitMemRegion(r, true), Errno.EIO, "tdx_load_mmu_pgd");
                assertThat(k.vmView(f.vm.fd()).orElseThrow().bugged()).isPresent();
                fails(() -> f.vm.tdxCapabilities(64), Errno.EIO, "the VM is dead");
                fails(() -> v.tdxGetCpuid(256), Errno.EIO, "the VM is dead");
            }
        }
    }

    /** §8 (latest): source_addr == 0 → -EINVAL up front; earlier kernels fault on the unmapped page (-EFAULT). */
    @ParameterizedTest
    @EnumSource(KernelVersion.class)
    void sourceAddrZero(KernelVersion kv) {
        try (SimulatedKernel k = Fixtures.kernel(kv); QemuFlow f = ready(k)) {
            VcpuFd v = f.vcpus.getFirst();
            if (kv == KernelVersion.LATEST) {
                fails(() -> v.tdxInitMemRegion(new KvmTdxInitMemRegion(0, BASE, 1), false), Errno.EINVAL, "source_addr is 0");
            } else {
                fails(() -> v.tdxInitMemRegion(new KvmTdxInitMemRegion(0, BASE, 1), false), Errno.EFAULT, "not mapped");
            }
        }
    }

    /** After FINALIZE the initial memory is fixed: the vCPU path refuses every sub-command (§3.1). */
    @Test
    void afterFinalize() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = ready(k)) {
            f.initMemRegion(1, true);
            f.finalizeVm();
            fails(() -> f.vcpus.getFirst().tdxInitMemRegion(new KvmTdxInitMemRegion(source(f, 1), BASE + 4096, 1), true),
                    Errno.EINVAL, "RUNNABLE");
        }
    }
}
