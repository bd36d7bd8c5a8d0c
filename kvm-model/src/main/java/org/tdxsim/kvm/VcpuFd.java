package org.tdxsim.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.Ioctls;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmTdxCmdId;
import org.tdxsim.kvm.uapi.KvmTdxInitMemRegion;

/**
 * A vCPU fd (rust-vmm {@code VcpuFd}, {@code ioctls/vcpu.rs}) with the vCPU-fd TDX sub-commands
 * (kvm-tdx-uapi.md §1: INIT_VCPU, INIT_MEM_REGION, GET_CPUID). The vCPU path never copies the
 * command back, so these failures carry no {@code hw_error} (§3.1).
 */
public final class VcpuFd extends FdHandle {
    private final VmFd vm;

    VcpuFd(KvmBackend backend, int fd, VmFd vm) {
        super(backend, fd);
        this.vm = vm;
    }

    /** The VM this vCPU was created on. */
    public VmFd vm() {
        return vm;
    }

    /** KVM_RUN. For a TD: -EINVAL unless this vCPU is initialized and the TD finalized (§6). */
    public void run() {
        ioctl(Ioctls.KVM_RUN, 0);
    }

    /** KVM_SET_CPUID2 with exactly these entries ({@code nent = entries.size()} unless set otherwise). */
    public void setCpuid2(KvmCpuid2 cpuid) {
        try (Arena a = backend.memory().openArena()) {
            ioctl(Ioctls.KVM_SET_CPUID2, cpuid.encode(a).address());
        }
    }

    /** KVM_GET_CPUID2 with a buffer of {@code nent} entries. */
    public KvmCpuid2 getCpuid2(int nent) {
        try (Arena a = backend.memory().openArena()) {
            MemorySegment buf = KvmCpuid2.FAM.allocate(a, capacityFor(nent));
            KvmCpuid2.FAM.setCount(buf, nent);
            ioctl(Ioctls.KVM_GET_CPUID2, buf.address());
            return KvmCpuid2.decode(buf);
        }
    }

    /** KVM_GET_TSC_KHZ on the vCPU fd: {@code vcpu->arch.virtual_tsc_khz}, this vCPU's TSC frequency in kHz. */
    public long getTscKhz() {
        return ioctl(Ioctls.KVM_GET_TSC_KHZ, 0);
    }

    /** KVM_TDX_INIT_VCPU with {@code data} = the initial guest RCX (QEMU passes the TD HOB GPA). */
    public void tdxInitVcpu(long rcx) {
        try (Arena a = backend.memory().openArena()) {
            check(KvmTdxCmdId.KVM_TDX_INIT_VCPU, tdxCall(a, KvmTdxCmdId.KVM_TDX_INIT_VCPU, 0, rcx));
        }
    }

    /**
     * KVM_TDX_INIT_MEM_REGION: copies {@code region.nrPages()} pages from the user address
     * {@code region.sourceAddr()} to private {@code region.gpa()}, extending the measurement if
     * {@code measure}. Returns the region as KVM wrote it back (all pages done: {@code nrPages == 0});
     * on failure the exception's {@link KvmError#regionProgress()} holds the written-back region for
     * resuming (§3.3 step 5).
     */
    public KvmTdxInitMemRegion tdxInitMemRegion(KvmTdxInitMemRegion region, boolean measure) {
        return tdxInitMemRegion(region, measure ? KvmConstants.KVM_TDX_MEASURE_MEMORY_REGION : 0);
    }

    /** {@link #tdxInitMemRegion(KvmTdxInitMemRegion, boolean)} with raw {@code kvm_tdx_cmd.flags}. */
    public KvmTdxInitMemRegion tdxInitMemRegion(KvmTdxInitMemRegion region, int flags) {
        try (Arena a = backend.memory().openArena()) {
            MemorySegment s = region.encode(a);
            TdxReply reply = tdxCall(a, KvmTdxCmdId.KVM_TDX_INIT_MEM_REGION, flags, s.address());
            KvmTdxInitMemRegion after = KvmTdxInitMemRegion.decode(s);
            if (reply.result() < 0) {
                throw new KvmException(tdxError(KvmTdxCmdId.KVM_TDX_INIT_MEM_REGION, reply).withRegionProgress(after));
            }
            return after;
        }
    }

    /**
     * KVM_TDX_GET_CPUID with room for {@code nent} entries. On -E2BIG KVM writes the needed count
     * into {@code nent} (§3.3), which the exception carries as {@link KvmError#neededEntries()}.
     */
    public KvmCpuid2 tdxGetCpuid(int nent) {
        try (Arena a = backend.memory().openArena()) {
            MemorySegment buf = KvmCpuid2.FAM.allocate(a, capacityFor(nent));
            KvmCpuid2.FAM.setCount(buf, nent);
            TdxReply reply = tdxCall(a, KvmTdxCmdId.KVM_TDX_GET_CPUID, 0, buf.address());
            if (reply.result() < 0) {
                KvmError e = tdxError(KvmTdxCmdId.KVM_TDX_GET_CPUID, reply);
                if (e.is(Errno.E2BIG)) {
                    e = e.withNeededEntries(KvmCpuid2.FAM.count(buf));
                }
                throw new KvmException(e);
            }
            return KvmCpuid2.decode(buf);
        }
    }
}
