package org.tdxsim.kvm.sim;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.tdxsim.kvm.sim.KvmAsserts.fails;
import static org.tdxsim.kvm.sim.KvmAsserts.raw;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tdxsim.kvm.KvmException;
import org.tdxsim.kvm.QemuProtocols;
import org.tdxsim.kvm.VcpuFd;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.Ioctls;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.kvm.uapi.KvmTdxCmd;
import org.tdxsim.kvm.uapi.KvmTdxCmdId;

/** vCPU-fd TDX sub-commands: dispatch, KVM_TDX_INIT_VCPU, KVM_TDX_GET_CPUID (kvm-tdx-uapi.md §3.1, §3.3, §4.4). */
class VcpuTdxTest {

    static QemuFlow withVcpu(SimulatedKernel k) {
        QemuFlow f = InitVmTest.ready(k).initVm();
        f.vcpus.add(f.vm.createVcpu(0));
        return f;
    }

    /** §3.1: the TD-state check comes before the command is read (NULL data does not fault). */
    @Test
    void tdStateCheckedBeforeReadingTheCommand() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = new QemuFlow(k).all(1)) {
            VcpuFd v = f.vcpus.getFirst();
            raw(v.rawIoctl(Ioctls.KVM_MEMORY_ENCRYPT_OP, 0), Errno.EINVAL);
            assertThat(k.lastExplanation(v.fd())).get().asString().contains("RUNNABLE");
        }
    }

    /**
     * §8: from 6.19 the vCPU path is {@code tdx_vcpu_unlocked_ioctl}, which reads the command
     * ({@code tdx_get_cmd}) before the TD-state check: on a finalized TD a NULL command now faults
     * (-EFAULT) and a non-zero hw_error is refused as such, where 6.16 answered -EINVAL for the state.
     */
    @Test
    void from619TheCommandIsReadBeforeTheTdStateCheck() {
        for (KernelVersion kv : new KernelVersion[] {KernelVersion.V6_19, KernelVersion.LATEST}) {
            try (SimulatedKernel k = Fixtures.kernel(kv); QemuFlow f = new QemuFlow(k).all(1);
                 Arena a = k.memory().openArena()) {
                VcpuFd v = f.vcpus.getFirst();
                raw(v.rawIoctl(Ioctls.KVM_MEMORY_ENCRYPT_OP, 0), Errno.EFAULT);
                MemorySegment cmd = new KvmTdxCmd(KvmConstants.KVM_TDX_GET_CPUID, 0, 0, 1).encode(a);
                raw(v.rawIoctl(Ioctls.KVM_MEMORY_ENCRYPT_OP, cmd.address()), Errno.EINVAL);
                assertThat(k.lastExplanation(v.fd())).get().asString().contains("hw_error");
                fails(() -> v.tdxGetCpuid(256), Errno.EINVAL, "RUNNABLE");
            }
        }
    }

    /** §3.1: copy → -EFAULT; hw_error ≠ 0 → -EINVAL; unknown / VM-fd ids → -EINVAL; command never copied back. */
    @Test
    void dispatch() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = withVcpu(k); Arena a = k.memory().openArena()) {
            VcpuFd v = f.vcpus.getFirst();
            raw(v.rawIoctl(Ioctls.KVM_MEMORY_ENCRYPT_OP, 0), Errno.EFAULT);
            MemorySegment cmd = new KvmTdxCmd(KvmConstants.KVM_TDX_INIT_VCPU, 0, 0, 1).encode(a);
            raw(v.rawIoctl(Ioctls.KVM_MEMORY_ENCRYPT_OP, cmd.address()), Errno.EINVAL);
            assertThat(k.lastExplanation(v.fd())).get().asString().contains("hw_error");
            fails(() -> v.memoryEncryptOp(KvmConstants.KVM_TDX_FINALIZE_VM, 0, 0), Errno.EINVAL, "VM fd");
            fails(() -> v.memoryEncryptOp(6, 0, 0), Errno.EINVAL, "not a vCPU-fd");
            KvmException e = fails(() -> v.tdxInitVcpu(0), Errno.EINVAL, "X2APIC");
            assertThat(e.hwError()).as("vCPU path never reports hw_error").isEmpty();
        }
    }

    /** §3.3 INIT_VCPU: flags → -EINVAL; without X2APIC in the vCPU CPUID → -EINVAL (derived); twice → -EINVAL. */
    @Test
    void initVcpu() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = withVcpu(k)) {
            VcpuFd v = f.vcpus.getFirst();
            fails(() -> v.memoryEncryptOp(KvmConstants.KVM_TDX_INIT_VCPU, 1, 0), Errno.EINVAL, "flags");
            fails(() -> v.tdxInitVcpu(0), Errno.EINVAL, "does not enumerate X2APIC");
            KvmCpuid2 c = QemuProtocols.tdxGetCpuid(v);
            KvmCpuidEntry2 leaf1 = c.find(1, 0).orElseThrow();
            assertThat(leaf1.ecx() & (1 << 21)).as("TDX fixes X2APIC to 1").isNotZero();
            v.setCpuid2(c);
            v.tdxInitVcpu(0x1234);
            fails(() -> v.tdxInitVcpu(0), Errno.EINVAL, "already initialized");
            assertThat(k.vmView(f.vm.fd()).orElseThrow().bugged()).isEmpty();
        }
    }

    /** An APIC base above the vCPU's MAXPHYADDR (CPUID 0x80000008 EAX[7:0] = 31 < 32) → -EINVAL. */
    @Test
    void apicBaseAboveMaxPhyAddr() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = withVcpu(k)) {
            VcpuFd v = f.vcpus.getFirst();
            v.setCpuid2(KvmCpuid2.of(List.of(new KvmCpuidEntry2(1, 0, 0, 0, 0, 1 << 21, 0),
                    new KvmCpuidEntry2(0x80000000, 0, 0, 0x80000008, 0, 0, 0),
                    new KvmCpuidEntry2(0x80000008, 0, 0, 31 | 48 << 8, 0, 0, 0))));
            fails(() -> v.tdxInitVcpu(0), Errno.EINVAL, "MAXPHYADDR 31");
        }
    }

    /**
     * §4.4 GET_CPUID: entries read back from the TD; 0x80000008 EAX[23:16] synthesized from the shared
     * bit (48 or 52); indexed leaves flagged; works before INIT_VCPU; -E2BIG writes the needed nent.
     */
    @Test
    void getCpuid() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = withVcpu(k)) {
            VcpuFd v = f.vcpus.getFirst();
            KvmCpuid2 c = v.tdxGetCpuid(256);
            assertThat(c.nent()).isEqualTo(c.entries().size()).isPositive();
            KvmCpuidEntry2 e = c.find(0x80000008, 0).orElseThrow();
            int want = (f.initCpuid.find(0x80000008, 0).orElseThrow().eax() >>> 16) & 0xFF;
            assertThat((e.eax() >>> 16) & 0xFF).isEqualTo(want);
            assertThat(e.eax() & 0xFF).as("native MAXPHYADDR").isEqualTo(k.config().platform().maxPhysAddr());
            assertThat(c.entries().getFirst().function()).isZero();
            assertThat(c.entries()).filteredOn(x -> x.function() == 7).allMatch(KvmCpuidEntry2::hasSignificantIndex);
            assertThat(c.find(0x80000000, 0)).isPresent();
            int n = c.entries().size();
            KvmException big = fails(() -> v.tdxGetCpuid(n - 1), Errno.E2BIG, "nent now says " + n);
            assertThat(big.error().neededEntries()).hasValue(n);
            fails(() -> v.tdxGetCpuid(0), Errno.E2BIG);
            fails(() -> v.memoryEncryptOp(KvmTdxCmdId.KVM_TDX_GET_CPUID.id(), 0, 0x10), Errno.EFAULT);
        }
    }

    /** GET_CPUID with room for the header only: the needed nent is written; with too little for the entries → -EFAULT. */
    @Test
    void getCpuidCopyOut() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = withVcpu(k); Arena a = k.memory().openArena()) {
            VcpuFd v = f.vcpus.getFirst();
            int n = v.tdxGetCpuid(256).entries().size();
            MemorySegment hdr = a.allocate(8, 8);
            hdr.set(JAVA_INT, 0, 256);
            fails(() -> v.memoryEncryptOp(KvmTdxCmdId.KVM_TDX_GET_CPUID.id(), 0, hdr.address()), Errno.EFAULT,
                    "kvm_cpuid2.entries");
            assertThat(hdr.get(JAVA_INT, 0)).isEqualTo(n);
        }
    }

    /** KVM_RUN: -EINVAL until INIT_VCPU and FINALIZE_VM (§6); arg ≠ 0 → -EINVAL. */
    @Test
    void runPreconditions() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = withVcpu(k)) {
            VcpuFd v = f.vcpus.getFirst();
            fails(v::run, Errno.EINVAL, "KVM_TDX_INIT_VCPU and KVM_TDX_FINALIZE_VM");
            raw(v.rawIoctl(Ioctls.KVM_RUN, 1), Errno.EINVAL);
        }
    }

    /** KVM_SET_CPUID2 generic checks (§3.3, §5.4) and KVM_GET_CPUID2. */
    @Test
    void setCpuid2Generic() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = withVcpu(k); Arena a = k.memory().openArena()) {
            VcpuFd v = f.vcpus.getFirst();
            MemorySegment hdr = a.allocate(8, 8);
            hdr.set(JAVA_INT, 0, 257);
            raw(v.rawIoctl(Ioctls.KVM_SET_CPUID2, hdr.address()), Errno.E2BIG);
            hdr.set(JAVA_INT, 0, 2);
            raw(v.rawIoctl(Ioctls.KVM_SET_CPUID2, hdr.address()), Errno.EFAULT);
            fails(() -> v.setCpuid2(KvmCpuid2.of(List.of(new KvmCpuidEntry2(0x80000008, 0, 0, 46 | 47 << 8, 0, 0, 0)))),
                    Errno.EINVAL, "linear address bits) 47");
            v.setCpuid2(KvmCpuid2.of(List.of(new KvmCpuidEntry2(0x80000008, 0, 0, 46 | 57 << 8, 0, 0, 0),
                    new KvmCpuidEntry2(1, 0, 0, 0, 0, 0, 0))));
            fails(() -> v.getCpuid2(1), Errno.E2BIG, "the vCPU has 2");
            assertThat(v.getCpuid2(10).entries()).hasSize(2);
            v.setCpuid2(KvmCpuid2.of(List.of()));
            assertThat(v.getCpuid2(0).nent()).isZero();
        }
    }
}
