/**
 * The simulated kernel: {@link org.tdxsim.kvm.sim.SimulatedKernel}, a {@link org.tdxsim.kvm.KvmBackend}
 * that runs Linux KVM's TDX logic ({@code arch/x86/kvm/vmx/tdx.c}, class {@code Tdx}) over the
 * simulated TDX module, decoding the same bytes the typed client encodes.
 *
 * <h2>Sources and modelling choices</h2>
 * Everything TDX follows kvm-tdx-uapi.md (cited per method). Generic KVM rules the digest does not
 * cover were taken from the kernel sources as known and are listed here so a reader can check them:
 * <ul>
 *   <li>Fd kinds: an unknown ioctl is -EINVAL on /dev/kvm and vCPU fds, -ENOTTY on VM fds and
 *       guest_memfds; a closed or unknown fd is -EBADF. A bugged VM ({@code KVM_BUG_ON}) fails every
 *       later VM and vCPU ioctl with -EIO.</li>
 *   <li>{@code KVM_MAX_VCPUS} = 1024 (default Kconfig), {@code KVM_MAX_VCPU_IDS} = 4096,
 *       KVM_GET_VCPU_MMAP_SIZE = 3 pages, KVM_CAP_EXIT_HYPERCALL = BIT(KVM_HC_MAP_GPA_RANGE = 12),
 *       KVM_CAP_X86_APIC_BUS_CYCLES_NS = 1, {@code KVM_SUPPORTED_XCR0} = 0x602FF and
 *       {@code KVM_SUPPORTED_XSS} = 0 (6.16).</li>
 *   <li>KVM_GET_SUPPORTED_CPUID reports the platform's native leaves (no {@code kvm_cpu_caps}
 *       masking, no paravirt leaves) plus X2APIC and the §4.2 0x80000008 rule.</li>
 *   <li>Memslot, guest_memfd and memory-attribute checks follow {@code kvm_set_memory_region},
 *       {@code kvm_gmem_create}/{@code kvm_gmem_bind} and {@code kvm_vm_ioctl_set_mem_attributes};
 *       dirty logging, read-only slots and slot moves are bookkeeping only.</li>
 *   <li>No KeyID → -ENOSPC ({@code ida_alloc_range}); the misc cgroup is not modelled.</li>
 *   <li>KVM_RUN, KVM_SET_MSRS and vCPU KVM_SET_TSC_KHZ are outside the model: KVM_RUN checks its TDX
 *       preconditions and then answers -EOPNOTSUPP ("guest execution is not simulated"); the others
 *       fall to the vCPU default (-EINVAL, explained as not modelled).</li>
 *   <li>Teardown reclaims private pages with TDH.PHYMEM.PAGE.RECLAIM after TDH.MNG.KEY.FREEID; Linux
 *       removes them with TDH.MEM.RANGE.BLOCK/TRACK/PAGE.REMOVE before, leaves the module model lacks.</li>
 *   <li>User memory is always writable where readable, and calls are serialized under one lock, so
 *       6.19's skipped copy-back for CAPABILITIES and its -EBUSY for in-flight vCPU creation, and the
 *       July 2026 nent-race check, cannot be observed; 6.16's {@code nr_premapped} FINALIZE check is
 *       modelled but needs a TDH.MEM.PAGE.ADD failure after mapping, which the model cannot provoke.</li>
 * </ul>
 */
package org.tdxsim.kvm.sim;
