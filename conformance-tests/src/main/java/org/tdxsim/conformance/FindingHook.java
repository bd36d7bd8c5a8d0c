package org.tdxsim.conformance;

import java.util.stream.Collectors;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * jqwik hook for {@link Finding} properties: a falsified finding property is reported as aborted with a
 * {@link FindingException} carrying jqwik's (shrunk) counterexample, instead of as a failure. Only an
 * {@link AssertionError} counts: any other exception is a defect and stays a failure. A property without
 * {@code @Finding} is left alone.
 */
public final class FindingHook implements AroundPropertyHook {

    /** Registered on a class, the hook applies to every property in it. */
    @Override
    public PropagationMode propagateTo() {
        return PropagationMode.ALL_DESCENDANTS;
    }

    @Override
    public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
        PropertyExecutionResult result = property.execute();
        var finding = context.findAnnotation(Finding.class);
        // Only a falsified assertion is a finding; an exception from the system under test stays a failure.
        if (finding.isEmpty() || result.status() != PropertyExecutionResult.Status.FAILED
                || !(result.throwable().orElse(null) instanceof AssertionError)) {
            return result;
        }
        String sample = result.shrunkSample().map(s -> s.parameters())
                .or(() -> result.originalSample().map(s -> s.parameters()))
                .map(ps -> ps.stream().map(String::valueOf).collect(Collectors.joining(", ", "(", ")")))
                .orElse("(no sample)");
        Throwable cause = result.throwable().orElse(null);
        String why = cause == null || cause.getMessage() == null ? "" : " → " + cause.getMessage().strip();
        return result.mapToAborted(new FindingException(finding.get().value(), sample + why
                + result.seed().map(s -> " [seed " + s + "]").orElse(""), cause));
    }

    @Override
    public int aroundPropertyProximity() {
        return -10; // outside jqwik's own reporting hooks
    }
}
