package org.tdxsim.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.Ioctls;
import org.tdxsim.kvm.uapi.KvmTdxCmd;
import org.tdxsim.kvm.uapi.KvmTdxCmdId;
import org.tdxsim.module.profile.ModuleProfiles;
import org.tdxsim.module.status.TdxStatus;

/**
 * One open KVM file descriptor of a {@link KvmBackend}, in the style of rust-vmm kvm-ioctls (a
 * handle per fd, one error type). Closed exactly once: {@link #close()} is idempotent, and after
 * it every call fails with {@code EBADF} without reaching the backend (the fd number may already
 * belong to someone else).
 */
public abstract sealed class FdHandle implements AutoCloseable permits Kvm, VmFd, VcpuFd, GuestMemfd {
    protected final KvmBackend backend;
    private final int fd;
    private boolean closed;

    FdHandle(KvmBackend backend, int fd) {
        this.backend = backend;
        this.fd = fd;
    }

    /** The fd number in the backend's fd table. */
    public int fd() {
        return fd;
    }

    public KvmBackend backend() {
        return backend;
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * The raw ioctl on this fd: the backend's result ({@code -errno} on failure), no exception. For
     * byte-level tests and fuzzers that build their own arguments; a closed handle gives
     * {@code -EBADF} without calling the backend.
     */
    public long rawIoctl(long request, long arg) {
        if (closed) {
            return Errno.EBADF.negated();
        }
        return backend.ioctl(fd, request, arg);
    }

    /** {@link #rawIoctl} that throws {@link KvmException} on {@code -errno}. */
    protected long ioctl(long request, long arg) {
        long r = rawIoctl(request, arg);
        if (r < 0) {
            throw new KvmException(error(request, r));
        }
        return r;
    }

    /** The error for a negative result, with the backend's explanation if it has one. */
    protected KvmError error(long request, long result) {
        Optional<String> why = closed ? Optional.of("this handle (fd " + fd + ") was already closed")
                : explanation();
        return KvmError.of((int) -result, Ioctls.describe(request), why);
    }

    private Optional<String> explanation() {
        return backend instanceof KvmExplainer ex ? ex.lastExplanation(fd) : Optional.empty();
    }

    /** The status name of a {@code hw_error}: the backend's module version, else the newest built-in. */
    protected Optional<String> statusName(long status) {
        if (backend instanceof KvmExplainer ex) {
            return ex.statusName(status);
        }
        return Optional.of(TdxStatus.of(status).describe(ModuleProfiles.latest()));
    }

    /** What KVM_MEMORY_ENCRYPT_OP returned and the {@code kvm_tdx_cmd} bytes afterwards. */
    protected record TdxReply(long result, KvmTdxCmd after) {}

    /**
     * Issues KVM_MEMORY_ENCRYPT_OP with a {@code kvm_tdx_cmd} encoded in {@code arena}; returns the
     * raw result and the command as the kernel left it (6.16 copies it back on the VM path only).
     */
    protected TdxReply tdxCall(Arena arena, KvmTdxCmdId id, int flags, long data) {
        MemorySegment cmd = KvmTdxCmd.of(id, flags, data).encode(arena);
        long r = rawIoctl(Ioctls.KVM_MEMORY_ENCRYPT_OP, cmd.address());
        return new TdxReply(r, KvmTdxCmd.decode(cmd));
    }

    /** The error of a failed TDX sub-command, with {@code hw_error} decoded. */
    protected KvmError tdxError(KvmTdxCmdId id, TdxReply reply) {
        long hw = reply.after().hwError();
        return error(Ioctls.KVM_MEMORY_ENCRYPT_OP, reply.result()).withTdx(id, hw,
                hw == 0 ? Optional.empty() : statusName(hw));
    }

    /** Throws if the reply is a failure. */
    protected void check(KvmTdxCmdId id, TdxReply reply) {
        if (reply.result() < 0) {
            throw new KvmException(tdxError(id, reply));
        }
    }

    /**
     * {@code KVM_MEMORY_ENCRYPT_OP} with a caller-built {@code kvm_tdx_cmd} ({@code id}, {@code flags},
     * {@code data} as given, {@code hw_error} 0): the generic form of every TDX sub-command, like
     * rust-vmm's {@code encrypt_op}. Returns the command as the kernel left it.
     *
     * @throws KvmException on {@code -errno}
     */
    public KvmTdxCmd memoryEncryptOp(int id, int flags, long data) {
        try (Arena a = backend.memory().openArena()) {
            MemorySegment cmd = new KvmTdxCmd(id, flags, data, 0).encode(a);
            long r = rawIoctl(Ioctls.KVM_MEMORY_ENCRYPT_OP, cmd.address());
            KvmTdxCmd after = KvmTdxCmd.decode(cmd);
            if (r < 0) {
                KvmError e = error(Ioctls.KVM_MEMORY_ENCRYPT_OP, r);
                Optional<KvmTdxCmdId> known = KvmTdxCmdId.fromId(id);
                if (known.isPresent()) {
                    e = e.withTdx(known.get(), after.hwError(),
                            after.hwError() == 0 ? Optional.empty() : statusName(after.hwError()));
                }
                throw new KvmException(e);
            }
            return after;
        }
    }

    /** close(2) of the fd, once. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        int r = backend.close(fd);
        if (r < 0) {
            throw new KvmException(KvmError.of(-r, "close", Optional.empty()));
        }
    }

    /** Capacity to allocate for a caller-given {@code nent}: its unsigned value, bounded to 64 Ki entries. */
    static int capacityFor(int nent) {
        return (int) Math.min(Integer.toUnsignedLong(nent), 1 << 16);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(fd " + fd + (closed ? ", closed" : "") + ")";
    }
}
