package org.tdxsim.cli.profiles;

import com.google.common.collect.ImmutableList;
import java.util.Map;
import java.util.TreeMap;
import org.tdxsim.module.cpuid.CpuidBitNames;
import org.tdxsim.module.cpuid.CpuidClassifier;
import org.tdxsim.module.cpuid.CpuidLeaf;
import org.tdxsim.module.cpuid.CpuidReg;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.profile.ModuleProfile;

/**
 * Per-bit CPUID class changes between two module versions, from the simulator's {@link CpuidClassifier}
 * run once per version with the same neutral TD_PARAMS: no CPUID request, ATTRIBUTES 0, XFAM = every bit
 * the version allows ({@code TDX_XFAM_FIXED0}), CONFIG_FLAGS 0, TSC from the platform. With all XFAM bits
 * set, XFAM-gated bits show their table class; the XFAM bits they depend on are appended to the label.
 */
final class CpuidClassDiff {
    private CpuidClassDiff() {}

    record Key(CpuidLeaf leaf, CpuidReg reg, int bit) implements Comparable<Key> {
        @Override
        public int compareTo(Key o) {
            int c = leaf.compareTo(o.leaf);
            if (c == 0) {
                c = reg.compareTo(o.reg);
            }
            return c != 0 ? c : Integer.compare(bit, o.bit);
        }

        @Override
        public String toString() {
            String name = CpuidBitNames.name(leaf.leaf(), leaf.subleaf(), reg, bit).map(n -> " " + n).orElse("");
            return leaf + " " + reg + "[" + bit + "]" + name;
        }
    }

    static ImmutableList<ProfileDiff.Change> diff(ModuleProfile a, ModuleProfile b, PlatformProfile platform) {
        Map<Key, String[]> ca = classes(a, platform);
        Map<Key, String[]> cb = classes(b, platform);
        TreeMap<Key, Boolean> keys = new TreeMap<>();
        ca.keySet().forEach(k -> keys.put(k, true));
        cb.keySet().forEach(k -> keys.put(k, true));
        // Runs of adjacent bits of one register with the same change become one row: 0x4.0 EDX[3-31].
        ImmutableList.Builder<ProfileDiff.Change> out = ImmutableList.builder();
        Key start = null;
        Key last = null;
        String[] run = null;
        for (Key k : keys.keySet()) {
            String[] x = ca.get(k);
            String[] y = cb.get(k);
            String lx = x == null ? ProfileDiff.ABSENT : x[0];
            String ly = y == null ? ProfileDiff.ABSENT : y[0];
            if (lx.equals(ly)) {
                continue;
            }
            String note = y != null ? y[1] : x[1];
            if (run != null && last.leaf().equals(k.leaf()) && last.reg() == k.reg() && last.bit() + 1 == k.bit()
                    && run[0].equals(lx) && run[1].equals(ly) && run[2].equals(note)) {
                last = k;
                continue;
            }
            if (run != null) {
                out.add(change(start, last, run));
            }
            start = k;
            last = k;
            run = new String[] {lx, ly, note};
        }
        if (run != null) {
            out.add(change(start, last, run));
        }
        return out.build();
    }

    private static ProfileDiff.Change change(Key start, Key last, String[] run) {
        String key = start.equals(last) ? start.toString()
                : start.leaf() + " " + start.reg() + "[" + start.bit() + "-" + last.bit() + "]";
        return new ProfileDiff.Change("cpuid_bit", key, run[0], run[1], run[2]);
    }

    /** Key → {label, reason}. */
    private static Map<Key, String[]> classes(ModuleProfile m, PlatformProfile p) {
        long xfam = m.constant("TDX_XFAM_FIXED0").orElse(0x3);
        int tsc = (int) Math.max(1, Math.min(0xFFFF, p.tscHz() / 25_000_000L));
        CpuidClassifier.Report r = CpuidClassifier.classify(m, p, Map.of(), 0, xfam, 0, tsc);
        Map<Key, String[]> out = new TreeMap<>();
        for (var bit : r.bits()) {
            var c = bit.bitClass();
            String label = c.label();
            if (!c.xfamBits().isEmpty() && !label.contains("XFAM")) {
                label = label + " +XFAM" + c.xfamBits();
            }
            out.put(new Key(bit.leaf(), bit.reg(), bit.bit()), new String[] {label, c.reason()});
        }
        return out;
    }
}
