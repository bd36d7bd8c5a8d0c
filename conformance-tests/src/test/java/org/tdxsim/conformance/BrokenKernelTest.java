package org.tdxsim.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.ImmutableList;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tdxsim.conformance.CheckResult.Status;
import org.tdxsim.kvm.KvmBackend;
import org.tdxsim.kvm.sim.GpawPolicy;
import org.tdxsim.kvm.sim.SimulatedKernel;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.profile.ModuleProfiles;

/**
 * The checks can fail: the suite, run programmatically against a deliberately broken simulated kernel,
 * reports the defect as a failure of the check that covers it — while the same checks pass on the
 * unbroken kernel (the control run).
 */
class BrokenKernelTest {

    /** A host where TDX comes up with 5-level EPT: module 2.0.08 on Granite Rapids-W. */
    static Target healthy() {
        return SimTargets.target(ModuleProfiles.builtIn("2.0.08"), PlatformProfiles.builtIn(PlatformProfiles.DEFAULT));
    }

    static Target broken(String label, UnaryOperator<KvmBackend> breakIt) {
        Target t = healthy();
        return t.withOpener(t.name() + " [" + label + "]", () -> breakIt.apply(t.open()));
    }

    static Stream<Arguments> defects() {
        return Stream.of(
                Arguments.of("lies in CAPABILITIES: supported_attrs has DEBUG",
                        (UnaryOperator<KvmBackend>) BrokenKernels.LiesInCapabilities::new, CapabilitiesChecks.class,
                        "supported_attrs ⊆"),
                Arguments.of("reports HLE configurable",
                        (UnaryOperator<KvmBackend>) BrokenKernels.ReportsTsx::new, CapabilitiesChecks.class,
                        "HLE, RTM and WAITPKG are never reported"),
                Arguments.of("CAPABILITIES -E2BIG updates nent",
                        (UnaryOperator<KvmBackend>) BrokenKernels.E2bigUpdatesNent::new, CapabilitiesChecks.class,
                        "E2BIG when nent is below"),
                Arguments.of("CREATE_VCPU before INIT_VM → EINVAL instead of EIO",
                        (UnaryOperator<KvmBackend>) BrokenKernels.WrongCreateVcpuErrno::new, LifecycleChecks.class,
                        "KVM_CREATE_VCPU before KVM_TDX_INIT_VM"),
                Arguments.of("accepts any GuestPhysBits",
                        (UnaryOperator<KvmBackend>) BrokenKernels.AcceptsAnyGuestPhysBits::new, InitVmChecks.class,
                        "GuestPhysBits ∉ {48, 52}"),
                Arguments.of("GET_CPUID claims GuestPhysBits 52",
                        (UnaryOperator<KvmBackend>) BrokenKernels.GetCpuidClaims52::new, GpawChecks.class,
                        "GuestPhysBits 48 → GPAW 0"),
                Arguments.of("INIT_MEM_REGION does not write back",
                        (UnaryOperator<KvmBackend>) BrokenKernels.NoRegionWriteBack::new, InitMemRegionChecks.class,
                        "nr_pages written back 0"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("defects")
    void suiteCatchesTheDefect(String defect, UnaryOperator<KvmBackend> breakIt, Class<?> checks, String expectedCheck) {
        Summary bad = run(broken(defect, breakIt), checks);
        assertThat(bad.withStatus(Status.FAILED)).as("failures against a kernel that %s", defect)
                .anySatisfy(r -> assertThat(r.check()).contains(expectedCheck));

        Summary control = run(healthy(), checks);
        assertThat(control.withStatus(Status.FAILED)).as("control run of %s on the healthy kernel", checks.getSimpleName())
                .isEmpty();
        assertThat(control.withStatus(Status.PASSED)).anySatisfy(r -> assertThat(r.check()).contains(expectedCheck));
    }

    /** The PRE_MERGE policy judges GPAW from EAX[7:0]: the UPSTREAM checks must notice the flipped decision. */
    @Test
    void suiteCatchesAFlippedGpawPolicy() {
        Target upstream = healthy();
        SimulatedKernel.Config preMerge = SimHosts.config(upstream.module().orElseThrow(), upstream.platform().orElseThrow(),
                GpawPolicy.PRE_MERGE.name());
        Target flipped = upstream.withOpener(upstream.name() + " [PRE_MERGE policy]", () -> SimulatedKernel.create(preMerge));
        Summary s = run(flipped, InitVmChecks.class);
        assertThat(s.withStatus(Status.FAILED)).anySatisfy(r -> assertThat(r.check()).contains("GuestPhysBits ∉ {48, 52}"));
    }

    static Summary run(Target target, Class<?> checks) {
        return ConformanceRunner.run(Options.defaults().withDecisionTable(false).withProgress(false)
                .withTargets(ImmutableList.of(target)).withCheckClasses(ImmutableList.of(checks)),
                RunnerInfrastructureTest.quiet());
    }
}
