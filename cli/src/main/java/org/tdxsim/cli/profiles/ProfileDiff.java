package org.tdxsim.cli.profiles;

import com.google.common.collect.ImmutableList;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.function.Function;
import org.tdxsim.module.profile.CpuidLookupEntry;
import org.tdxsim.module.profile.ModuleConstant;
import org.tdxsim.module.profile.ModuleProfile;

/**
 * What changed between two module versions, as data: constants (fixed masks, limits), completion
 * statuses, operand ids, SEAMCALL leaves, TDX_FEATURES0 bits, metadata field ids, CPUID leaves
 * present, and per CPUID bit the class change (from the simulator's classifier, {@link CpuidClassDiff}).
 */
public final class ProfileDiff {
    private ProfileDiff() {}

    /**
     * One difference.
     *
     * @param area   {@code constant}, {@code status}, {@code operand}, {@code seamcall}, {@code tdx_features0},
     *               {@code td_field}, {@code global_field}, {@code cpuid_leaf}, {@code cpuid_bit}
     * @param key    what differs (a name, or {@code 0x7.0 EBX[16]})
     * @param before value in A ("-" = absent)
     * @param after  value in B ("-" = absent)
     * @param note   optional feature name or explanation ("" if none)
     */
    public record Change(String area, String key, String before, String after, String note) {}

    static final String ABSENT = "-";

    /** Differences from {@code a} to {@code b}; CPUID bit classes are computed on {@code platform}. */
    public static ImmutableList<Change> diff(ModuleProfile a, ModuleProfile b, org.tdxsim.module.platform.PlatformProfile platform) {
        ImmutableList.Builder<Change> out = ImmutableList.builder();
        out.addAll(CpuidClassDiff.diff(a, b, platform));
        cpuidLeaves(a, b, out);
        constants(a, b, out);
        maps("status", a.statusCodes(), b.statusCodes(), v -> String.format("0x%016X", v), out);
        maps("operand", a.operandIds(), b.operandIds(), String::valueOf, out);
        maps("seamcall", a.leafNumbers(), b.leafNumbers(), String::valueOf, out);
        maps("tdx_features0", features(a), features(b), String::valueOf, out);
        maps("td_field", fieldIds(a.tdFields(), org.tdxsim.module.profile.TdField::name, org.tdxsim.module.profile.TdField::fieldId),
                fieldIds(b.tdFields(), org.tdxsim.module.profile.TdField::name, org.tdxsim.module.profile.TdField::fieldId),
                v -> String.format("0x%016X", v), out);
        maps("global_field", fieldIds(a.globalFields(), org.tdxsim.module.profile.GlobalField::name, org.tdxsim.module.profile.GlobalField::fieldId),
                fieldIds(b.globalFields(), org.tdxsim.module.profile.GlobalField::name, org.tdxsim.module.profile.GlobalField::fieldId),
                v -> String.format("0x%016X", v), out);
        return out.build();
    }

    private static void cpuidLeaves(ModuleProfile a, ModuleProfile b, ImmutableList.Builder<Change> out) {
        var la = new java.util.TreeMap<org.tdxsim.module.cpuid.CpuidLeaf, String>();
        var lb = new java.util.TreeMap<org.tdxsim.module.cpuid.CpuidLeaf, String>();
        a.cpuidLookup().forEach(e -> la.put(e.cpuidLeaf(), leafKind(a, e)));
        b.cpuidLookup().forEach(e -> lb.put(e.cpuidLeaf(), leafKind(b, e)));
        var keys = new TreeSet<>(la.keySet());
        keys.addAll(lb.keySet());
        for (var k : keys) {
            String x = la.getOrDefault(k, ABSENT);
            String y = lb.getOrDefault(k, ABSENT);
            if (!x.equals(y)) {
                out.add(new Change("cpuid_leaf", k.toString(), x, y, ""));
            }
        }
    }

    private static String leafKind(ModuleProfile p, CpuidLookupEntry e) {
        if (e.faulting()) {
            return "#VE (faulting)";
        }
        return e.configurable() ? "configurable slot " + e.configIndex() : "not configurable";
    }

    private static void constants(ModuleProfile a, ModuleProfile b, ImmutableList.Builder<Change> out) {
        var keys = new TreeSet<>(a.constants().keySet());
        keys.addAll(b.constants().keySet());
        for (String k : keys) {
            boolean mask = k.contains("FIXED") || k.contains("MASK") || k.contains("BITMAP");
            String x = constant(a.constants().get(k), mask);
            String y = constant(b.constants().get(k), mask);
            if (!x.equals(y)) {
                out.add(new Change("constant", k, x, y, ""));
            }
        }
    }

    private static String constant(ModuleConstant c, boolean mask) {
        if (c == null) {
            return ABSENT;
        }
        OptionalLong v = c.value();
        if (v.isEmpty()) {
            return "unknown";
        }
        long x = v.getAsLong();
        return !mask && x >= 0 && x < 0x10000 ? String.valueOf(x) : String.format("0x%X", x);
    }

    private static Map<String, Integer> features(ModuleProfile p) {
        var m = new java.util.TreeMap<String, Integer>();
        p.tdxFeatures0().ifPresent(f -> {
            f.unconditionalBits().forEach(bit -> m.put(bit.name() + " (bit " + bit.bit() + ")", 1));
            f.conditionalBits().forEach(bit -> m.put(bit.name() + " (bit " + bit.bit() + ")", 2));
        });
        return m;
    }

    private static <T> Map<String, Long> fieldIds(ImmutableList<T> fields, Function<T, String> name, Function<T, Long> id) {
        var m = new java.util.TreeMap<String, Long>();
        fields.forEach(f -> m.put(name.apply(f), id.apply(f)));
        return m;
    }

    private static <V> void maps(String area, Map<String, V> a, Map<String, V> b, Function<V, String> fmt,
            ImmutableList.Builder<Change> out) {
        var keys = new TreeSet<>(a.keySet());
        keys.addAll(b.keySet());
        for (String k : keys) {
            V x = a.get(k);
            V y = b.get(k);
            if (!Objects.equals(x, y)) {
                String note = area.equals("tdx_features0") ? "1 = always set, 2 = set when the platform has it" : "";
                out.add(new Change(area, k, x == null ? ABSENT : fmt.apply(x), y == null ? ABSENT : fmt.apply(y), note));
            }
        }
    }
}
