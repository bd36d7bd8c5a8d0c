package org.tdxsim.kvm.sim;

/** {@code struct kvm_memory_slot}: a GPA range with its userspace and guest_memfd backing. */
record Memslot(int id, int flags, long baseGfn, long npages, long userspaceAddr, GuestMemfdFile gmem,
               long gmemPgoff) {

    boolean contains(long gfn) {
        return gfn >= baseGfn && gfn - baseGfn < npages;
    }

    boolean canBePrivate() {
        return gmem != null;
    }
}
