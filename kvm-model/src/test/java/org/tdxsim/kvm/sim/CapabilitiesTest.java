package org.tdxsim.kvm.sim;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.tdxsim.kvm.sim.KvmAsserts.fails;
import static org.tdxsim.kvm.sim.KvmAsserts.raw;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.tdxsim.kvm.Kvm;
import org.tdxsim.kvm.VmFd;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.Ioctls;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.kvm.uapi.KvmTdxCapabilities;
import org.tdxsim.kvm.uapi.KvmTdxCmd;
import org.tdxsim.kvm.uapi.KvmTdxCmdId;
import org.tdxsim.module.cpuid.CpuidLeaf;
import org.tdxsim.module.profile.CpuidConfigurableEntry;

/** KVM_TDX_CAPABILITIES (kvm-tdx-uapi.md §3.3, §4.3, §5.1; 6.19 deltas §8). */
class CapabilitiesTest {

    /** §4.3/§5.1: entries = module CPUID_CONFIG in order, 0x80000008 EAX[23:16] = 0xFF, no HLE/RTM/WAITPKG. */
    @ParameterizedTest
    @ValueSource(strings = {"1.5.06", "2.0.08"})
    void reportsTheModulesConfigurableMasks(String version) {
        try (SimulatedKernel k = Fixtures.kernel(version, "granite-rapids-w-xeon-658x"); Kvm kvm = Kvm.open(k);
             VmFd vm = kvm.createVm(5)) {
            KvmTdxCapabilities caps = vm.tdxCapabilities(256);
            var module = k.config().module();
            assertThat(caps.cpuid().nent()).isEqualTo(module.maxNumCpuidConfig());
            assertThat(caps.supportedAttrs()).as("only SEPT_VE_DISABLE").isEqualTo(1L << 28);
            assertThat(caps.supportedXfam() & 0x3).isEqualTo(0x3);
            assertThat(caps.supportedXfam() & ~0x602FFL).as("within KVM_SUPPORTED_XCR0").isZero();
            assertThat(caps.userTdvmcallinfo1R11()).isEqualTo(2);
            assertThat(caps.kernelTdvmcallinfo1R11()).isZero();
            assertThat(caps.reserved().asList()).containsOnly(0L);
            for (int i = 0; i < caps.cpuid().entries().size(); i++) {
                KvmCpuidEntry2 e = caps.cpuid().entries().get(i);
                CpuidConfigurableEntry c = module.cpuidConfigurable().get(i);
                assertThat(e.function()).isEqualTo(c.leaf());
                assertThat(e.index()).isEqualTo(c.subleaf() == CpuidLeaf.SUBLEAF_NA ? 0 : c.subleaf());
                assertThat(e.flags()).isZero();
                // every reported bit is configurable: CONFIG_DIRECT or ALLOW_DIRECT (§5.3)
                var allowed = c.allowedInTdParams();
                int eaxMask = e.function() == 0x80000008 ? ~0x00FF0000 : -1;
                assertThat(e.eax() & eaxMask & ~allowed.eax()).isZero();
                assertThat(e.ebx() & ~allowed.ebx()).isZero();
                assertThat(e.ecx() & ~allowed.ecx()).isZero();
                assertThat(e.edx() & ~allowed.edx()).isZero();
                if (e.function() == 0x80000008) {
                    assertThat((e.eax() >>> 16) & 0xFF).isEqualTo(0xFF);
                }
                if (e.function() == 7 && e.index() == 0) {
                    assertThat(e.ebx() & (Tdx.HLE | Tdx.RTM)).isZero();
                    assertThat(e.ecx() & Tdx.WAITPKG).isZero();
                }
            }
        }
    }

    /** §3.3 step 4: nent below num_cpuid_config → -E2BIG and nent NOT updated (6.16 and later). */
    @ParameterizedTest
    @EnumSource(KernelVersion.class)
    void tooSmallIsE2bigWithoutNeededCount(KernelVersion kv) {
        try (SimulatedKernel k = Fixtures.kernel(kv); Kvm kvm = Kvm.open(k); VmFd vm = kvm.createVm(5);
             Arena a = k.memory().openArena()) {
            int n = k.config().module().maxNumCpuidConfig();
            MemorySegment caps = KvmTdxCapabilities.FAM.allocate(a, n - 1);
            MemorySegment cmd = KvmTdxCmd.of(KvmTdxCmdId.KVM_TDX_CAPABILITIES, 0, caps.address()).encode(a);
            raw(vm.rawIoctl(Ioctls.KVM_MEMORY_ENCRYPT_OP, cmd.address()), Errno.E2BIG);
            assertThat(caps.get(JAVA_INT, 2048)).isEqualTo(n - 1);
            assertThat(caps.get(JAVA_LONG, 0)).as("nothing written").isZero();
            assertThat(vm.tdxCapabilities(n).cpuid().entries()).hasSize(n);
        }
    }

    @Test
    void flagsMustBeZeroAndHwErrorMustBeZero() {
        try (SimulatedKernel k = Fixtures.kernel(); Kvm kvm = Kvm.open(k); VmFd vm = kvm.createVm(5);
             Arena a = k.memory().openArena()) {
            MemorySegment caps = KvmTdxCapabilities.FAM.allocate(a, 64);
            fails(() -> vm.memoryEncryptOp(0, 1, caps.address()), Errno.EINVAL, "flags");
            MemorySegment cmd = new KvmTdxCmd(0, 0, caps.address(), 5).encode(a);
            raw(vm.rawIoctl(Ioctls.KVM_MEMORY_ENCRYPT_OP, cmd.address()), Errno.EINVAL);
            assertThat(k.lastExplanation(vm.fd())).get().asString().contains("hw_error");
            fails(() -> vm.memoryEncryptOp(0, 0, 0x10), Errno.EFAULT, "cpuid.nent");
            fails(() -> vm.memoryEncryptOp(99, 0, 0), Errno.EINVAL, "not a VM-fd TDX sub-command");
            fails(() -> vm.memoryEncryptOp(KvmTdxCmdId.KVM_TDX_GET_CPUID.id(), 0, 0), Errno.EINVAL, "vCPU fd");
        }
    }

    /** §3.3: "no TD-state check; usable any time" — also after INIT_VM and FINALIZE_VM. */
    @ParameterizedTest
    @EnumSource(KernelVersion.class)
    void capabilitiesUsableBeforeInitVmAndAfterFinalize(KernelVersion kv) {
        try (SimulatedKernel k = Fixtures.kernel(kv); QemuFlow f = new QemuFlow(k)) {
            f.all(1);
            assertThat(f.vm.tdxCapabilities(64).cpuid().nent()).isEqualTo(k.config().module().maxNumCpuidConfig());
        }
    }

    /**
     * §8: 6.16 copies the {@code kvm_tdx_cmd} back after CAPABILITIES (as for every known id), 6.19 no
     * longer does. With the command in read-only memory (mprotect PROT_READ) the kernel can still read
     * it, and the capabilities land in the writable buffer either way; but 6.16's copy-back faults, so
     * the ioctl returns -EFAULT, while 6.19 returns 0. An unknown id is never copied back (-EINVAL on
     * both), and FINALIZE's copy-back faults on both.
     */
    @ParameterizedTest
    @EnumSource(KernelVersion.class)
    void capabilitiesCommandCopyBackOnlyIn616(KernelVersion kv) {
        try (SimulatedKernel k = Fixtures.kernel(kv); Kvm kvm = Kvm.open(k); VmFd vm = kvm.createVm(5);
             Arena a = k.memory().openArena()) {
            int n = k.config().module().maxNumCpuidConfig();
            MemorySegment caps = KvmTdxCapabilities.FAM.allocate(a, n);
            KvmTdxCapabilities.FAM.setCount(caps, n);
            MemorySegment cmd = KvmTdxCmd.of(KvmTdxCmdId.KVM_TDX_CAPABILITIES, 0, caps.address()).encode(a);
            k.memory().protectReadOnly(cmd);
            long r = vm.rawIoctl(Ioctls.KVM_MEMORY_ENCRYPT_OP, cmd.address());
            assertThat(KvmTdxCapabilities.decode(caps).supportedAttrs()).as("caps written").isEqualTo(1L << 28);
            if (kv.isAtLeast619()) {
                assertThat(r).isZero();
            } else {
                raw(r, Errno.EFAULT);
                assertThat(k.lastExplanation(vm.fd())).get().asString().contains("copying struct kvm_tdx_cmd back");
            }
            MemorySegment unknown = new KvmTdxCmd(99, 0, 0, 0).encode(a);
            k.memory().protectReadOnly(unknown);
            raw(vm.rawIoctl(Ioctls.KVM_MEMORY_ENCRYPT_OP, unknown.address()), Errno.EINVAL);
            MemorySegment fin = KvmTdxCmd.of(KvmTdxCmdId.KVM_TDX_FINALIZE_VM, 0, 0).encode(a);
            k.memory().protectReadOnly(fin);
            raw(vm.rawIoctl(Ioctls.KVM_MEMORY_ENCRYPT_OP, fin.address()), Errno.EFAULT);
            assertThat(k.lastExplanation(vm.fd())).get().asString().contains("UNINITIALIZED");
        }
    }

    /**
     * 6.16 writes the 2056-byte header, then the entries: with room for the header only, the header
     * (nent updated) lands and the entries copy faults. 6.19 writes both at once, so nothing lands.
     */
    @ParameterizedTest
    @EnumSource(KernelVersion.class)
    void partialCopyOut(KernelVersion kv) {
        try (SimulatedKernel k = Fixtures.kernel(kv); Kvm kvm = Kvm.open(k); VmFd vm = kvm.createVm(5);
             Arena a = k.memory().openArena()) {
            int n = k.config().module().maxNumCpuidConfig();
            MemorySegment hdrOnly = a.allocate(KvmTdxCapabilities.LAYOUT.byteSize(), 8);
            hdrOnly.set(JAVA_INT, 2048, 256);
            fails(() -> vm.memoryEncryptOp(0, 0, hdrOnly.address()), Errno.EFAULT, "copy_to_user");
            if (kv.isAtLeast619()) {
                assertThat(hdrOnly.get(JAVA_INT, 2048)).isEqualTo(256);
                assertThat(hdrOnly.get(JAVA_LONG, 0)).isZero();
            } else {
                assertThat(hdrOnly.get(JAVA_INT, 2048)).isEqualTo(n);
                assertThat(hdrOnly.get(JAVA_LONG, 0)).isEqualTo(1L << 28);
            }
        }
    }
}
