package org.tdxsim.cli.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import java.util.Iterator;
import org.tdxsim.cli.BadInput;
import org.tdxsim.cli.Numbers;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;

/**
 * The CPUID table a VMM intends to pass to KVM_TDX_INIT_VM, read from JSON. Accepted shapes:
 * <ul>
 *   <li>an array of {@code struct kvm_cpuid_entry2}: {@code [{"function":"0x7","index":0,"flags":1,
 *       "eax":…, "ebx":…, "ecx":…, "edx":…}]};</li>
 *   <li>{@code struct kvm_cpuid2} as an object: {@code {"nent":N, "entries":[…]}};</li>
 *   <li>an object holding one of those under {@code "cpuid"} (the output of {@code tdxsim capture-host}
 *       and of {@code tdxsim profiles show P --json}).</li>
 * </ul>
 * Numbers are JSON numbers or strings ({@code "0x1F"}, {@code "31"}). {@code leaf}/{@code subleaf} are
 * accepted for {@code function}/{@code index}; a {@code null} subleaf means "no sub-leaf" (index 0).
 * {@code flags} defaults to {@code KVM_CPUID_FLAG_SIGNIFCANT_INDEX} when a non-null index is given,
 * else 0. Registers default to 0. Unknown keys are errors (they are usually typos).
 */
public final class CpuidInput {
    private CpuidInput() {}

    private static final ImmutableSet<String> KEYS = ImmutableSet.of("function", "leaf", "index", "subleaf", "flags",
            "eax", "ebx", "ecx", "edx", "padding");

    /** Parses {@code root}; errors name {@code source} and the JSON path. */
    public static ImmutableList<KvmCpuidEntry2> parse(String source, JsonNode root) {
        JsonNode entries = entriesOf(source, root, "$");
        ImmutableList.Builder<KvmCpuidEntry2> out = ImmutableList.builder();
        int i = 0;
        for (JsonNode e : entries) {
            out.add(entry(source + ": " + "$" + pathOf(root, entries) + "[" + i + "]", e));
            i++;
        }
        return out.build();
    }

    private static String pathOf(JsonNode root, JsonNode entries) {
        if (root == entries) {
            return "";
        }
        if (root.get("entries") == entries) {
            return ".entries";
        }
        if (root.get("cpuid") == entries) {
            return ".cpuid";
        }
        return ".cpuid.entries";
    }

    private static JsonNode entriesOf(String source, JsonNode root, String path) {
        if (root.isArray()) {
            return root;
        }
        if (root.isObject()) {
            if (root.has("entries")) {
                JsonNode e = root.get("entries");
                if (!e.isArray()) {
                    throw new BadInput(source, path + ".entries: expected an array of CPUID entries");
                }
                if (root.has("nent") && !root.get("nent").isNull()) {
                    long nent = Numbers.unsigned(source + ": " + path + ".nent", root.get("nent"), 32);
                    if (nent != e.size()) {
                        throw new BadInput(source, path + ".nent is " + nent + " but entries has " + e.size());
                    }
                }
                return e;
            }
            if (root.has("cpuid") && path.equals("$")) {
                return entriesOf(source, root.get("cpuid"), "$.cpuid");
            }
        }
        throw new BadInput(source, path + ": expected an array of CPUID entries, {\"entries\":[…]} or {\"cpuid\":…}");
    }

    private static KvmCpuidEntry2 entry(String where, JsonNode e) {
        if (!e.isObject()) {
            throw new BadInput(where, "expected an object {function, index, flags, eax, ebx, ecx, edx}");
        }
        for (Iterator<String> it = e.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KEYS.contains(k)) {
                throw new BadInput(where, "unknown key '" + k + "' (expected function, index, flags, eax, ebx, ecx, edx)");
            }
        }
        String fKey = e.has("function") ? "function" : "leaf";
        if (e.has("function") && e.has("leaf")) {
            throw new BadInput(where, "give function or leaf, not both");
        }
        if (!e.has(fKey)) {
            throw new BadInput(where, "missing 'function' (the CPUID leaf)");
        }
        int function = (int) Numbers.unsigned(where + "." + fKey, e.get(fKey), 32);
        String iKey = e.has("index") ? "index" : "subleaf";
        JsonNode idx = e.get(iKey);
        boolean hasIndex = idx != null && !idx.isNull();
        int index = hasIndex ? (int) Numbers.unsigned(where + "." + iKey, idx, 32) : 0;
        int flags = e.has("flags") ? (int) Numbers.unsigned(where + ".flags", e.get("flags"), 32)
                : hasIndex ? KvmConstants.KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
        return new KvmCpuidEntry2(function, index, flags, reg(where, e, "eax"), reg(where, e, "ebx"),
                reg(where, e, "ecx"), reg(where, e, "edx"));
    }

    private static int reg(String where, JsonNode e, String r) {
        JsonNode n = e.get(r);
        return n == null || n.isNull() ? 0 : (int) Numbers.unsigned(where + "." + r, n, 32);
    }
}
