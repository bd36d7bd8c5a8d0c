package org.tdxsim.kvm;

/**
 * The transport under the typed client: the three system calls a VMM uses to talk to KVM, with the
 * kernel's calling convention. Two implementations exist: the simulated kernel (KVM's TDX logic over
 * the simulated TDX module) and the device backend ({@code java.lang.foreign} on a real
 * {@code /dev/kvm}). The typed client encodes every argument to the same bytes for both, so swapping
 * the backend swaps only the transport ("one codec, two transports", design.md).
 *
 * <p>Return values follow the raw syscall convention: a non-negative result, or {@code -errno}.
 * Nothing here throws for a kernel-level failure; the typed client turns {@code -errno} into a
 * {@code KvmException}.
 */
public interface KvmBackend extends AutoCloseable {

    /** Short name for reports: {@code "sim"} or {@code "device"}. */
    String name();

    /** open(2) of a device path with {@code O_RDWR | O_CLOEXEC}; a new fd, or {@code -errno}. */
    int open(String path);

    /** close(2); 0, or {@code -errno} (e.g. {@code -EBADF}). Every fd is closed exactly once. */
    int close(int fd);

    /**
     * ioctl(2). {@code arg} is what the kernel receives as {@code unsigned long}: an immediate value
     * (KVM_CREATE_VM type, KVM_CREATE_VCPU id, KVM_CHECK_EXTENSION cap) or the address of a struct in
     * {@link #memory() user memory}.
     *
     * @return the ioctl's non-negative result, or {@code -errno}
     */
    long ioctl(int fd, long request, long arg);

    /** The user address space that struct pointers passed to {@link #ioctl} must live in. */
    UserMemory memory();

    /** Releases what the backend holds (fds it still owns, native arenas). Idempotent. */
    @Override
    void close();
}
