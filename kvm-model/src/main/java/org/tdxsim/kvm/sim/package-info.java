/**
 * The simulated kernel: {@link org.tdxsim.kvm.sim.SimulatedKernel}, a {@link org.tdxsim.kvm.KvmBackend}
 * that runs Linux KVM's TDX logic ({@code arch/x86/kvm/vmx/tdx.c}, class {@code Tdx}) over the
 * simulated TDX module, decoding the same bytes the typed client encodes.
 *
 * <h2>Sources and modelling choices</h2>
 * Everything TDX follows kvm-tdx-uapi.md (cited per method); where it was not enough, the kernel
 * source was read (KT0511/linux-6.16.1 and kvm-x86/linux {@code tdx.c}, the 6.19 lock-guard series
 * [S23]) and the function is named in the javadoc. Generic KVM rules the digest does not cover were
 * taken from the kernel sources as known and are listed here so a reader can check them:
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
 *   <li>KVM_GET_TSC_KHZ: the VM's {@code default_tsc_khz} on a VM fd, the vCPU's
 *       {@code virtual_tsc_khz} (the VM default when it was created) on a vCPU fd, argument
 *       ignored.</li>
 *   <li>KVM_RUN, KVM_SET_MSRS and vCPU KVM_SET_TSC_KHZ are outside the model: KVM_RUN checks its TDX
 *       preconditions and the vCPU's TDP level (§4.5: a mismatch bugs the VM, -EIO), then answers
 *       -EOPNOTSUPP ("guest execution is not simulated"); the others
 *       fall to the vCPU default (-EINVAL, explained as not modelled).</li>
 * </ul>
 *
 * <h2>Failure paths</h2>
 * The module's {@code FaultInjector} ({@code TdxModule.faults()}) makes the module return the
 * contention, PCONFIG and entropy statuses it really returns, so KVM's handling of them runs for
 * real: every SEAMCALL goes through {@code sc_retry} (up to 10 tries on TDX_RND_NO_ENTROPY); TD
 * creation maps entropy exhaustion to -EAGAIN (QEMU retries), TDH.MNG.KEY.CONFIG failures to a
 * KVM_BUG_ON, other creation failures to -EIO with the half-built TD torn down; 6.16 INIT_MEM_REGION
 * answers -EBUSY on a busy TDH.MEM.PAGE.ADD and leaves the page premapped so FINALIZE answers -EINVAL
 * ({@code nr_premapped}) until it is retried, while 6.19 retries busy S-EPT updates inside its fault
 * loop; FINALIZE answers -EBUSY with {@code hw_error}; a failed HKID release leaks the KeyID and
 * every TD page.
 *
 * <h2>Concurrency</h2>
 * The kernel is thread-safe: one lock for the fd table, one per VM for everything on that VM (a
 * single lock standing for {@code kvm->lock}, every {@code vcpu->mutex} and {@code slots_lock}).
 * KVM_CREATE_VCPU releases it between {@code created_vcpus++} and going online, as the kernel does,
 * and {@code SimulatedKernel.setVcpuCreationHook} can hold a creation in that window; 6.19's
 * {@code tdx_acquire_vm_state_locks} -EBUSY is observable there, as are the races 6.16 allowed.
 *
 * <h2>Not modelled, and why</h2>
 * <ul>
 *   <li>Private leaf pages: Linux removes them with TDH.MEM.RANGE.BLOCK, TDH.MEM.TRACK,
 *       TDH.MEM.PAGE.REMOVE and TDH.PHYMEM.PAGE.WBINVD while the HKID is still assigned (at
 *       guest_memfd release). The module model has none of these leaves, so closing a guest_memfd
 *       zaps nothing and the pages are reclaimed with TDH.PHYMEM.PAGE.RECLAIM right after
 *       TDH.MNG.KEY.FREEID; the TDR's TDH.PHYMEM.PAGE.WBINVD is skipped. The rest of the teardown
 *       follows 6.16's order (see {@code Tdx.destroyVm}).</li>
 *   <li>6.16's INIT_MEM_REGION with a TDH.MEM.PAGE.ADD failure other than busy, and 6.19's
 *       TDH.MEM.PAGE.ADD KVM_BUG_ON: implemented, but unreachable — KVM validates every operand first
 *       and the module's only other failures there are contention, which is busy.</li>
 *   <li>The latest tree's INIT_VM check that {@code cpuid.nent} did not change between its two reads
 *       ([S25]): the simulated kernel reads user memory without yielding between the two reads, so no
 *       other thread can change it in between; the check could never fire.</li>
 *   <li>Signals: {@code signal_pending} (-EINTR in the INIT_MEM_REGION and fault loops,
 *       {@code kvm_lock_all_vcpus}) never fires here.</li>
 * </ul>
 */
package org.tdxsim.kvm.sim;
