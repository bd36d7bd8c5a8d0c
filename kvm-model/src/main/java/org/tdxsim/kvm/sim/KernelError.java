package org.tdxsim.kvm.sim;

import org.tdxsim.kvm.uapi.Errno;

/**
 * Internal control flow of the simulated kernel: a check failed with this errno, for this reason.
 * Thrown where the kernel function returns {@code -errno} and caught at the syscall boundary, which
 * turns it into the raw {@code -errno} result and records the reason as the fd's explanation. Never
 * escapes {@link SimulatedKernel}.
 */
final class KernelError extends RuntimeException {
    final Errno errno;

    KernelError(Errno errno, String explanation) {
        super(explanation, null, false, false);
        this.errno = errno;
    }

    static KernelError of(Errno errno, String explanation) {
        return new KernelError(errno, explanation);
    }

    static KernelError of(Errno errno, String format, Object... args) {
        return new KernelError(errno, String.format(format, args));
    }

    String explanation() {
        return getMessage();
    }
}
