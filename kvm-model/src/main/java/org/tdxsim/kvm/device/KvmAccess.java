package org.tdxsim.kvm.device;

import org.tdxsim.kvm.uapi.Errno;

/**
 * Whether this process can use {@code /dev/kvm}: the result of open(2) on it, with the errno turned
 * into what a user should do about it.
 */
public sealed interface KvmAccess {

    /** One line for reports. */
    String describe();

    /** open(2) succeeded. */
    record Accessible(String path) implements KvmAccess {
        @Override
        public String describe() {
            return path + ": accessible";
        }
    }

    /**
     * open(2) failed with {@code errno}.
     *
     * @param path the device path
     * @param errno the positive errno of the failed open
     * @param reason the one-line explanation ({@link #explain})
     */
    record Unavailable(String path, int errno, String reason) implements KvmAccess {
        @Override
        public String describe() {
            return path + ": " + reason;
        }
    }

    /** Classifies the result of {@code open(path)} ({@code fdOrMinusErrno} as a raw syscall returns). */
    static KvmAccess of(String path, int fdOrMinusErrno) {
        if (fdOrMinusErrno >= 0) {
            return new Accessible(path);
        }
        int errno = -fdOrMinusErrno;
        return new Unavailable(path, errno, explain(path, errno));
    }

    /** What an open(2) errno on the KVM device means for the user. */
    static String explain(String path, int errno) {
        String name = Errno.nameOf(errno);
        return switch (Errno.of(errno).orElse(Errno.EIO)) {
            case ENOENT -> name + " — " + path + " does not exist: KVM is not loaded (kvm plus kvm_intel or"
                    + " kvm_amd), virtualization is off in the firmware, or the device was not passed into"
                    + " this container (docker run --device=/dev/kvm)";
            case EACCES, EPERM -> name + " — permission denied on " + path + ": run as a member of its group"
                    + " (usually 'kvm') or as root";
            case ENXIO, ENODEV -> name + " — " + path + " exists but no KVM driver is behind it";
            default -> name + " — cannot open " + path;
        };
    }
}
