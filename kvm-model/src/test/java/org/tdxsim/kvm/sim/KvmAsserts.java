package org.tdxsim.kvm.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.tdxsim.kvm.KvmException;
import org.tdxsim.kvm.uapi.Errno;

/** AssertJ helpers for errno results. */
final class KvmAsserts {
    private KvmAsserts() {}

    /** The call fails with exactly {@code errno}; the explanation contains {@code why}. Returns the exception. */
    static KvmException fails(ThrowingCallable call, Errno errno, String why) {
        KvmException e = catchThrowableOfType(KvmException.class, call);
        assertThat(e).as("expected %s", errno).isNotNull();
        assertThat(e.errnoName()).as(e.getMessage()).isEqualTo(errno.name());
        if (why != null) {
            assertThat(e.explanation()).as(e.getMessage()).get().asString().contains(why);
        }
        return e;
    }

    static KvmException fails(ThrowingCallable call, Errno errno) {
        return fails(call, errno, null);
    }

    /** A raw ioctl result is {@code -errno}. */
    static void raw(long result, Errno errno) {
        assertThat(result).as("raw result, expected -%s", errno).isEqualTo(errno.negated());
    }
}
