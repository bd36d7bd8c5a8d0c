package org.tdxsim.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.tdxsim.conformance.table.DecisionMatrix;
import org.tdxsim.conformance.table.DecisionMatrix.Row;
import org.tdxsim.conformance.table.DecisionTable;
import org.tdxsim.conformance.table.InputSpace;
import org.tdxsim.conformance.table.Outcome;
import org.tdxsim.conformance.table.PolicyDiff;

/**
 * The {@link GpawDecisionProperties} checked on <em>every</em> cell of the exhaustively enumerated decision
 * table (jqwik samples; this does not). A spec property fails on its first counterexamples; a
 * {@link Finding} lists how many cells break it and the first ones. Simulator only.
 */
@DisplayName("DecisionTableChecks")
public class DecisionTableChecks {

    private static final String UPSTREAM = GpawDecisionProperties.UPSTREAM;
    private static final int SHOWN = 8;
    private static DecisionMatrix matrix;

    /** A cell with its coordinates. */
    record Cell(Row row, int guestPhysBits) {
        Outcome outcome() {
            return row.at(guestPhysBits);
        }

        @Override
        public String toString() {
            return String.format("%s · module %s · %s · EAX[7:0]=%d · GuestPhysBits=%d → %s", row.policy(), row.module(),
                    row.host().label(), row.eax70(), guestPhysBits, outcome().reason());
        }
    }

    @BeforeAll
    static void enumerate() {
        RunConfig c = RunConfig.current();
        assumeTrue(c.simulated(), "the decision table varies the host platform: simulated kernel only (backend is "
                + c.backend() + ")");
        matrix = DecisionTable.standard();
    }

    @Test
    @DisplayName("UPSTREAM: KVM refuses exactly GuestPhysBits ∉ {48, 52} and 52 without 5-level EPT — every cell (uapi §4.1)")
    void upstreamKvmRefusals() {
        List<Cell> bad = cells(c -> c.row().policy().equals(UPSTREAM) && available(c)
                && (c.outcome() instanceof Outcome.KvmRejected k && k.errnoName().equals("EINVAL"))
                        == (c.guestPhysBits() == 48 || c.guestPhysBits() == 52 && c.row().host().ept5Level()));
        assertThat(bad).as(describe(bad)).isEmpty();
    }

    @Test
    @DisplayName("any policy: accepted ⇒ GuestPhysBits 52 ⇔ GPAW 1 ⇔ EPT 5-level ⇔ shared bit 51 — every cell (uapi §4.4, abi §3.5/§3.6)")
    void acceptedCellsConsistent() {
        List<Cell> bad = cells(c -> c.outcome() instanceof Outcome.Accepted a && !consistent(a));
        assertThat(bad).as(describe(bad)).isEmpty();
    }

    @Test
    @DisplayName("UPSTREAM: GET_CPUID returns the requested GuestPhysBits — every accepted cell (uapi §4.4)")
    void upstreamReadBack() {
        List<Cell> bad = cells(c -> c.row().policy().equals(UPSTREAM) && c.outcome() instanceof Outcome.Accepted a
                && a.guestPhysBitsReadBack() != c.guestPhysBits());
        assertThat(bad).as(describe(bad)).isEmpty();
    }

    @Test
    @DisplayName("UPSTREAM: EAX[7:0] inside the CAPABILITIES mask does not change the outcome — every cell (uapi §4.1)")
    void upstreamIgnoresEax70() {
        List<Cell> bad = new ArrayList<>();
        for (Row r : matrix.rows(UPSTREAM)) {
            if (r.capsEax70Mask() < 0 || (r.eax70() & ~r.capsEax70Mask()) != 0 || r.eax70() == 0) {
                continue;
            }
            Row zero = matrix.rows(UPSTREAM, r.module()).stream()
                    .filter(z -> z.host().equals(r.host()) && z.eax70() == 0).findFirst().orElseThrow();
            for (int g = 0; g < InputSpace.GUEST_PHYS_BITS_VALUES; g++) {
                if (!DecisionMatrix.sameClass(r.at(g), zero.at(g))) {
                    bad.add(new Cell(r, g));
                }
            }
        }
        assertThat(bad).as(describe(bad)).isEmpty();
    }

    @Test
    @Finding("TDH.MNG.INIT rejects TD_PARAMS that KVM built from a request it accepted")
    @DisplayName("any policy: the module never rejects what KVM accepted (request inside the CAPABILITIES masks) — every cell")
    void moduleNeverRejectsAccepted() {
        finding("TDH.MNG.INIT rejects TD_PARAMS that KVM built from a request it accepted (inside the CAPABILITIES masks)",
                cells(c -> c.row().capsEax70Mask() >= 0 && (c.row().eax70() & ~c.row().capsEax70Mask()) == 0
                        && c.outcome() instanceof Outcome.ModuleRejected));
    }

    @Test
    @Finding("UPSTREAM INIT_VM fails for requests KVM's GPAW rule allows")
    @DisplayName("UPSTREAM: INIT_VM succeeds iff GuestPhysBits ∈ {48, 52} and (52 ⇒ 5-level EPT) — every cell")
    void upstreamSucceedsExactlyForValidWidths() {
        finding("UPSTREAM KVM_TDX_INIT_VM outcome differs from 'succeeds iff GuestPhysBits ∈ {48, 52} and (52 ⇒ 5-level EPT)'",
                cells(c -> c.row().policy().equals(UPSTREAM) && available(c)
                        && (c.row().eax70() & ~c.row().capsEax70Mask()) == 0
                        && (c.outcome() instanceof Outcome.Accepted)
                        != (c.guestPhysBits() == 48 || c.guestPhysBits() == 52 && c.row().host().ept5Level())));
    }

    @Test
    @Finding("what KVM_GET_SUPPORTED_CPUID advertises as GuestPhysBits is refused by KVM_TDX_INIT_VM")
    @DisplayName("any policy: the GuestPhysBits KVM_GET_SUPPORTED_CPUID advertises is accepted (EAX[7:0] = 0) — every host")
    void advertisedAccepted() {
        finding("KVM_GET_SUPPORTED_CPUID advertises a GuestPhysBits that KVM_TDX_INIT_VM refuses (uapi §4.2 derived)",
                matrix.rows().stream().filter(r -> r.eax70() == 0 && r.capsEax70Mask() >= 0
                                && r.advertisedAddrWidthsEax().isPresent())
                        .map(r -> new Cell(r, (r.advertisedAddrWidthsEax().getAsInt() >>> 16) & 0xFF))
                        .filter(c -> !(c.outcome() instanceof Outcome.Accepted)).toList());
    }

    @Test
    @Finding("GPAW policies disagree")
    @DisplayName("the GPAW policies agree on every combination")
    void policiesAgree() {
        List<PolicyDiff.Difference> diffs = PolicyDiff.compute(matrix);
        if (!diffs.isEmpty()) {
            long cells = diffs.stream().mapToLong(PolicyDiff.Difference::cells).sum();
            throw new FindingException("GPAW policies disagree on " + cells + " cells in " + diffs.size() + " regions",
                    diffs.stream().limit(SHOWN).map(PolicyDiff.Difference::describe).toList().toString(), null);
        }
    }

    private static boolean available(Cell c) {
        return !(c.outcome() instanceof Outcome.TdxUnavailable);
    }

    static boolean consistent(Outcome.Accepted a) {
        boolean wide = a.guestPhysBitsReadBack() == 52;
        return (a.guestPhysBitsReadBack() == 48 || wide) && a.gpaw() == (wide ? 1 : 0)
                && a.eptLevels().map(l -> l == (wide ? 5 : 4)).orElse(true) && a.sharedBit() == (wide ? 51 : 47);
    }

    private static List<Cell> cells(Predicate<Cell> bad) {
        List<Cell> out = new ArrayList<>();
        for (Row r : matrix.rows()) {
            for (int g = 0; g < InputSpace.GUEST_PHYS_BITS_VALUES; g++) {
                Cell c = new Cell(r, g);
                if (bad.test(c)) {
                    out.add(c);
                }
            }
        }
        return out;
    }

    private static String describe(List<Cell> bad) {
        return bad.size() + " of " + matrix.size() + " cells break it; first: "
                + bad.stream().limit(SHOWN).map(Cell::toString).toList();
    }

    private static void finding(String what, List<Cell> bad) {
        if (!bad.isEmpty()) {
            throw new FindingException(what, describe(bad), null);
        }
    }
}
