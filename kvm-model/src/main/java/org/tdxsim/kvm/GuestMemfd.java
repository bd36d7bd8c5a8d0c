package org.tdxsim.kvm;

/**
 * A {@code guest_memfd} returned by KVM_CREATE_GUEST_MEMFD: private memory that userspace cannot
 * map, bound to a memslot with {@code KVM_MEM_GUEST_MEMFD}. Only its fd number is needed by the API.
 */
public final class GuestMemfd extends FdHandle {
    private final long size;

    GuestMemfd(KvmBackend backend, int fd, long size) {
        super(backend, fd);
        this.size = size;
    }

    /** The size requested at creation. */
    public long size() {
        return size;
    }
}
