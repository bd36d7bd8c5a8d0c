package org.tdxsim.module.cpuid;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSortedMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.platform.SysInitFacts;
import org.tdxsim.module.profile.CpuidConfigurableEntry;
import org.tdxsim.module.profile.CpuidLookupEntry;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.status.Explanation;

/**
 * Before TDH.MNG.INIT: for a module version, a platform, a requested CPUID table (leaf/subleaf to
 * registers, as KVM/QEMU would pass it) and ATTRIBUTES/XFAM/CONFIG_FLAGS, classify every CPUID bit
 * of the module's lookup table ({@link CpuidBitKind}), compute the CPUID the TD would get, and list
 * every requested bit the TD will not get (with the reason) and every bit it gets that was not
 * requested.
 *
 * <p>The CPUID_CONFIG values are built like KVM's {@code setup_tdparams_cpuids}: entry {@code i}
 * is the requested value of the i-th configurable leaf/subleaf (zero if not requested). If those
 * raw values would make TDH.MNG.INIT fail, {@link Report#rejection()} says why; the guest CPUID is
 * then computed from the values filtered to CONFIG_DIRECT | ALLOW_DIRECT (what QEMU's filtering
 * would pass).
 */
public final class CpuidClassifier {

    private CpuidClassifier() {
    }

    /** One classified bit. */
    public record BitReport(CpuidLeaf leaf, CpuidReg reg, int bit, CpuidBitClass bitClass, boolean requested,
            boolean granted) {

        /** e.g. {@code CPUID 0x7.0 EBX bit 16 (AVX512F): ALLOW_DIRECT (...)} */
        public String describe() {
            return "CPUID " + leaf + " " + reg + " " + CpuidBitNames.describe(leaf.leaf(), leaf.subleaf(), reg, bit)
                    + ": " + bitClass.label() + " (" + bitClass.reason() + ")";
        }
    }

    /**
     * Classification result.
     *
     * @param bits                every bit of every lookup entry (entries in lookup order, EAX..EDX, bit 0..31)
     * @param guestCpuid          the TD's CPUID per lookup leaf/subleaf (as TDCS stores it)
     * @param rejection           why TDH.MNG.INIT would refuse the unfiltered request, if it would
     * @param deniedRequested     requested 1, TD gets 0 (only leaves present in the request)
     * @param grantedUnrequested  TD gets 1, request had 0 (only leaves present in the request)
     */
    public record Report(ImmutableList<BitReport> bits, ImmutableSortedMap<CpuidLeaf, CpuidRegs> guestCpuid,
            Optional<Explanation> rejection, ImmutableList<BitReport> deniedRequested,
            ImmutableList<BitReport> grantedUnrequested) {

        public Optional<BitReport> bit(int leaf, int subleaf, CpuidReg reg, int bit) {
            return bits.stream().filter(b -> b.leaf().leaf() == leaf
                    && (b.leaf().subleaf() == subleaf || !b.leaf().hasSubleaf()) && b.reg() == reg && b.bit() == bit)
                    .findFirst();
        }
    }

    /** Looks a leaf up in a request map: exact, then the no-subleaf key, then subleaf 0 for NA. */
    static Optional<CpuidRegs> requested(Map<CpuidLeaf, CpuidRegs> req, int leaf, int subleaf) {
        CpuidRegs r = req.get(new CpuidLeaf(leaf, subleaf));
        if (r == null) {
            r = req.get(CpuidLeaf.noSubleaf(leaf));
        }
        if (r == null && subleaf == CpuidLeaf.SUBLEAF_NA) {
            r = req.get(new CpuidLeaf(leaf, 0));
        }
        return Optional.ofNullable(r);
    }

    public static Report classify(ModuleProfile m, PlatformProfile p, Map<CpuidLeaf, CpuidRegs> request,
            long attributes, long xfam, long configFlags, int tscFrequency) {
        List<CpuidRegs> raw = new ArrayList<>();
        List<CpuidRegs> filtered = new ArrayList<>();
        for (CpuidConfigurableEntry c : m.cpuidConfigurable()) {
            CpuidRegs v = requested(request, c.leaf(), c.subleaf()).orElse(CpuidRegs.ZERO);
            raw.add(v);
            filtered.add(v.and(c.allowedInTdParams()));
        }
        CpuidInputs rawIn = CpuidInputs.of(attributes, xfam, configFlags, tscFrequency, raw);
        Optional<Explanation> rejection = Optional.empty();
        CpuidComputation first = CpuidVirtualization.compute(m, p, rawIn);
        CpuidInputs in = rawIn;
        CpuidComputation.Computed computed;
        if (first instanceof CpuidComputation.Refused r) {
            rejection = Optional.of(r.explanation());
            in = CpuidInputs.of(attributes, xfam, configFlags, tscFrequency, filtered);
            CpuidComputation second = CpuidVirtualization.compute(m, p, in);
            if (second instanceof CpuidComputation.Computed c) {
                computed = c;
            } else {
                // F/M/S, TSX or MAXPA_VIRT refusals survive filtering: fall back to the adjusted native table
                computed = nativeTable(m, p);
            }
        } else {
            computed = (CpuidComputation.Computed) first;
        }
        ImmutableSortedMap.Builder<CpuidLeaf, CpuidRegs> guest = ImmutableSortedMap.naturalOrder();
        for (CpuidLookupEntry e : m.cpuidLookup()) {
            CpuidRegs v = computed.values().get(e.index());
            guest.put(e.cpuidLeaf(), v);
        }
        final CpuidInputs fin = in;
        final CpuidComputation.Computed done = computed;
        java.util.function.BiFunction<Integer, Integer, CpuidRegs> finals = (l, s) ->
                m.lookupEntry(l, s).map(e -> done.values().get(e.index())).orElse(CpuidRegs.ZERO);
        ImmutableList.Builder<BitReport> bits = ImmutableList.builder();
        ImmutableList.Builder<BitReport> denied = ImmutableList.builder();
        ImmutableList.Builder<BitReport> extra = ImmutableList.builder();
        for (CpuidLookupEntry e : m.cpuidLookup()) {
            Optional<CpuidRegs> req = requested(request, e.leaf(), e.subleaf());
            CpuidRegs got = computed.values().get(e.index());
            for (CpuidReg r : CpuidReg.values()) {
                for (int b = 0; b < 32; b++) {
                    CpuidBitClass cls = CpuidBitRules.classify(m, p, fin, e, r, b, finals);
                    boolean reqBit = req.isPresent() && req.get().bit(r, b);
                    boolean gotBit = !e.faulting() && got.bit(r, b);
                    BitReport br = new BitReport(e.cpuidLeaf(), r, b, cls, reqBit, gotBit);
                    bits.add(br);
                    if (req.isPresent() && reqBit && !gotBit) {
                        denied.add(br);
                    } else if (req.isPresent() && !reqBit && gotBit) {
                        extra.add(br);
                    }
                }
            }
        }
        return new Report(bits.build(), guest.buildOrThrow(), rejection, denied.build(), extra.build());
    }

    private static CpuidComputation.Computed nativeTable(ModuleProfile m, PlatformProfile p) {
        SysInitFacts f = new SysInitFacts(m, p);
        int size = Math.max(m.maxNumCpuidLookup(), m.cpuidLookup().getLast().index() + 1);
        CpuidRegs[] v = new CpuidRegs[size];
        java.util.Arrays.fill(v, CpuidRegs.ZERO);
        List<Boolean> valid = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            valid.add(false);
        }
        for (CpuidLookupEntry e : m.cpuidLookup()) {
            v[e.index()] = f.adjustedNative(e);
            valid.set(e.index(), !e.faulting());
        }
        return new CpuidComputation.Computed(ImmutableList.copyOf(v), ImmutableList.copyOf(valid),
                java.util.OptionalInt.empty());
    }

    /** Convenience: the classification of one bit for these inputs without a request. */
    public static CpuidBitClass classifyBit(ModuleProfile m, PlatformProfile p, CpuidInputs in, int leaf, int subleaf,
            CpuidReg reg, int bit) {
        Optional<CpuidLookupEntry> e = m.lookupEntry(leaf, subleaf);
        if (e.isEmpty()) {
            return CpuidBitClass.of(CpuidBitKind.NOT_VIRTUALIZED,
                    "leaf/subleaf not in the module's lookup table: guest CPUID injects #VE");
        }
        CpuidComputation c = CpuidVirtualization.compute(m, p, in);
        java.util.function.BiFunction<Integer, Integer, CpuidRegs> finals = c instanceof CpuidComputation.Computed cc
                ? (l, s) -> m.lookupEntry(l, s).map(x -> cc.values().get(x.index())).orElse(CpuidRegs.ZERO)
                : (l, s) -> m.lookupEntry(l, s).map(x -> new SysInitFacts(m, p).adjustedNative(x)).orElse(CpuidRegs.ZERO);
        return CpuidBitRules.classify(m, p, in, e.get(), reg, bit, finals);
    }

}
