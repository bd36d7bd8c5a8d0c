package org.tdxsim.module;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Deterministic failure injection for one {@link TdxModule}: arm a {@link FaultPoint} for the next
 * {@code n} times its leaf reaches it, and the module answers with that point's status instead of
 * what an uncontended, entropy-rich platform would give. Only statuses the real module returns from
 * that leaf are accepted (see {@link FaultPoint} for the sources); anything else is refused with an
 * {@link IllegalArgumentException} saying what the leaf can return.
 *
 * <p>An armed point fires only when a call gets that far, so a call that fails an earlier check
 * keeps its own status and leaves the injection armed — as a real contention or entropy failure can
 * only show up once the module reaches the lock or the RDSEED. A fired failure changes nothing in
 * the module (the point sits before the handler's first state change). Thread-safe.
 */
public final class FaultInjector {

    private final TdxModule module;
    private final Map<FaultPoint, AtomicInteger> armed = new EnumMap<>(FaultPoint.class);
    private final Map<FaultPoint, AtomicInteger> fired = new EnumMap<>(FaultPoint.class);

    FaultInjector(TdxModule module) {
        this.module = module;
        for (FaultPoint p : FaultPoint.values()) {
            armed.put(p, new AtomicInteger());
            fired.put(p, new AtomicInteger());
        }
    }

    /**
     * Arms the point of {@code leaf} that returns {@code status}: either the full form
     * {@code "TDX_OPERAND_BUSY|KOT"} or a bare status name when the leaf has only one point with it
     * (e.g. {@code "TDX_RND_NO_ENTROPY"} for TDH.MNG.CREATE, {@code "TDX_OPERAND_BUSY"} for
     * TDH.MR.FINALIZE).
     *
     * @return the point armed
     * @throws IllegalArgumentException if the leaf cannot return that status, the status is ambiguous,
     *     this module version lacks the status or operand, or {@code times < 1}
     */
    public FaultPoint inject(Leaf leaf, String status, int times) {
        String spec = status.replace(" ", "");
        List<FaultPoint> points = FaultPoint.of(leaf);
        List<FaultPoint> match = new ArrayList<>();
        for (FaultPoint p : points) {
            if (p.statusSpec().equals(spec) || (!spec.contains("|") && p.status().equals(spec))) {
                match.add(p);
            }
        }
        if (match.isEmpty()) {
            throw new IllegalArgumentException(leaf.specName() + " cannot return " + spec + (points.isEmpty()
                    ? "; no injectable failure is modelled for this leaf"
                    : "; it can return " + points.stream().map(FaultPoint::statusSpec).distinct()
                            .collect(Collectors.joining(", "))));
        }
        if (match.size() > 1) {
            throw new IllegalArgumentException(spec + " is ambiguous for " + leaf.specName() + ": name the operand, one of "
                    + match.stream().map(FaultPoint::statusSpec).collect(Collectors.joining(", ")));
        }
        FaultPoint p = match.getFirst();
        inject(p, times);
        return p;
    }

    /**
     * Arms {@code point} for its next {@code times} hits (added to any injections still pending).
     *
     * @throws IllegalArgumentException if {@code times < 1} or this module version lacks the leaf,
     *     status or operand (e.g. TDX_RND_NO_ENTROPY on 1.0)
     */
    public void inject(FaultPoint point, int times) {
        if (times < 1) {
            throw new IllegalArgumentException("times must be at least 1, not " + times);
        }
        if (!point.availableIn(module.profile())) {
            throw new IllegalArgumentException("module " + module.profile().version().label() + " cannot return "
                    + point.statusSpec() + " from " + point.leaf().specName()
                    + " (the version lacks the leaf, the status or the operand id)");
        }
        armed.get(point).addAndGet(times);
    }

    /** Injections of {@code point} armed and not yet fired. */
    public int pending(FaultPoint point) {
        return armed.get(point).get();
    }

    /** How many times {@code point} has fired since the module was created (or {@link #reset}). */
    public int fired(FaultPoint point) {
        return fired.get(point).get();
    }

    /** Points that have fired, with their counts. */
    public ImmutableMap<FaultPoint, Integer> firedCounts() {
        ImmutableMap.Builder<FaultPoint, Integer> b = ImmutableMap.builder();
        for (var e : fired.entrySet()) {
            if (e.getValue().get() > 0) {
                b.put(e.getKey(), e.getValue().get());
            }
        }
        return b.buildOrThrow();
    }

    /** Disarms every pending injection (fired counts are kept). */
    public void clear() {
        armed.values().forEach(a -> a.set(0));
    }

    /** Disarms everything and zeroes the fired counts. */
    public void reset() {
        clear();
        fired.values().forEach(a -> a.set(0));
    }

    /** Every point this module version can inject. */
    public ImmutableList<FaultPoint> available() {
        ImmutableList.Builder<FaultPoint> b = ImmutableList.builder();
        for (FaultPoint p : FaultPoint.values()) {
            if (p.availableIn(module.profile())) {
                b.add(p);
            }
        }
        return b.build();
    }

    /**
     * Called by a handler when it reaches {@code point}: if armed, consumes one injection and fails the
     * call with the point's status (nothing has been changed yet at any point).
     */
    void reach(Call c, FaultPoint point) {
        AtomicInteger a = armed.get(point);
        if (a.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
            fired.get(point).incrementAndGet();
            String why = point.cause() + " [injected by FaultInjector]";
            throw point.operand().isPresent() ? c.fail(point.status(), point.operand().get(), why)
                    : c.fail(point.status(), why);
        }
    }

    /** The lock-contention point for {@code operand} of the running leaf, if that lock site is listed. */
    void reachBusy(Call c, String operand) {
        FaultPoint.busyAt(c.leaf, operand).ifPresent(p -> reach(c, p));
    }
}
