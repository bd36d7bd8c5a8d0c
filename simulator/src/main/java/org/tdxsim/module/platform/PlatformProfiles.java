package org.tdxsim.module.platform;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.tdxsim.module.cpuid.CpuidLeaf;
import org.tdxsim.module.cpuid.CpuidRegs;
import org.tdxsim.module.profile.JsonCursor;
import org.tdxsim.module.profile.ProfileFormatException;

/**
 * Registry of host platform profiles: built-in files under {@code org/tdxsim/platforms/} (from
 * real CPUID dumps, see the README there) and user files with the same schema.
 *
 * <p>Schema (schemaVersion 1): {@code name, displayName, vendor, synthesized, tdxCapable,
 * knobs{<knob>: {value, source}}, cpuid[{leaf, subleaf|null, eax, ebx, ecx, edx}],
 * msrs[{msr, value}]}; optional {@code notes[]}, {@code provenance}. Knobs: ept4Level, ept5Level,
 * supportedXcr0, supportedXss (hex), tscHz, packages, logicalProcessors, numMktmeKids,
 * numTdxPrivKids (integers), tdxConnect, lass, miscEnableLimitCpuidMaxval, tsxCtrl,
 * seamVerifyReport (booleans).
 */
public final class PlatformProfiles {

    private static final ImmutableList<String> NAMES = ImmutableList.of(
            "sapphire-rapids-xeon-w7-2475x",
            "sapphire-rapids-xeon-w9-3475x",
            "emerald-rapids-xeon-platinum-8570",
            "emerald-rapids-xeon-gold-5520plus",
            "emerald-rapids-xeon-silver-4514y",
            "granite-rapids-w-xeon-658x",
            "sierra-forest-synthesized",
            "raptor-lake-core-i9-14900k",
            "amd-epyc-9654-genoa");

    /** A TDX-capable platform with 5-level EPT and MAXPHYADDR 52, the default for examples. */
    public static final String DEFAULT = "granite-rapids-w-xeon-658x";

    private static final Map<String, PlatformProfile> CACHE = new ConcurrentHashMap<>();

    private PlatformProfiles() {
    }

    public static ImmutableList<String> names() {
        return NAMES;
    }

    /** Built-in profiles of TDX-capable hosts. */
    public static ImmutableList<String> tdxCapableNames() {
        return NAMES.stream().filter(n -> builtIn(n).tdxCapable()).collect(ImmutableList.toImmutableList());
    }

    public static PlatformProfile defaultPlatform() {
        return builtIn(DEFAULT);
    }

    /**
     * A built-in profile by name (see {@link #names()}).
     *
     * @throws NoSuchElementException for an unknown name
     */
    public static PlatformProfile builtIn(String name) {
        if (!NAMES.contains(name)) {
            throw new NoSuchElementException("no built-in platform \"" + name + "\"; built in: " + NAMES);
        }
        return CACHE.computeIfAbsent(name, PlatformProfiles::loadResource);
    }

    private static PlatformProfile loadResource(String name) {
        String res = "/org/tdxsim/platforms/" + name + ".json";
        try (InputStream in = PlatformProfiles.class.getResourceAsStream(res)) {
            if (in == null) {
                throw new IllegalStateException("missing built-in resource " + res);
            }
            return parse(JsonCursor.parse("classpath:" + res, in));
        } catch (IOException | ProfileFormatException e) {
            throw new IllegalStateException("built-in platform profile " + name + " is broken: " + e.getMessage(), e);
        }
    }

    /** Loads a user platform file; errors name the file, JSON path and problem. */
    public static PlatformProfile load(Path file) throws ProfileFormatException {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(JsonCursor.parse(file.toString(), in));
        } catch (IOException e) {
            throw new ProfileFormatException(file.toString(), "$", "cannot read file: " + e.getMessage());
        }
    }

    public static PlatformProfile load(String origin, InputStream in) throws ProfileFormatException {
        return parse(JsonCursor.parse(origin, in));
    }

    private static PlatformProfile parse(JsonCursor root) throws ProfileFormatException {
        int schema = root.get("schemaVersion").int32(0, Integer.MAX_VALUE);
        if (schema != 1) {
            throw root.get("schemaVersion").error("unsupported schemaVersion " + schema + " (this build reads 1)");
        }
        PlatformProfile.Builder b = PlatformProfile.builder(root.get("name").text());
        b.displayName(root.get("displayName").text()).vendor(root.get("vendor").text())
                .synthesized(root.get("synthesized").bool()).tdxCapable(root.get("tdxCapable").bool());

        Map<CpuidLeaf, CpuidRegs> cpuid = new TreeMap<>();
        for (JsonCursor e : root.get("cpuid").elements()) {
            int leaf = e.get("leaf").hex32();
            Optional<JsonCursor> sl = e.opt("subleaf");
            if (!e.has("subleaf") && !hasKey(e, "subleaf")) {
                e.get("subleaf"); // "missing key"
            }
            CpuidLeaf k = new CpuidLeaf(leaf, sl.isPresent() ? sl.get().hex32() : CpuidLeaf.SUBLEAF_NA);
            if (cpuid.put(k, e.regs()) != null) {
                throw e.error("duplicate CPUID entry " + k);
            }
        }
        b.rawCpuid(cpuid);
        Map<Integer, Long> msrs = new TreeMap<>();
        for (JsonCursor m : root.get("msrs").elements()) {
            msrs.put(m.get("msr").hex32(), m.get("value").hex64());
            b.msr(m.get("msr").hex32(), m.get("value").hex64());
        }

        JsonCursor k = root.get("knobs");
        Set<String> known = new HashSet<>();
        b.ept4Level(boolKnob(k, "ept4Level", known, b));
        b.ept5Level(boolKnob(k, "ept5Level", known, b));
        b.supportedXcr0(knob(k, "supportedXcr0", known, b).hex64());
        b.supportedXss(knob(k, "supportedXss", known, b).hex64());
        b.tscHz(knob(k, "tscHz", known, b).integer(0, 100_000_000_000L));
        b.packages(knob(k, "packages", known, b).int32(1, 64));
        b.logicalProcessors(knob(k, "logicalProcessors", known, b).int32(1, 1 << 20));
        b.numMktmeKids(knob(k, "numMktmeKids", known, b).int32(0, 1 << 15));
        b.numTdxPrivKids(knob(k, "numTdxPrivKids", known, b).int32(0, 1 << 15));
        b.tdxConnect(boolKnob(k, "tdxConnect", known, b));
        boolean lass = boolKnob(k, "lass", known, b);
        b.miscEnableLimitCpuidMaxval(boolKnob(k, "miscEnableLimitCpuidMaxval", known, b));
        b.tsxCtrl(boolKnob(k, "tsxCtrl", known, b));
        b.seamVerifyReport(boolKnob(k, "seamVerifyReport", known, b));
        for (var e : k.fields()) {
            if (!known.contains(e.getKey())) {
                throw e.getValue().error("unknown knob (known: " + known + ")");
            }
        }
        // The knob and CPUID(7,1).EAX[6] must agree; the withers keep them in step afterwards.
        boolean cpuidLass = b.build().cpuid(7, 1).bit(org.tdxsim.module.cpuid.CpuidReg.EAX, 6);
        if (cpuidLass != lass) {
            throw k.get("lass").error("knob says " + lass + " but CPUID(7,1).EAX[6] is " + (cpuidLass ? 1 : 0));
        }
        b.lass(lass);
        // the withers mark knobs "changed"; restore the file's source strings
        for (String name : known) {
            b.knobSource(name, k.get(name).get("source").text());
        }
        if (root.has("notes")) {
            b.notes(root.get("notes").textList());
        }
        // Knobs that mirror an MSR bit must agree with the MSR when the file has it.
        checkMsrBit(k, "ept4Level", msrs, PlatformProfile.MSR_IA32_VMX_EPT_VPID_CAP, 6);
        checkMsrBit(k, "ept5Level", msrs, PlatformProfile.MSR_IA32_VMX_EPT_VPID_CAP, 7);
        checkMsrBit(k, "tsxCtrl", msrs, PlatformProfile.MSR_IA32_ARCH_CAPABILITIES, 7);
        checkMsrBit(k, "miscEnableLimitCpuidMaxval", msrs, PlatformProfile.MSR_IA32_MISC_ENABLE, 22);
        PlatformProfile p = b.build();
        return p;
    }

    private static void checkMsrBit(JsonCursor knobs, String knob, Map<Integer, Long> msrs, int msr, int bit)
            throws ProfileFormatException {
        Long v = msrs.get(msr);
        boolean value = knobs.get(knob).get("value").bool();
        if (v != null && ((v >>> bit & 1) == 1) != value) {
            throw knobs.get(knob).get("value").error("knob says " + value + " but MSR 0x"
                    + Integer.toHexString(msr).toUpperCase(java.util.Locale.ROOT) + " bit " + bit + " is " + (v >>> bit & 1));
        }
    }

    private static boolean hasKey(JsonCursor c, String key) throws ProfileFormatException {
        for (var e : c.fields()) {
            if (e.getKey().equals(key)) {
                return true;
            }
        }
        return false;
    }

    private static JsonCursor knob(JsonCursor knobs, String name, Set<String> known, PlatformProfile.Builder b)
            throws ProfileFormatException {
        known.add(name);
        JsonCursor k = knobs.get(name);
        k.get("source").text();
        return k.get("value");
    }

    private static boolean boolKnob(JsonCursor knobs, String name, Set<String> known, PlatformProfile.Builder b)
            throws ProfileFormatException {
        return knob(knobs, name, known, b).bool();
    }
}
