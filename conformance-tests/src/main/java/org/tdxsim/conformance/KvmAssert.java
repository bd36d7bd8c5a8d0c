package org.tdxsim.conformance;

import static org.assertj.core.api.Assertions.fail;

import java.util.OptionalLong;
import org.tdxsim.kvm.KvmException;
import org.tdxsim.kvm.uapi.Errno;

/**
 * Assertions on KVM calls that say what was expected, which spec row demanded it, and what actually
 * happened — including the backend's explanation (the simulated kernel's reason; a real kernel gives
 * only the number).
 */
public final class KvmAssert {

    private KvmAssert() {
    }

    /** A KVM call under test. */
    @FunctionalInterface
    public interface Call {
        void run() throws Exception;
    }

    /**
     * Asserts that {@code call} fails with {@code expected}.
     *
     * @param rule the spec row, e.g. {@code "uapi §3.3 KVM_TDX_INIT_VM step 4: reserved[12] not all zero"}
     * @return the exception, for further checks (hw_error)
     */
    public static KvmException fails(Errno expected, String rule, Call call) {
        try {
            call.run();
        } catch (KvmException e) {
            if (!e.is(expected)) {
                fail("expected %s (%s) but got %s", expected.name(), rule, e.error().describe());
            }
            return e;
        } catch (Exception e) {
            fail("expected %s (%s) but the call threw %s", expected.name(), rule, e);
        }
        return fail("expected %s (%s) but the call succeeded", expected.name(), rule);
    }

    /** Asserts that {@code call} fails with {@code expected} and {@code hw_error} = 0 (KVM's own refusal). */
    public static KvmException failsInKvm(Errno expected, String rule, Call call) {
        KvmException e = fails(expected, rule, call);
        OptionalLong hw = e.hwError();
        if (hw.isPresent() && hw.getAsLong() != 0) {
            fail("expected KVM itself to refuse with %s and hw_error 0 (%s), but the TDX module was called: %s",
                    expected.name(), rule, e.error().describe());
        }
        return e;
    }

    /** Asserts that {@code call} succeeds, reporting the errno and explanation if it does not. */
    public static void succeeds(String rule, Call call) {
        try {
            call.run();
        } catch (KvmException e) {
            fail("expected success (%s) but got %s", rule, e.error().describe());
        } catch (Exception e) {
            fail("expected success (%s) but the call threw %s", rule, e);
        }
    }
}
