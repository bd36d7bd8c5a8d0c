package org.tdxsim.kvm;

import java.util.Optional;
import java.util.OptionalLong;
import org.tdxsim.kvm.uapi.Errno;

/**
 * The one failure type of the typed client: a KVM ioctl returned {@code -errno}. Carries the
 * {@link KvmError} (errno name/number, ioctl name, TDX sub-command, decoded {@code hw_error},
 * explanation). It is a user-level error, so it has no stack trace.
 */
public final class KvmException extends RuntimeException {
    private final KvmError error;

    public KvmException(KvmError error) {
        super(null, null, false, false);
        this.error = error;
    }

    /** {@link KvmError#describe()}, built when asked for (callers usually read the error's fields). */
    @Override
    public String getMessage() {
        return error.describe();
    }

    public KvmError error() {
        return error;
    }

    /** Positive errno number. */
    public int errno() {
        return error.errno();
    }

    /** {@code EINVAL}, {@code E2BIG}, ... */
    public String errnoName() {
        return error.errnoName();
    }

    public boolean is(Errno e) {
        return error.is(e);
    }

    public String ioctl() {
        return error.ioctl();
    }

    public OptionalLong hwError() {
        return error.hwError();
    }

    public Optional<String> hwErrorName() {
        return error.hwErrorName();
    }

    public Optional<String> explanation() {
        return error.explanation();
    }
}
