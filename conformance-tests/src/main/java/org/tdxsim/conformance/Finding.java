package org.tdxsim.conformance;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a check or property that states an <em>expectation a user would reasonably hold</em> which the
 * spec itself predicts to break in some region of the input space (e.g. "whatever
 * KVM_GET_SUPPORTED_CPUID advertises, KVM_TDX_INIT_VM accepts", broken on hosts whose MAXPHYADDR is
 * below 48, uapi §4.2 "(derived)").
 *
 * <p>When such a check fails, the failure is a <b>finding</b>, not a defect of the system under test:
 * the check ends as "aborted" with a {@link FindingException} carrying the counterexample (so Maven
 * stays green and surefire lists it as skipped with the FINDING text), and {@link ConformanceRunner}
 * counts it in its own FINDINGS column with the counterexample. When it holds, it passes normally.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface Finding {

    /** One line: what the finding is about (shown in summaries). */
    String value();
}
