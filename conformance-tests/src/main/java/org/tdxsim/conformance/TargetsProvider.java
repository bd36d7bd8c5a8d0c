package org.tdxsim.conformance;

import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.ArgumentsProvider;
import org.junit.jupiter.params.support.ParameterDeclarations;

/**
 * Supplies the {@link Target}s of the run to every {@link TargetedChecks} class, from the JUnit
 * configuration parameters {@code tdxsim.backend / tdxsim.module / tdxsim.platform / tdxsim.targets}
 * (which fall back to system properties).
 */
public final class TargetsProvider implements ArgumentsProvider {

    @Override
    public Stream<? extends Arguments> provideArguments(ParameterDeclarations parameters, ExtensionContext context) {
        RunConfig config = RunConfig.from(context::getConfigurationParameter);
        return Targets.resolve(config).stream().map(Arguments::of);
    }
}
