package org.tdxsim.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.tdxsim.kvm.uapi.Ioctls;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCreateGuestMemfd;
import org.tdxsim.kvm.uapi.KvmEnableCap;
import org.tdxsim.kvm.uapi.KvmMemoryAttributes;
import org.tdxsim.kvm.uapi.KvmTdxCapabilities;
import org.tdxsim.kvm.uapi.KvmTdxCmdId;
import org.tdxsim.kvm.uapi.KvmTdxInitVm;
import org.tdxsim.kvm.uapi.KvmUserspaceMemoryRegion2;

/**
 * A VM fd (rust-vmm {@code VmFd}, {@code ioctls/vm.rs}) with the VM-fd TDX sub-commands
 * (kvm-tdx-uapi.md §1: CAPABILITIES, INIT_VM, FINALIZE_VM). Buffer growing is the caller's, as on
 * Linux; {@link QemuProtocols} has QEMU's loops.
 */
public final class VmFd extends FdHandle {

    VmFd(KvmBackend backend, int fd) {
        super(backend, fd);
    }

    /** KVM_CHECK_EXTENSION on the VM fd (per-VM answers, e.g. KVM_CAP_MAX_VCPUS for a TD). */
    public int checkExtension(int cap) {
        return (int) ioctl(Ioctls.KVM_CHECK_EXTENSION, Integer.toUnsignedLong(cap));
    }

    /** KVM_CREATE_VCPU({@code id}). For a TD: only after KVM_TDX_INIT_VM and before finalization. */
    public VcpuFd createVcpu(long id) {
        int vcpufd = (int) ioctl(Ioctls.KVM_CREATE_VCPU, id);
        return new VcpuFd(backend, vcpufd, this);
    }

    /** KVM_ENABLE_CAP with the given struct. */
    public void enableCap(KvmEnableCap cap) {
        try (Arena a = backend.memory().openArena()) {
            ioctl(Ioctls.KVM_ENABLE_CAP, cap.encode(a).address());
        }
    }

    /** KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP, args[0] = number of IOAPIC pins), required for TDX vCPUs. */
    public void enableSplitIrqchip(int ioapicPins) {
        enableCap(KvmEnableCap.of(KvmConstants.KVM_CAP_SPLIT_IRQCHIP, ioapicPins));
    }

    /** KVM_SET_TSC_KHZ on the VM fd (the default TSC of vCPUs created later). */
    public void setTscKhz(long khz) {
        ioctl(Ioctls.KVM_SET_TSC_KHZ, khz);
    }

    /**
     * KVM_GET_TSC_KHZ on the VM fd: {@code kvm->arch.default_tsc_khz}, the TSC frequency vCPUs created
     * from now on start with (the host's unless KVM_SET_TSC_KHZ changed it; for a TD also what
     * KVM_TDX_INIT_VM puts into TD_PARAMS.TSC_FREQUENCY, in 25 MHz units).
     */
    public long getTscKhz() {
        return ioctl(Ioctls.KVM_GET_TSC_KHZ, 0);
    }

    /** KVM_SET_USER_MEMORY_REGION2. */
    public void setUserMemoryRegion2(KvmUserspaceMemoryRegion2 region) {
        try (Arena a = backend.memory().openArena()) {
            ioctl(Ioctls.KVM_SET_USER_MEMORY_REGION2, region.encode(a).address());
        }
    }

    /** KVM_CREATE_GUEST_MEMFD; the result is a new fd. */
    public GuestMemfd createGuestMemfd(KvmCreateGuestMemfd request) {
        try (Arena a = backend.memory().openArena()) {
            int gfd = (int) ioctl(Ioctls.KVM_CREATE_GUEST_MEMFD, request.encode(a).address());
            return new GuestMemfd(backend, gfd, request.size());
        }
    }

    /** KVM_CREATE_GUEST_MEMFD of {@code size} bytes, flags 0. */
    public GuestMemfd createGuestMemfd(long size) {
        return createGuestMemfd(KvmCreateGuestMemfd.of(size, 0));
    }

    /** KVM_SET_MEMORY_ATTRIBUTES (e.g. {@code KVM_MEMORY_ATTRIBUTE_PRIVATE} over a GPA range). */
    public void setMemoryAttributes(KvmMemoryAttributes attributes) {
        try (Arena a = backend.memory().openArena()) {
            ioctl(Ioctls.KVM_SET_MEMORY_ATTRIBUTES, attributes.encode(a).address());
        }
    }

    /**
     * KVM_TDX_CAPABILITIES with room for {@code nent} CPUID entries. -E2BIG if {@code nent} is below
     * the module's CPUID_CONFIG count; KVM does <em>not</em> report the needed count (§3.3), so grow
     * blindly ({@link QemuProtocols#tdxCapabilities(VmFd)} doubles from 6 like QEMU).
     */
    public KvmTdxCapabilities tdxCapabilities(int nent) {
        try (Arena a = backend.memory().openArena()) {
            MemorySegment caps = KvmTdxCapabilities.FAM.allocate(a, capacityFor(nent));
            KvmTdxCapabilities.FAM.setCount(caps, nent);
            check(KvmTdxCmdId.KVM_TDX_CAPABILITIES, tdxCall(a, KvmTdxCmdId.KVM_TDX_CAPABILITIES, 0, caps.address()));
            return KvmTdxCapabilities.decode(caps);
        }
    }

    /**
     * KVM_TDX_INIT_VM. On -EINVAL from TDH.MNG.INIT the exception carries {@code hw_error}; -EAGAIN
     * means the module had no entropy (retry; {@link QemuProtocols#tdxInitVm} does, like QEMU).
     */
    public void tdxInitVm(KvmTdxInitVm initVm) {
        try (Arena a = backend.memory().openArena()) {
            MemorySegment s = initVm.encode(a);
            check(KvmTdxCmdId.KVM_TDX_INIT_VM, tdxCall(a, KvmTdxCmdId.KVM_TDX_INIT_VM, 0, s.address()));
        }
    }

    /** KVM_TDX_FINALIZE_VM (TDH.MR.FINALIZE); -EBUSY on TDX_OPERAND_BUSY, hw_error reported. */
    public void tdxFinalizeVm() {
        try (Arena a = backend.memory().openArena()) {
            check(KvmTdxCmdId.KVM_TDX_FINALIZE_VM, tdxCall(a, KvmTdxCmdId.KVM_TDX_FINALIZE_VM, 0, 0));
        }
    }
}
