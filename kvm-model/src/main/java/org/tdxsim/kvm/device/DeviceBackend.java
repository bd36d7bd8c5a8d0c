package org.tdxsim.kvm.device;

import com.google.common.collect.ImmutableSortedSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.tdxsim.kvm.KvmBackend;
import org.tdxsim.kvm.UserMemory;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.Ioctls;

/**
 * The hardware transport: the same {@code open/close/ioctl} the simulated kernel answers, issued on
 * the real {@code /dev/kvm} through {@code java.lang.foreign} (see {@link Libc} for the calling
 * discipline). The typed client above encodes every argument to the bytes the kernel reads, so this
 * class knows nothing about KVM structs: it moves a request number and an {@code unsigned long}.
 *
 * <p>File descriptors: every fd this backend hands out — from {@link #open} and from the ioctls that
 * return a new fd ({@code KVM_CREATE_VM}, {@code KVM_CREATE_VCPU}, {@code KVM_CREATE_GUEST_MEMFD},
 * uapi §1) — is recorded until {@link #close(int)} closes it; {@link #close()} closes whatever is
 * still open. Each fd is closed exactly once: an fd already closed is forgotten before close(2) runs.
 *
 * <p>After {@link #close()} the backend refuses further calls with {@code -EBADF} (no fd of a closed
 * backend is valid any more) rather than throwing.
 *
 * <p>Thread safety: calls may come from any thread; each call uses its own confined arena.
 */
public final class DeviceBackend implements KvmBackend {

    /** The KVM system device. */
    public static final String DEV_KVM = "/dev/kvm";

    private final DeviceMemory memory = new DeviceMemory();
    private final Set<Integer> openFds = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    @Override
    public String name() {
        return "device";
    }

    /** open(2) with {@code O_RDWR | O_CLOEXEC} (the flags QEMU and kvm-ioctls use for /dev/kvm). */
    @Override
    public int open(String path) {
        if (closed) {
            return Errno.EBADF.negated();
        }
        int fd = Libc.open(path, Libc.O_RDWR | Libc.O_CLOEXEC);
        if (fd >= 0) {
            openFds.add(fd);
        }
        return fd;
    }

    @Override
    public int close(int fd) {
        // Forget first: once close(2) has run the number may be reused by another open.
        openFds.remove(fd);
        return Libc.close(fd);
    }

    @Override
    public long ioctl(int fd, long request, long arg) {
        if (closed) {
            return Errno.EBADF.negated();
        }
        long rc = Libc.ioctl(fd, request, arg);
        if (rc >= 0 && returnsNewFd(request)) {
            openFds.add((int) rc);
        }
        return rc;
    }

    /** The ioctls whose non-negative result is a new fd this backend then owns (uapi §1). */
    static boolean returnsNewFd(long request) {
        return request == Ioctls.KVM_CREATE_VM || request == Ioctls.KVM_CREATE_VCPU
                || request == Ioctls.KVM_CREATE_GUEST_MEMFD;
    }

    @Override
    public UserMemory memory() {
        return memory;
    }

    /** The fds this backend opened and has not closed yet, ascending (for leak checks and reports). */
    public ImmutableSortedSet<Integer> openDescriptors() {
        return ImmutableSortedSet.copyOf(openFds);
    }

    /**
     * Closes every fd still open. Order does not matter to the kernel: a vCPU or guest_memfd fd holds
     * a reference on its VM, which is destroyed when the last of them is closed.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int fd : ImmutableSortedSet.copyOf(openFds).descendingSet()) {
            close(fd);
        }
    }

    @Override
    public String toString() {
        return "DeviceBackend[" + DEV_KVM + ", open fds " + openDescriptors() + "]";
    }
}
