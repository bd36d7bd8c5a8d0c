package org.tdxsim.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import org.tdxsim.conformance.table.BlockProbe;
import org.tdxsim.conformance.table.HostConfig;
import org.tdxsim.conformance.table.InputSpace;
import org.tdxsim.conformance.table.Outcome;
import org.tdxsim.conformance.table.Probes;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.profile.ModuleProfiles;

/**
 * The GPAW / EPT decision as properties over host MAXPHYADDR (36..52), host 5-level EPT, LA57, module
 * version (1.5.06 adds MAXPA_VIRT, 2.0.08 MAXGPA_VIRT), requested GuestPhysBits (0..255), requested
 * EAX[7:0] (0..255) and GPAW policy — evaluated live on the simulated kernel (one bring-up per host,
 * cached). {@link org.tdxsim.conformance.table.DecisionTable} enumerates the same decision exhaustively
 * over a fixed grid; {@link DecisionTableChecks} checks these properties on every cell of it.
 *
 * <p>Properties marked {@link Finding} state what a user would expect, which the specified stack breaks in
 * a region of the input space: when jqwik falsifies them, the report shows a FINDING with the (shrunk)
 * counterexample instead of a failure (see {@link FindingHook}). The others must hold everywhere.
 */
@AddLifecycleHook(SimulatorOnly.class)
@AddLifecycleHook(FindingHook.class)
public class GpawDecisionProperties {

    static final String UPSTREAM = "UPSTREAM";
    static final int TRIES = 300;

    /** A host variant, a module version, a GuestPhysBits request and an EAX[7:0] request. */
    public record Case(HostConfig host, String module, int guestPhysBits, int eax70) {
        @Override
        public String toString() {
            return String.format("module %s, %s, GuestPhysBits %d, EAX[7:0] %d", module, host.label(), guestPhysBits, eax70);
        }
    }

    @Provide
    Arbitrary<Case> cases() {
        Arbitrary<Integer> maxPa = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.of(InputSpace.STANDARD_MAXPHYADDRS)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(36, 52)));
        Arbitrary<HostConfig> hosts = Combinators.combine(maxPa, Arbitraries.of(true, false), Arbitraries.of(true, false))
                .as((pa, ept5, la57) -> new HostConfig(PlatformProfiles.DEFAULT, pa, ept5, la57));
        Arbitrary<Integer> gpb = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(2, Arbitraries.of(47, 48, 49, 51, 52, 53)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 255)));
        Arbitrary<Integer> eax = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.of(InputSpace.STANDARD_EAX70)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 255)));
        return Combinators.combine(hosts, Arbitraries.of(ModuleProfiles.versions()), gpb, eax).as(Case::new);
    }

    /**
     * Cases likely to be accepted, for properties about accepted TDs: GuestPhysBits 48 or 52, modules KVM
     * brings up (1.5.06, 2.0.08) weighted up. Still random over hosts and EAX[7:0].
     */
    @Provide
    Arbitrary<Case> acceptableCases() {
        Arbitrary<HostConfig> hosts = Combinators.combine(Arbitraries.of(InputSpace.STANDARD_MAXPHYADDRS),
                        Arbitraries.of(true, false), Arbitraries.of(true, false))
                .as((pa, ept5, la57) -> new HostConfig(PlatformProfiles.DEFAULT, pa, ept5, la57));
        Arbitrary<String> modules = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Arbitraries.of("1.5.06", "2.0.08")),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(ModuleProfiles.versions())));
        return Combinators.combine(hosts, modules, Arbitraries.of(48, 52), Arbitraries.of(InputSpace.STANDARD_EAX70))
                .as(Case::new);
    }

    @Provide
    Arbitrary<String> policies() {
        return Arbitraries.of(SimHosts.policyNames());
    }

    @Provide
    Arbitrary<String> otherPolicies() {
        return Arbitraries.of(SimHosts.policyNames().stream().filter(p -> !p.equals(UPSTREAM)).toList());
    }

    /**
     * Under UPSTREAM, KVM itself (errno, hw_error 0) refuses a request exactly when GuestPhysBits ∉ {48, 52},
     * or GuestPhysBits = 52 on a host without 5-level EPT; it never refuses 48, nor 52 with 5-level EPT
     * (uapi §4.1 setup_tdparams_eptp_controls). Requests are the minimal one (only 0x80000008).
     */
    @Property(tries = TRIES, maxDiscardRatio = 20, edgeCases = EdgeCasesMode.NONE)
    @Label("UPSTREAM: KVM refuses exactly GuestPhysBits ∉ {48, 52} and 52 without 5-level EPT")
    void upstreamKvmRefusesExactlyTheInvalidWidths(@ForAll("cases") Case c) {
        BlockProbe p = available(c, UPSTREAM);
        Outcome o = Probes.outcome(c.module(), c.host(), UPSTREAM, c.guestPhysBits(), c.eax70());
        boolean kvmShouldRefuse = !(c.guestPhysBits() == 48 || c.guestPhysBits() == 52 && c.host().ept5Level());
        assertThat(o instanceof Outcome.KvmRejected).as("%s → %s", c, o.reason()).isEqualTo(kvmShouldRefuse);
        if (kvmShouldRefuse) {
            assertThat(((Outcome.KvmRejected) o).errnoName()).as("%s", c).isEqualTo("EINVAL");
        }
        assertThat(p).isNotNull();
    }

    /**
     * Under UPSTREAM, with an EAX[7:0] inside the mask KVM_TDX_CAPABILITIES reports, KVM_TDX_INIT_VM
     * succeeds iff GuestPhysBits ∈ {48, 52} and (52 ⇒ host 5-level EPT) — what a VMM author reads in the
     * KVM documentation. The module may add its own conditions (abi §4.1 row 15: 5-level EPT needs native
     * MAXPA ≥ 49 in 1.0–1.5.06), so this is a finding where it breaks.
     */
    @Property(tries = TRIES, maxDiscardRatio = 20, edgeCases = EdgeCasesMode.NONE)
    @Finding("KVM_TDX_INIT_VM does not succeed for every request KVM's own GPAW rule allows")
    @Label("UPSTREAM: INIT_VM succeeds iff GuestPhysBits ∈ {48, 52} and (52 ⇒ 5-level EPT)")
    void upstreamSucceedsExactlyForValidWidths(@ForAll("cases") Case c) {
        BlockProbe p = available(c, UPSTREAM);
        Assume.that(eaxInCapsMask(p, c.eax70()));
        Outcome o = Probes.outcome(c.module(), c.host(), UPSTREAM, c.guestPhysBits(), c.eax70());
        boolean valid = c.guestPhysBits() == 48 || c.guestPhysBits() == 52 && c.host().ept5Level();
        assertThat(o instanceof Outcome.Accepted).as("%s → %s", c, o.reason()).isEqualTo(valid);
    }

    /**
     * Under every policy, an accepted TD is consistent with itself: GET_CPUID GuestPhysBits 52 ⇔ TDCS GPAW 1
     * ⇔ EPT page-walk 5 ⇔ shared bit 51, and 48 ⇔ GPAW 0 ⇔ 4-level ⇔ shared bit 47 (uapi §4.1, §4.4;
     * abi §3.5, §3.6).
     */
    @Property(tries = TRIES, maxDiscardRatio = 20, edgeCases = EdgeCasesMode.NONE)
    @Label("any policy: GuestPhysBits 52 ⇔ GPAW 1 ⇔ EPT 5-level ⇔ shared bit 51 (and 48 ⇔ 0 ⇔ 4 ⇔ 47)")
    void acceptedTdIsConsistent(@ForAll("acceptableCases") Case c, @ForAll("policies") String policy) {
        available(c, policy);
        Outcome o = Probes.outcome(c.module(), c.host(), policy, c.guestPhysBits(), c.eax70());
        Assume.that(o instanceof Outcome.Accepted);
        Outcome.Accepted a = (Outcome.Accepted) o;
        boolean wide = a.guestPhysBitsReadBack() == 52;
        assertThat(a.guestPhysBitsReadBack()).as("%s under %s: GET_CPUID GuestPhysBits", c, policy).isIn(48, 52);
        assertThat(a.gpaw()).as("%s under %s: TDCS.GPAW", c, policy).isEqualTo(wide ? 1 : 0);
        a.eptLevels().ifPresent(l -> assertThat(l).as("%s under %s: EPT levels", c, policy).isEqualTo(wide ? 5 : 4));
        assertThat(a.sharedBit()).as("%s under %s: shared bit", c, policy).isEqualTo(wide ? 51 : 47);
    }

    /**
     * Under UPSTREAM, the GuestPhysBits KVM_TDX_GET_CPUID returns equals the one requested (uapi §4.4:
     * synthesised from the shared bit chosen from the request).
     */
    @Property(tries = TRIES, maxDiscardRatio = 20, edgeCases = EdgeCasesMode.NONE)
    @Label("UPSTREAM: GET_CPUID returns the GuestPhysBits that was requested")
    void upstreamReadBackEqualsRequest(@ForAll("acceptableCases") Case c) {
        available(c, UPSTREAM);
        Outcome o = Probes.outcome(c.module(), c.host(), UPSTREAM, c.guestPhysBits(), c.eax70());
        Assume.that(o instanceof Outcome.Accepted);
        assertThat(((Outcome.Accepted) o).guestPhysBitsReadBack()).as("%s", c).isEqualTo(c.guestPhysBits());
    }

    /**
     * Under UPSTREAM, EAX[7:0] is not consulted (uapi §4.1): for an EAX[7:0] inside the CAPABILITIES mask,
     * the outcome class equals the one with EAX[7:0] = 0.
     */
    @Property(tries = TRIES, maxDiscardRatio = 20, edgeCases = EdgeCasesMode.NONE)
    @Label("UPSTREAM: EAX[7:0] does not change the outcome")
    void upstreamIgnoresEax70(@ForAll("cases") Case c) {
        BlockProbe p = available(c, UPSTREAM);
        Assume.that(eaxInCapsMask(p, c.eax70()));
        Outcome with = Probes.outcome(c.module(), c.host(), UPSTREAM, c.guestPhysBits(), c.eax70());
        Outcome without = Probes.outcome(c.module(), c.host(), UPSTREAM, c.guestPhysBits(), 0);
        assertThat(with.kind() + " " + with.shortLabel()).as("%s vs EAX[7:0] 0: %s / %s", c, with.reason(), without.reason())
                .isEqualTo(without.kind() + " " + without.shortLabel());
    }

    /**
     * Under every policy, TDH.MNG.INIT never rejects the TD_PARAMS KVM built from a request KVM accepted,
     * when the request stays inside the masks KVM_TDX_CAPABILITIES reports (what QEMU's tdx_filter_cpuid
     * sends): KVM's checks should be the whole story for a well-formed request.
     */
    @Property(tries = TRIES, maxDiscardRatio = 20, edgeCases = EdgeCasesMode.NONE)
    @Finding("TDH.MNG.INIT rejects TD_PARAMS that KVM built from a request it accepted")
    @Label("any policy: the module never rejects what KVM accepted (request inside the CAPABILITIES masks)")
    void moduleNeverRejectsWhatKvmAccepted(@ForAll("cases") Case c, @ForAll("policies") String policy) {
        BlockProbe p = available(c, policy);
        Assume.that(eaxInCapsMask(p, c.eax70()));
        Outcome o = Probes.outcome(c.module(), c.host(), policy, c.guestPhysBits(), c.eax70());
        assertThat(o).as("%s under %s → %s", c, policy, o.reason()).isNotInstanceOf(Outcome.ModuleRejected.class);
    }

    /**
     * Under every policy, whatever KVM_GET_SUPPORTED_CPUID advertises as GuestPhysBits is accepted by
     * KVM_TDX_INIT_VM (the selftests' flow, uapi §7.2). Expected to break where MAXPHYADDR < 48 (uapi §4.2
     * derived) — a finding, with the host as counterexample.
     */
    @Property(tries = TRIES, maxDiscardRatio = 20, edgeCases = EdgeCasesMode.NONE)
    @Finding("what KVM_GET_SUPPORTED_CPUID advertises as GuestPhysBits is refused by KVM_TDX_INIT_VM")
    @Label("any policy: the advertised GuestPhysBits is accepted by INIT_VM")
    void advertisedGuestPhysBitsAccepted(@ForAll("acceptableCases") Case c, @ForAll("policies") String policy) {
        BlockProbe p = available(c, policy);
        Optional<Integer> eax = p.supportedAddrWidthsEax();
        Assume.that(eax.isPresent());
        int advertised = (eax.get() >>> 16) & 0xFF;
        Outcome o = Probes.outcome(c.module(), c.host(), policy, advertised, eax.get() & 0xFF & capsEax70Mask(p));
        assertThat(o).as("module %s, %s under %s: KVM_GET_SUPPORTED_CPUID 0x80000008 EAX 0x%08x advertises "
                + "GuestPhysBits %d → %s", c.module(), c.host().label(), policy, eax.get(), advertised, o.reason())
                .isInstanceOf(Outcome.Accepted.class);
    }

    /**
     * Every other policy gives the same outcome class as UPSTREAM on every input. Where it does not, the
     * counterexample is an input on which the two policies differ (the decision table lists all of them).
     */
    @Property(tries = TRIES, maxDiscardRatio = 20, edgeCases = EdgeCasesMode.NONE)
    @Finding("a GPAW policy decides differently from UPSTREAM")
    @Label("other policies agree with UPSTREAM")
    void policiesAgreeWithUpstream(@ForAll("cases") Case c, @ForAll("otherPolicies") String policy) {
        available(c, UPSTREAM);
        available(c, policy);
        Outcome up = Probes.outcome(c.module(), c.host(), UPSTREAM, c.guestPhysBits(), c.eax70());
        Outcome other = Probes.outcome(c.module(), c.host(), policy, c.guestPhysBits(), c.eax70());
        assertThat(other.kind() + " " + other.shortLabel())
                .as("%s: UPSTREAM → %s; %s → %s", c, up.reason(), policy, other.reason())
                .isEqualTo(up.kind() + " " + up.shortLabel());
    }

    /** The probe of the case's host under {@code policy}; discards the try when TDX is not up there. */
    static BlockProbe available(Case c, String policy) {
        BlockProbe p = Probes.probe(c.module(), c.host(), policy);
        Assume.that(p.unavailable().isEmpty());
        return p;
    }

    /** The EAX[7:0] part of the 0x80000008 mask in KVM_TDX_CAPABILITIES (0 if the leaf is not listed). */
    static int capsEax70Mask(BlockProbe p) {
        return p.capsEax70Mask();
    }

    static boolean eaxInCapsMask(BlockProbe p, int eax70) {
        return (eax70 & ~capsEax70Mask(p)) == 0;
    }
}
