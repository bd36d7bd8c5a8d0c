package org.tdxsim.kvm.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tdxsim.kvm.sim.KvmAsserts.fails;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tdxsim.kvm.KvmException;
import org.tdxsim.kvm.QemuProtocols;
import org.tdxsim.kvm.VcpuFd;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmTdxCmdId;
import org.tdxsim.kvm.uapi.KvmTdxInitMemRegion;

/**
 * A KVM_CREATE_VCPU held in its unlocked window (created_vcpus counts the vCPU, online_vcpus does
 * not) while another thread changes the TD: 6.16 lets INIT_VCPU, INIT_MEM_REGION, GET_CPUID and
 * FINALIZE run, 6.19 answers -EBUSY from {@code tdx_acquire_vm_state_locks} (kvm-tdx-uapi.md §6
 * last note, §8; [S23] "KVM: TDX: Guard VM state transitions with 'all' the locks").
 */
class VcpuCreationRaceTest {

    /** Generous guard so a broken test fails instead of hanging; no timing is asserted. */
    static final long GUARD_SECONDS = 30;

    /** Creates vCPU {@code id} on another thread and holds it at {@code phase} until {@link #release}. */
    static final class HeldCreation implements AutoCloseable {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final ExecutorService thread = Executors.newSingleThreadExecutor();
        final Future<VcpuFd> result;

        HeldCreation(SimulatedKernel k, QemuFlow f, long id, SimulatedKernel.VcpuCreationHook.Phase phase)
                throws InterruptedException {
            k.setVcpuCreationHook((vcpuId, p) -> {
                if (vcpuId == id && p == phase) {
                    entered.countDown();
                    try {
                        assertThat(release.await(GUARD_SECONDS, TimeUnit.SECONDS)).isTrue();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            result = thread.submit(() -> f.vm.createVcpu(id));
            assertThat(entered.await(GUARD_SECONDS, TimeUnit.SECONDS)).as("creation reached %s", phase).isTrue();
        }

        /** Lets the creation finish; its vCPU fd, or the KvmException it failed with. */
        VcpuFd release() throws InterruptedException {
            release.countDown();
            try {
                return result.get(GUARD_SECONDS, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw (RuntimeException) e.getCause();
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("vCPU creation did not finish", e);
            }
        }

        @Override
        public void close() {
            release.countDown();
            thread.shutdownNow();
        }
    }

    /** INIT_VM done, vCPU 0 created with its CPUID (not yet INIT_VCPU'd), 16 private pages. */
    static QemuFlow td(SimulatedKernel k) {
        QemuFlow f = InitVmTest.ready(k).initVm().privateMemory(16);
        VcpuFd v0 = f.vm.createVcpu(0);
        f.vcpus.add(v0);
        v0.setCpuid2(QemuProtocols.tdxGetCpuid(v0));
        return f;
    }

    static KvmTdxInitMemRegion onePage(QemuFlow f) {
        return new KvmTdxInitMemRegion(MemRegionTest.source(f, 1), QemuFlow.MEM_BASE, 1);
    }

    /**
     * 6.16: with vCPU 1 fully set up but not yet online, the other thread initializes vCPU 0, adds
     * memory and finalizes the TD; vCPU 1 then comes online on a RUNNABLE TD, where INIT_VCPU can never
     * succeed — the stranded vCPU the 6.19 guard prevents.
     */
    @Test
    void kernel616LetsTheTdChangeUnderAnInFlightCreation() throws Exception {
        try (SimulatedKernel k = Fixtures.kernel(KernelVersion.V6_16); QemuFlow f = td(k);
             HeldCreation c = new HeldCreation(k, f, 1, SimulatedKernel.VcpuCreationHook.Phase.BEFORE_ONLINE)) {
            VmView during = k.vmView(f.vm.fd()).orElseThrow();
            assertThat(during.createdVcpus()).isEqualTo(2);
            assertThat(during.onlineVcpus()).isEqualTo(1);
            VcpuFd v0 = f.vcpus.getFirst();
            v0.tdxInitVcpu(0);
            v0.tdxGetCpuid(KvmConstants.KVM_MAX_CPUID_ENTRIES);
            v0.tdxInitMemRegion(onePage(f), true);
            fails(() -> f.vm.tdxInitVm(f.initVmRequest()), Errno.EINVAL, "already INITIALIZED");
            f.vm.tdxFinalizeVm();
            assertThat(k.vmView(f.vm.fd()).orElseThrow().tdState()).isEqualTo("RUNNABLE");
            VcpuFd v1 = c.release();
            f.vcpus.add(v1);
            VmView after = k.vmView(f.vm.fd()).orElseThrow();
            assertThat(after.createdVcpus()).isEqualTo(2);
            assertThat(after.onlineVcpus()).isEqualTo(2);
            fails(() -> v1.tdxInitVcpu(0), Errno.EINVAL, "RUNNABLE");
        }
    }

    /**
     * 6.19 and later: every TD-building sub-command — INIT_VM, FINALIZE and an unknown id on the VM
     * fd, INIT_VCPU, INIT_MEM_REGION and GET_CPUID on a vCPU fd — fails -EBUSY while the creation is in
     * flight, with nothing written back (hw_error stays 0); CAPABILITIES (handled before the guard) and
     * non-TDX ioctls still work. Once vCPU 1 is online the build completes normally.
     */
    @Test
    void kernel619RefusesTdChangesWhileACreationIsInFlight() throws Exception {
        for (KernelVersion kv : new KernelVersion[] {KernelVersion.V6_19, KernelVersion.LATEST}) {
            try (SimulatedKernel k = Fixtures.kernel(kv); QemuFlow f = td(k);
                 HeldCreation c = new HeldCreation(k, f, 1, SimulatedKernel.VcpuCreationHook.Phase.BEFORE_ONLINE)) {
                VcpuFd v0 = f.vcpus.getFirst();
                String why = "created_vcpus 2 != online_vcpus 1";
                fails(() -> v0.tdxInitVcpu(0), Errno.EBUSY, why);
                fails(() -> v0.tdxInitMemRegion(onePage(f), true), Errno.EBUSY, why);
                fails(() -> v0.tdxGetCpuid(KvmConstants.KVM_MAX_CPUID_ENTRIES), Errno.EBUSY, why);
                fails(() -> f.vm.tdxInitVm(f.initVmRequest()), Errno.EBUSY, why);
                KvmException fin = fails(f.vm::tdxFinalizeVm, Errno.EBUSY, why);
                assertThat(fin.hwError()).isEmpty();
                fails(() -> f.vm.memoryEncryptOp(KvmTdxCmdId.KVM_TDX_INIT_VCPU.id(), 0, 0), Errno.EBUSY, why);
                assertThat(QemuProtocols.tdxCapabilities(f.vm).cpuid().entries()).isNotEmpty();
                assertThat(f.vm.checkExtension(KvmConstants.KVM_CAP_MAX_VCPUS)).isPositive();
                VmView during = k.vmView(f.vm.fd()).orElseThrow();
                assertThat(during.tdState()).isEqualTo("INITIALIZED");
                assertThat(during.bugged()).isEmpty();

                VcpuFd v1 = c.release();
                f.vcpus.add(v1);
                v1.setCpuid2(QemuProtocols.tdxGetCpuid(v1));
                v0.tdxInitVcpu(0);
                v1.tdxInitVcpu(0);
                v0.tdxInitMemRegion(onePage(f), true);
                f.vm.tdxFinalizeVm();
                assertThat(k.vmView(f.vm.fd()).orElseThrow().tdState()).isEqualTo("RUNNABLE");
            }
        }
    }

    /**
     * Held before {@code tdx_vcpu_create}'s checks: 6.16 finalizes the TD meanwhile, and the creation
     * then fails -EIO (state no longer INITIALIZED) and undoes its created_vcpus count; 6.19 refuses
     * the FINALIZE instead and the creation succeeds.
     */
    @Test
    void creationCheckedAfterAConcurrentFinalize() throws Exception {
        try (SimulatedKernel k = Fixtures.kernel(KernelVersion.V6_16); QemuFlow f = td(k)) {
            f.vcpus.getFirst().tdxInitVcpu(0);
            try (HeldCreation c = new HeldCreation(k, f, 1, SimulatedKernel.VcpuCreationHook.Phase.BEFORE_ARCH_CREATE)) {
                f.vm.tdxFinalizeVm();
                KvmException e = catchKvm(c);
                assertThat(e.errnoName()).isEqualTo("EIO");
                assertThat(e.explanation()).get().asString().contains("TD state is RUNNABLE");
            }
            VmView v = k.vmView(f.vm.fd()).orElseThrow();
            assertThat(v.createdVcpus()).isEqualTo(1);
            assertThat(v.onlineVcpus()).isEqualTo(1);
        }
        try (SimulatedKernel k = Fixtures.kernel(KernelVersion.V6_19); QemuFlow f = td(k)) {
            f.vcpus.getFirst().tdxInitVcpu(0);
            try (HeldCreation c = new HeldCreation(k, f, 1, SimulatedKernel.VcpuCreationHook.Phase.BEFORE_ARCH_CREATE)) {
                fails(f.vm::tdxFinalizeVm, Errno.EBUSY, "in flight");
                f.vcpus.add(c.release());
            }
            assertThat(k.vmView(f.vm.fd()).orElseThrow().onlineVcpus()).isEqualTo(2);
        }
    }

    /**
     * A creation racing KVM_TDX_INIT_VM on a TD that is not initialized yet: 6.16 checks flags and the
     * input first and refuses only in {@code setup_tdparams} ("created_vcpus != 0" → -EBUSY), so bad
     * flags still give -EINVAL; 6.19's guard answers -EBUSY before anything is read. The creation itself
     * then fails -EIO (TD not INITIALIZED) and INIT_VM works afterwards.
     */
    @Test
    void initVmRacingACreation() throws Exception {
        for (KernelVersion kv : new KernelVersion[] {KernelVersion.V6_16, KernelVersion.V6_19}) {
            try (SimulatedKernel k = Fixtures.kernel(kv); QemuFlow f = InitVmTest.ready(k)) {
                try (HeldCreation c = new HeldCreation(k, f, 0, SimulatedKernel.VcpuCreationHook.Phase.BEFORE_ARCH_CREATE)) {
                    if (kv == KernelVersion.V6_16) {
                        fails(() -> f.vm.memoryEncryptOp(KvmTdxCmdId.KVM_TDX_INIT_VM.id(), 1, 0), Errno.EINVAL, "flags");
                        fails(() -> f.vm.tdxInitVm(f.initVmRequest()), Errno.EBUSY, "vCPUs already exist");
                    } else {
                        fails(() -> f.vm.memoryEncryptOp(KvmTdxCmdId.KVM_TDX_INIT_VM.id(), 1, 0), Errno.EBUSY, "in flight");
                        fails(() -> f.vm.tdxInitVm(f.initVmRequest()), Errno.EBUSY, "in flight");
                    }
                    assertThat(catchKvm(c).errnoName()).isEqualTo("EIO");
                }
                f.vm.tdxInitVm(f.initVmRequest());
                assertThat(k.vmView(f.vm.fd()).orElseThrow().createdVcpus()).isZero();
            }
        }
    }

    private static KvmException catchKvm(HeldCreation c) throws InterruptedException {
        try {
            VcpuFd v = c.release();
            v.close();
            throw new AssertionError("the creation should have failed");
        } catch (KvmException e) {
            return e;
        }
    }
}
