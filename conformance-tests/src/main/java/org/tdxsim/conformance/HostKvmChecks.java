package org.tdxsim.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.tdxsim.conformance.KvmAssert.fails;
import static org.tdxsim.conformance.KvmAssert.succeeds;

import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.tdxsim.kvm.KvmException;
import org.tdxsim.kvm.VmFd;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;

/**
 * Probe checks that need no TDX: they run for real on any {@code /dev/kvm} (the development machines
 * are AMD hosts without TDX), and on every simulated host.
 */
@DisplayName("HostKvmChecks")
public class HostKvmChecks extends TargetedChecks {

    @Test
    @DisplayName("KVM_GET_API_VERSION returns 12 (uapi §1)")
    void apiVersionIs12() {
        assertThat(host.kvm().getApiVersion()).as("KVM_GET_API_VERSION").isEqualTo(KvmConstants.KVM_API_VERSION);
    }

    @Test
    @DisplayName("KVM_CREATE_VM refuses every type KVM_CAP_VM_TYPES does not list with EINVAL (uapi §1)")
    void createVmRefusesUnlistedTypes() {
        int types = host.vmTypes();
        assumeTrue(types != 0, "KVM_CAP_VM_TYPES is not supported by this kernel (returns 0)");
        for (int type = 0; type < 33; type++) {
            if (type < 32 && (types & (1 << type)) != 0) {
                continue;
            }
            final long t = type;
            fails(Errno.EINVAL, "uapi §1: KVM_CREATE_VM(" + type + ") with types 0x" + Integer.toHexString(types)
                    + " (type < 32 && BIT(type) supported, else -EINVAL)", () -> host.kvm().createVm(t).close());
        }
    }

    @Test
    @DisplayName("KVM_CREATE_VM(KVM_X86_TDX_VM) succeeds exactly when KVM_CAP_VM_TYPES lists bit 5 (uapi §1)")
    void tdxVmTypeMatchesCapability() {
        int types = host.vmTypes();
        assumeTrue(types != 0, "KVM_CAP_VM_TYPES is not supported by this kernel (returns 0)");
        if ((types & (1 << KvmConstants.KVM_X86_TDX_VM)) != 0) {
            succeeds("uapi §1: TDX listed in KVM_CAP_VM_TYPES", () -> host.kvm().createVm(KvmConstants.KVM_X86_TDX_VM).close());
        } else {
            fails(Errno.EINVAL, "uapi §1: TDX not listed in KVM_CAP_VM_TYPES 0x" + Integer.toHexString(types),
                    () -> host.kvm().createVm(KvmConstants.KVM_X86_TDX_VM).close());
        }
    }

    @Test
    @DisplayName("KVM_GET_SUPPORTED_CPUID with nent 0 → E2BIG (uapi §3.3 other ioctls)")
    void supportedCpuidWithNoRoomIsE2big() {
        fails(Errno.E2BIG, "uapi §3.3: KVM_GET_SUPPORTED_CPUID nent < 1", () -> host.kvm().getSupportedCpuid(0));
    }

    @Test
    @DisplayName("KVM_GET_SUPPORTED_CPUID with a buffer too small → E2BIG; with 256 entries it fits (uapi §3.3)")
    void supportedCpuidTooSmallIsE2big() {
        KvmCpuid2 all = host.kvm().getSupportedCpuid(KvmConstants.KVM_MAX_CPUID_ENTRIES);
        assertThat(all.nentUnsigned()).as("entries KVM_GET_SUPPORTED_CPUID returns").isBetween(2L, 256L);
        assertThat(all.entries()).hasSize(all.nent());
        fails(Errno.E2BIG, "uapi §3.3: KVM_GET_SUPPORTED_CPUID buffer smaller than the table",
                () -> host.kvm().getSupportedCpuid(1));
    }

    @Test
    @DisplayName("KVM_GET_SUPPORTED_CPUID 0x80000008: GuestPhysBits = MAXPHYADDR, capped at 48 without 5-level TDP (uapi §4.2)")
    void supportedGuestPhysBitsFollowsMaxPhysAddr() {
        Optional<Integer> eax = host.supportedAddrWidthsEax();
        assumeTrue(eax.isPresent(), "KVM_GET_SUPPORTED_CPUID lists no leaf 0x80000008");
        int phys = eax.get() & 0xFF;
        int virt = (eax.get() >>> 8) & 0xFF;
        int guest = (eax.get() >>> 16) & 0xFF;
        assumeTrue(guest != 0, "GuestPhysBits is 0: TDP is off or the kernel predates 6.10 (uapi §4.2)");
        assertThat(virt).as("0x80000008 EAX[15:8] = max(host linear bits, 48) (uapi §4.2)").isGreaterThanOrEqualTo(48);
        assertThat(guest).as("GuestPhysBits for MAXPHYADDR %d (uapi §4.2: phys, or min(phys, 48) "
                + "when max_tdp_level < 5)", phys).isIn(phys, Math.min(phys, 48));
        host.target().platform().ifPresent(p -> assertThat(guest)
                .as("GuestPhysBits on a host with%s 5-level EPT and MAXPHYADDR %d (uapi §4.2)",
                        p.ept5Level() ? "" : "out", p.maxPhysAddr())
                .isEqualTo(p.ept5Level() ? p.maxPhysAddr() : Math.min(p.maxPhysAddr(), 48)));
    }

    @Test
    @DisplayName("KVM_MEMORY_ENCRYPT_OP with a TDX command on a VMX host's default VM → ENOTTY (uapi §3.1)")
    void tdxCommandOnDefaultVmIsEnotty() {
        assumeTrue(host.hasTdx() || host.target().simulated(),
                "vt_mem_enc_ioctl is VMX's hook; this host has no TDX, so the VM-fd hook may be another "
                        + "vendor's (e.g. SEV on AMD) with its own errno");
        try (VmFd vm = host.kvm().createVm()) {
            KvmException e = fails(Errno.ENOTTY, "uapi §3.1: VM-fd op on a non-TD VM",
                    () -> vm.memoryEncryptOp(KvmConstants.KVM_TDX_CAPABILITIES, 0, 0));
            assertThat(e.hwError()).as("hw_error of a refused dispatch").isEmpty();
        }
    }
}
