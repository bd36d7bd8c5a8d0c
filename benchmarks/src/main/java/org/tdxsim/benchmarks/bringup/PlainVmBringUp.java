package org.tdxsim.benchmarks.bringup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.tdxsim.kvm.Kvm;
import org.tdxsim.kvm.KvmBackend;
import org.tdxsim.kvm.VcpuFd;
import org.tdxsim.kvm.VmFd;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmUserspaceMemoryRegion2;

/**
 * The nearest plain-VM bring-up on a host without TDX (issue #7 target 1, the real-kernel side):
 * KVM_CREATE_VM(KVM_X86_DEFAULT_VM), {@code vcpus} × (KVM_CREATE_VCPU, KVM_SET_CPUID2 with KVM's
 * supported CPUID), one KVM_SET_USER_MEMORY_REGION2 slot of {@code pages} pages at GPA 0, then close
 * of every fd. The supported CPUID and the slot's user memory are obtained once in {@link #prepare}
 * (as a VMM does per process), which also makes this side as cheap as it can honestly be.
 *
 * <p>{@code benchmarks/src/main/c/plain_vm_bringup.c} issues the same ioctls from C, so the typed
 * client's share of the real-kernel figure is visible too.
 */
public final class PlainVmBringUp implements AutoCloseable {

    private final Kvm kvm;
    private final Arena arena;
    private final KvmCpuid2 cpuid;
    private final MemorySegment memory;
    private final int vcpus;
    private final int pages;

    private PlainVmBringUp(KvmBackend backend, Kvm kvm, int vcpus, int pages) {
        this.kvm = kvm;
        this.vcpus = vcpus;
        this.pages = pages;
        this.cpuid = kvm.getSupportedCpuid(KvmConstants.KVM_MAX_CPUID_ENTRIES);
        this.arena = backend.memory().openArena();
        this.memory = arena.allocate(pages * KvmConstants.PAGE_SIZE, KvmConstants.PAGE_SIZE);
    }

    /** Opens {@code /dev/kvm} and reads KVM_GET_SUPPORTED_CPUID once. Confined: use from one thread. */
    public static PlainVmBringUp prepare(KvmBackend backend, int vcpus, int pages) {
        if (vcpus < 1 || pages < 1) {
            throw new IllegalArgumentException("need >= 1 vCPU and >= 1 page, got " + vcpus + ", " + pages);
        }
        Kvm kvm = Kvm.open(backend);
        try {
            return new PlainVmBringUp(backend, kvm, vcpus, pages);
        } catch (RuntimeException e) {
            kvm.close();
            throw e;
        }
    }

    /** The whole measured sequence: create, configure, close. */
    public void buildAndClose() {
        VcpuFd[] fds = new VcpuFd[vcpus];
        try (VmFd vm = kvm.createVm()) {
            try {
                for (int id = 0; id < vcpus; id++) {
                    fds[id] = vm.createVcpu(id);
                    fds[id].setCpuid2(cpuid);
                }
                vm.setUserMemoryRegion2(KvmUserspaceMemoryRegion2.of(0, 0, 0, pages * KvmConstants.PAGE_SIZE,
                        memory.address(), 0, 0));
            } finally {
                for (VcpuFd v : fds) {
                    if (v != null) {
                        v.close();
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        try {
            kvm.close();
        } finally {
            arena.close();
        }
    }
}
