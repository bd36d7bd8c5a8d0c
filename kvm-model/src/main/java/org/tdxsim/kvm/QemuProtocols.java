package org.tdxsim.kvm;

import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmTdxCapabilities;
import org.tdxsim.kvm.uapi.KvmTdxInitMemRegion;
import org.tdxsim.kvm.uapi.KvmTdxInitVm;

/**
 * The retry and buffer-growing loops QEMU's {@code target/i386/kvm/tdx.c} wraps around the TDX
 * sub-commands (kvm-tdx-uapi.md §7.1, field-notes §2.1/§2.3/§2.4), kept apart from the one-ioctl
 * methods of {@link VmFd}/{@link VcpuFd} because on Linux the protocol is the caller's.
 */
public final class QemuProtocols {
    private QemuProtocols() {}

    /** QEMU's first KVM_TDX_CAPABILITIES guess: "first generation of TDX reports 6 cpuid configs". */
    public static final int CAPABILITIES_INITIAL_NENT = 6;
    /** QEMU's KVM_TDX_INIT_VM retry budget on -EAGAIN (TDX_RND_NO_ENTROPY). */
    public static final int INIT_VM_EAGAIN_RETRIES = 10000;

    /**
     * QEMU {@code get_tdx_capabilities}: start with 6 entries and double on -E2BIG (KVM does not say
     * how many are needed); once the doubled size exceeds {@link KvmConstants#KVM_MAX_CPUID_ENTRIES}
     * give up with the last -E2BIG. Sizes tried: 6, 12, 24, 48, 96, 192.
     */
    public static KvmTdxCapabilities tdxCapabilities(VmFd vm) {
        int nent = CAPABILITIES_INITIAL_NENT;
        while (true) {
            try {
                return vm.tdxCapabilities(nent);
            } catch (KvmException e) {
                if (!e.is(Errno.E2BIG) || nent * 2 > KvmConstants.KVM_MAX_CPUID_ENTRIES) {
                    throw e;
                }
                nent *= 2;
            }
        }
    }

    /**
     * QEMU {@code tdx_fetch_cpuid}: KVM_TDX_GET_CPUID with {@link KvmConstants#KVM_MAX_CPUID_ENTRIES},
     * and on -E2BIG once more with the {@code nent} KVM wrote back.
     */
    public static KvmCpuid2 tdxGetCpuid(VcpuFd vcpu) {
        try {
            return vcpu.tdxGetCpuid(KvmConstants.KVM_MAX_CPUID_ENTRIES);
        } catch (KvmException e) {
            if (e.is(Errno.E2BIG) && e.error().neededEntries().isPresent()) {
                return vcpu.tdxGetCpuid(e.error().neededEntries().getAsInt());
            }
            throw e;
        }
    }

    /** QEMU {@code tdx_pre_create_vcpu}: KVM_TDX_INIT_VM, retried up to 10000 times on -EAGAIN. */
    public static void tdxInitVm(VmFd vm, KvmTdxInitVm initVm) {
        for (int attempt = 1; ; attempt++) {
            try {
                vm.tdxInitVm(initVm);
                return;
            } catch (KvmException e) {
                if (!e.is(Errno.EAGAIN) || attempt >= INIT_VM_EAGAIN_RETRIES) {
                    throw e;
                }
            }
        }
    }

    /**
     * QEMU {@code tdx_finalize_vm}'s region loop: KVM_TDX_INIT_MEM_REGION, resuming from the
     * written-back region while KVM answers -EAGAIN or -EINTR.
     */
    public static KvmTdxInitMemRegion tdxInitMemRegion(VcpuFd vcpu, KvmTdxInitMemRegion region, boolean measure) {
        KvmTdxInitMemRegion r = region;
        while (true) {
            try {
                return vcpu.tdxInitMemRegion(r, measure);
            } catch (KvmException e) {
                if (!(e.is(Errno.EAGAIN) || e.is(Errno.EINTR)) || e.error().regionProgress().isEmpty()) {
                    throw e;
                }
                r = e.error().regionProgress().get();
            }
        }
    }
}
