package org.tdxsim.conformance;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * Base of every check class: the class runs once per {@link Target} of the run (Jupiter
 * {@code @ParameterizedClass}; the targets come from {@link TargetsProvider}), and each check gets a
 * freshly opened {@link Host} on its target.
 */
@ParameterizedClass(name = "{0}")
@ArgumentsSource(TargetsProvider.class)
public abstract class TargetedChecks {

    @Parameter
    protected Target target;

    protected Host host;

    @BeforeEach
    final void openHost() {
        host = Host.open(target);
    }

    @AfterEach
    final void closeHost() {
        if (host != null) {
            host.close();
        }
    }
}
