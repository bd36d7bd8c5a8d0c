package org.tdxsim.kvm;

import java.util.Optional;

/**
 * Optional capability of a {@link KvmBackend}: the reason behind its last failure on an fd. The
 * simulated kernel implements it (every errno it returns comes with the kernel's reason, and every
 * {@code hw_error} with the simulator's explanation); the device backend does not, because the real
 * kernel only returns a number. The typed client copies the text into {@link KvmException}.
 */
public interface KvmExplainer {

    /** The explanation of the last failed ioctl on {@code fd}, empty after a success or if none. */
    Optional<String> lastExplanation(int fd);

    /**
     * A name for a TDX module completion status ({@code hw_error}), e.g.
     * {@code TDX_OPERAND_INVALID|CPUID_CONFIG(69)}, using the backend's own module version.
     */
    Optional<String> statusName(long status);
}
