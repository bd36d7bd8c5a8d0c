package org.tdxsim.kvm;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.Ioctls;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.kvm.uapi.KvmTdxCmd;
import org.tdxsim.kvm.uapi.KvmTdxCmdId;
import org.tdxsim.kvm.uapi.KvmTdxInitMemRegion;

/** The typed client against a scripted backend: the bytes it sends and how it reads answers. */
class ClientTest {
    private final ScriptedBackend backend = new ScriptedBackend();

    private static KvmTdxCmd cmdAt(long arg) {
        return KvmTdxCmd.decode(ScriptedBackend.at(arg, 24));
    }

    @Test
    void immediateArgumentsAndResults() {
        backend.script = (fd, req, arg) -> req == Ioctls.KVM_GET_API_VERSION ? 12
                : req == Ioctls.KVM_CREATE_VM ? 7 : req == Ioctls.KVM_CREATE_VCPU ? 8 : 0;
        try (Kvm kvm = Kvm.open(backend); VmFd vm = kvm.createVm(KvmConstants.KVM_X86_TDX_VM);
             VcpuFd vcpu = vm.createVcpu(3)) {
            assertThat(kvm.getApiVersion()).isEqualTo(12);
            assertThat(vm.fd()).isEqualTo(7);
            assertThat(vcpu.fd()).isEqualTo(8);
            assertThat(vcpu.vm()).isSameAs(vm);
            assertThat(backend.calls).extracting(ScriptedBackend.Call::arg).containsSubsequence(5L, 3L);
        }
        assertThat(backend.closed).containsExactly(8, 7, 3);
    }

    @Test
    void failedOpenIsAKvmException() {
        KvmException e = catchThrowableOfType(KvmException.class, () -> Kvm.open(backend, "/dev/nope"));
        assertThat(e.errnoName()).isEqualTo("ENOENT");
        assertThat(e.ioctl()).isEqualTo("open(/dev/nope)");
        assertThat(e.getStackTrace()).isEmpty();
    }

    @Test
    void closedHandleNeverReachesTheBackend() {
        Kvm kvm = Kvm.open(backend);
        kvm.close();
        kvm.close();
        assertThat(backend.closed).containsExactly(3);
        KvmException e = catchThrowableOfType(KvmException.class, kvm::getApiVersion);
        assertThat(e.is(Errno.EBADF)).isTrue();
        assertThat(e.explanation()).get().asString().contains("already closed");
        assertThat(backend.calls).isEmpty();
        assertThat(kvm.rawIoctl(Ioctls.KVM_GET_API_VERSION, 0)).isEqualTo(-9);
    }

    @Test
    void errnoCarriesIoctlNameAndExplanation() {
        backend.script = (fd, req, arg) -> -22;
        backend.explanation = Optional.of("type 9 is not a supported VM type");
        try (Kvm kvm = Kvm.open(backend)) {
            KvmException e = catchThrowableOfType(KvmException.class, () -> kvm.createVm(9));
            assertThat(e.errno()).isEqualTo(22);
            assertThat(e.ioctl()).isEqualTo("KVM_CREATE_VM");
            assertThat(e.getMessage()).isEqualTo(
                    "KVM_CREATE_VM: EINVAL (22, Invalid argument); type 9 is not a supported VM type");
        }
    }

    /** §3.3 CAPABILITIES: -E2BIG without a needed count; QEMU doubles 6 → 192 then gives up (§7.1). */
    @Test
    void capabilitiesDoublingLikeQemu() {
        List<Integer> nents = new ArrayList<>();
        backend.script = (fd, req, arg) -> {
            if (req != Ioctls.KVM_MEMORY_ENCRYPT_OP) {
                return fd == 3 ? 4 : 0;
            }
            KvmTdxCmd cmd = cmdAt(arg);
            assertThat(cmd.id()).isEqualTo(KvmConstants.KVM_TDX_CAPABILITIES);
            assertThat(cmd.flags()).isZero();
            assertThat(cmd.hwError()).isZero();
            nents.add(ScriptedBackend.at(cmd.data(), 2056).get(JAVA_INT, 2048));
            return -7;
        };
        try (Kvm kvm = Kvm.open(backend); VmFd vm = kvm.createVm(5)) {
            KvmException e = catchThrowableOfType(KvmException.class, () -> QemuProtocols.tdxCapabilities(vm));
            assertThat(e.is(Errno.E2BIG)).isTrue();
            assertThat(e.error().tdxCommand()).contains(KvmTdxCmdId.KVM_TDX_CAPABILITIES);
            assertThat(nents).containsExactly(6, 12, 24, 48, 96, 192);
        }
    }

    @Test
    void capabilitiesSucceedAfterGrowing() {
        backend.script = (fd, req, arg) -> {
            if (req != Ioctls.KVM_MEMORY_ENCRYPT_OP) {
                return 4;
            }
            MemorySegment caps = ScriptedBackend.at(cmdAt(arg).data(), 2056 + 40 * 12);
            if (caps.get(JAVA_INT, 2048) < 9) {
                return -7;
            }
            caps.set(JAVA_LONG, 0, 1L << 28);
            caps.set(JAVA_INT, 2048, 9);
            caps.set(JAVA_INT, 2056 + 40 * 8, 0x80000008);
            return 0;
        };
        try (Kvm kvm = Kvm.open(backend); VmFd vm = kvm.createVm(5)) {
            var caps = QemuProtocols.tdxCapabilities(vm);
            assertThat(caps.supportedAttrs()).isEqualTo(1L << 28);
            assertThat(caps.cpuid().nent()).isEqualTo(9);
            assertThat(caps.cpuid().entries()).hasSize(9);
            assertThat(caps.cpuid().entries().get(8).function()).isEqualTo(0x80000008);
        }
    }

    @Test
    void hwErrorIsReadBackAndNamed() {
        backend.script = (fd, req, arg) -> {
            if (req != Ioctls.KVM_MEMORY_ENCRYPT_OP) {
                return 4;
            }
            ScriptedBackend.at(arg, 24).set(JAVA_LONG, 16, 0xC000010000000045L);
            return -22;
        };
        try (Kvm kvm = Kvm.open(backend); VmFd vm = kvm.createVm(5)) {
            KvmException e = catchThrowableOfType(KvmException.class, vm::tdxFinalizeVm);
            assertThat(e.hwError()).hasValue(0xC000010000000045L);
            assertThat(e.hwErrorName()).contains("STATUS_C000010000000045");
            assertThat(e.getMessage()).contains("KVM_MEMORY_ENCRYPT_OP(KVM_TDX_FINALIZE_VM): EINVAL")
                    .contains("hw_error 0xC000010000000045");
        }
    }

    /** §3.3 GET_CPUID: -E2BIG writes the needed nent; QEMU retries with it. */
    @Test
    void getCpuidRegrowsToReportedCount() {
        List<Integer> nents = new ArrayList<>();
        backend.script = (fd, req, arg) -> {
            if (req != Ioctls.KVM_MEMORY_ENCRYPT_OP) {
                return fd + 1;
            }
            KvmTdxCmd cmd = cmdAt(arg);
            MemorySegment hdr = ScriptedBackend.at(cmd.data(), 8);
            int nent = hdr.get(JAVA_INT, 0);
            nents.add(nent);
            if (nent < 300) {
                hdr.set(JAVA_INT, 0, 300);
                return -7;
            }
            MemorySegment buf = ScriptedBackend.at(cmd.data(), KvmCpuid2.FAM.byteSize(300));
            new KvmCpuidEntry2(0x80000008, 0, 0, 0x00302E2E, 0, 0, 0).encode(KvmCpuid2.FAM.element(buf, 299));
            return 0;
        };
        try (Kvm kvm = Kvm.open(backend); VmFd vm = kvm.createVm(5); VcpuFd v = vm.createVcpu(0)) {
            KvmException e = catchThrowableOfType(KvmException.class, () -> v.tdxGetCpuid(256));
            assertThat(e.error().neededEntries()).hasValue(300);
            KvmCpuid2 c = QemuProtocols.tdxGetCpuid(v);
            assertThat(c.entries()).hasSize(300);
            assertThat(c.entries().get(299).eax()).isEqualTo(0x00302E2E);
            assertThat(nents).containsExactly(256, 256, 300);
        }
    }

    @Test
    void initMemRegionResumesFromWrittenBackProgress() {
        List<KvmTdxInitMemRegion> seen = new ArrayList<>();
        backend.script = (fd, req, arg) -> {
            if (req != Ioctls.KVM_MEMORY_ENCRYPT_OP) {
                return fd + 1;
            }
            KvmTdxCmd cmd = cmdAt(arg);
            assertThat(cmd.flags()).isEqualTo(KvmConstants.KVM_TDX_MEASURE_MEMORY_REGION);
            MemorySegment s = ScriptedBackend.at(cmd.data(), 24);
            KvmTdxInitMemRegion r = KvmTdxInitMemRegion.decode(s);
            seen.add(r);
            long done = Math.min(2, r.nrPages());
            new KvmTdxInitMemRegion(r.sourceAddr() + done * 4096, r.gpa() + done * 4096, r.nrPages() - done).encode(s);
            return r.nrPages() > 2 ? -4 : 0;
        };
        try (Kvm kvm = Kvm.open(backend); VmFd vm = kvm.createVm(5); VcpuFd v = vm.createVcpu(0)) {
            KvmTdxInitMemRegion end = QemuProtocols.tdxInitMemRegion(v, new KvmTdxInitMemRegion(0x10000, 0x800000, 5), true);
            assertThat(end).isEqualTo(new KvmTdxInitMemRegion(0x15000, 0x805000, 0));
            assertThat(seen).extracting(KvmTdxInitMemRegion::nrPages).containsExactly(5L, 3L, 1L);
        }
    }

    @Test
    void vcpuSubCommandsUseTheirIds() {
        List<Integer> ids = new ArrayList<>();
        backend.script = (fd, req, arg) -> {
            if (req == Ioctls.KVM_MEMORY_ENCRYPT_OP) {
                KvmTdxCmd c = cmdAt(arg);
                ids.add(c.id());
                if (c.id() == KvmConstants.KVM_TDX_INIT_VCPU) {
                    assertThat(c.data()).isEqualTo(0xABCD000L);
                }
            }
            return req == Ioctls.KVM_CREATE_VM || req == Ioctls.KVM_CREATE_VCPU ? fd + 1 : 0;
        };
        try (Kvm kvm = Kvm.open(backend); VmFd vm = kvm.createVm(5); VcpuFd v = vm.createVcpu(0)) {
            v.tdxInitVcpu(0xABCD000L);
            v.tdxGetCpuid(4);
            vm.tdxFinalizeVm();
            assertThat(vm.memoryEncryptOp(77, 0, 0).id()).isEqualTo(77);
        }
        assertThat(ids).containsExactly(2, 5, 4, 77);
    }

    @Test
    void unknownSubCommandErrorHasNoTdxName() {
        backend.script = (fd, req, arg) -> req == Ioctls.KVM_MEMORY_ENCRYPT_OP ? -22 : 4;
        try (Kvm kvm = Kvm.open(backend); VmFd vm = kvm.createVm(5)) {
            KvmException e = catchThrowableOfType(KvmException.class, () -> vm.memoryEncryptOp(6, 0, 0));
            assertThat(e.error().tdxCommand()).isEmpty();
            assertThatThrownBy(() -> vm.memoryEncryptOp(0, 1, 0)).isInstanceOf(KvmException.class);
        }
    }
}
