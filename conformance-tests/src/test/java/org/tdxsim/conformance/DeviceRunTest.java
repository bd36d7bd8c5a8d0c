package org.tdxsim.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.tdxsim.conformance.CheckResult.Status;

/**
 * The suite on this machine's real {@code /dev/kvm} (device backend): the checks that need no TDX run for
 * real and pass; every TDX check is skipped with the host's reason — none passes silently.
 */
class DeviceRunTest {

    @Test
    void deviceRunExecutesHostChecksAndSkipsTdxChecksWithTheReason() {
        assumeTrue(Files.isReadable(Path.of("/dev/kvm")) && Files.isWritable(Path.of("/dev/kvm")),
                "this machine has no usable /dev/kvm");
        Summary s = ConformanceRunner.run(Options.defaults().withBackend(RunConfig.DEVICE).withDecisionTable(false)
                .withCheckClasses(ConformanceSuite.classes()).withProgress(false), RunnerInfrastructureTest.quiet());

        assertThat(s.withStatus(Status.FAILED)).as("failures on the device").isEmpty();
        assertThat(s.containerFailures()).isEmpty();
        assertThat(s.withStatus(Status.PASSED)).as("host checks that ran for real")
                .anySatisfy(r -> assertThat(r.check()).contains("KVM_GET_API_VERSION returns 12"))
                .anySatisfy(r -> assertThat(r.check()).contains("KVM_CREATE_VM(KVM_X86_TDX_VM) succeeds exactly"))
                .allSatisfy(r -> assertThat(r.target()).isEqualTo("device · /dev/kvm"));
        boolean tdxHere = s.withStatus(Status.PASSED).stream().anyMatch(r -> r.group().equals("InitVmChecks"));
        if (!tdxHere) {
            assertThat(s.withStatus(Status.SKIPPED).stream().filter(r -> r.group().equals("InitVmChecks")))
                    .as("TDX checks on a host without TDX").isNotEmpty()
                    .allSatisfy(r -> assertThat(r.reason()).contains("host KVM has no TDX VM type"));
            assertThat(s.withStatus(Status.SKIPPED)).as("decision-table properties on a device")
                    .anySatisfy(r -> assertThat(r.reason()).contains("simulated kernel only"));
        }
    }
}
