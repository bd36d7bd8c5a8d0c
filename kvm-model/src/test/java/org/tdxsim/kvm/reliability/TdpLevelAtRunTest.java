package org.tdxsim.kvm.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tdxsim.kvm.KvmException;
import org.tdxsim.kvm.QemuProtocols;
import org.tdxsim.kvm.VcpuFd;
import org.tdxsim.kvm.sim.SimulatedKernel;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;

/**
 * kvm-tdx-uapi.md §4.5 (derived): the EAX[23:16] a vCPU got through KVM_SET_CPUID2 picks its TDP root
 * level, and a level whose shared bit disagrees with the TD's is {@code tdx_load_mmu_pgd}'s KVM_BUG_ON
 * "the first time the vCPU MMU root is loaded — at KVM_RUN, and in 6.16 also inside INIT_MEM_REGION".
 * A vCPU that never ran INIT_MEM_REGION must therefore bug the VM at KVM_RUN (-EIO), not reach the
 * "guest execution is not simulated" answer; a consistent vCPU does reach it.
 */
class TdpLevelAtRunTest {

    @Test
    void mismatchedGuestPhysBitsBugsTheVmAtRun() {
        SimulatedKernel k = TdFlow.kernel();
        try (TdFlow f = new TdFlow(k).createVm().initVm()) {
            assertThat(k.vmView(f.vm.fd()).orElseThrow().sharedBit()).as("GPAW 52 on the default host").isEqualTo(51);
            VcpuFd good = f.vcpu(0);
            VcpuFd bad = f.vm.createVcpu(1);
            f.vcpus.add(bad);
            List<KvmCpuidEntry2> entries = new ArrayList<>();
            for (KvmCpuidEntry2 e : QemuProtocols.tdxGetCpuid(bad).entries()) {
                entries.add(e.function() == 0x80000008
                        ? e.withRegisters(e.eax() & ~0x00FF0000 | 48 << 16, e.ebx(), e.ecx(), e.edx()) : e);
            }
            bad.setCpuid2(KvmCpuid2.of(entries));
            bad.tdxInitVcpu(TdFlow.HOB_GPA);
            f.privateMemory(4);
            f.initMemRegion(TdFlow.MEM_BASE, 1, true);
            f.vm.tdxFinalizeVm();
            assertThatThrownBy(good::run).isInstanceOfSatisfying(KvmException.class,
                    e -> assertThat(e.is(Errno.EOPNOTSUPP)).as("%s", e).isTrue());
            assertThatThrownBy(bad::run).isInstanceOfSatisfying(KvmException.class,
                    e -> assertThat(e.is(Errno.EIO)).as("%s", e).isTrue());
            assertThat(k.vmView(f.vm.fd()).orElseThrow().bugged()).isPresent();
            assertThatThrownBy(good::run).isInstanceOfSatisfying(KvmException.class,
                    e -> assertThat(e.is(Errno.EIO)).as("a bugged VM answers -EIO").isTrue());
        }
        IoctlFuzzTest.assertClean(k, "after the bugged VM was closed");
    }
}
