package org.tdxsim.kvm.sim;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A {@code guest_memfd} ({@code virt/kvm/guest_memfd.c}): private memory of one VM, allocated page by
 * page from the module's host memory when first used, never mapped into the user address space.
 */
final class GuestMemfdFile {
    final KvmVm vm;
    final long size;
    final long flags;
    /** Page index → host physical address. */
    final Map<Long, Long> pages = new HashMap<>();
    /** Pages populated by KVM_TDX_INIT_MEM_REGION ({@code kvm_gmem_mark_prepared}). */
    final Set<Long> prepared = new HashSet<>();
    boolean fdOpen = true;

    GuestMemfdFile(KvmVm vm, long size, long flags) {
        this.vm = vm;
        this.size = size;
        this.flags = flags;
    }

    long npages() {
        return size / 4096;
    }
}
