package org.tdxsim.module.profile;

import com.google.common.collect.ImmutableBiMap;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import com.google.common.collect.ImmutableSortedMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.tdxsim.module.cpuid.CpuidLeaf;
import org.tdxsim.module.cpuid.CpuidRegs;

/** Builds a {@link ModuleProfile} from the module-data JSON schema (schemaVersion 1). */
final class ModuleProfileParser {

    private static final long U32 = 0xFFFF_FFFFL;
    /** TD_PARAMS has room for (1024 - 0x100) / 16 CPUID_CONFIG values (abi §3.1). */
    static final int MAX_CPUID_CONFIG_IN_TD_PARAMS = (1024 - 0x100) / 16;

    private ModuleProfileParser() {
    }

    static ModuleProfile parse(JsonCursor root) throws ProfileFormatException {
        int schema = root.get("schemaVersion").int32(0, Integer.MAX_VALUE);
        if (schema != 1) {
            throw root.get("schemaVersion").error("unsupported schemaVersion " + schema + " (this build reads 1)");
        }
        JsonCursor v = root.get("version");
        ModuleVersion version = new ModuleVersion(v.get("major").int32(0, 255), v.get("minor").int32(0, 255),
                v.get("update").int32(0, 255), v.get("label").text());
        JsonCursor src = v.get("source");
        String repo = src.get("repo").text();
        String commit = src.get("commit").text();

        ImmutableList<CpuidLookupEntry> lookup = parseLookup(root.get("cpuidLookup"));
        ImmutableList<CpuidConfigurableEntry> configurable = parseConfigurable(root.get("cpuidConfigurable"));
        checkCrossReferences(root, lookup, configurable);

        ImmutableList.Builder<XfamMaskTable> xfam = ImmutableList.builder();
        for (JsonCursor t : root.get("xfamMasks").elements()) {
            ImmutableSortedMap.Builder<Integer, CpuidRegs> per = ImmutableSortedMap.naturalOrder();
            for (var e : t.get("perXfamBit").fields()) {
                per.put(parseBitKey(e.getValue(), e.getKey()), e.getValue().regs());
            }
            xfam.add(new XfamMaskTable(t.get("table").text(), t.get("leaf").hex32(), subleaf(t),
                    per.buildOrThrow()));
        }

        ImmutableMap.Builder<String, ModuleConstant> constants = ImmutableMap.builder();
        for (var e : root.get("constants").fields()) {
            JsonCursor c = e.getValue();
            ImmutableList.Builder<Integer> bits = ImmutableList.builder();
            Optional<JsonCursor> bc = c.opt("bits");
            if (bc.isPresent()) {
                for (JsonCursor b : bc.get().elements()) {
                    bits.add(b.int32(0, 63));
                }
            }
            constants.put(e.getKey(), new ModuleConstant(e.getKey(), c.optHex64("hex"), bits.build(),
                    c.optText("definedIn"), c.optText("notes"), c.optText("runtimeAdjustment"),
                    c.optHex64("effectiveAllowedMask")));
        }

        Optional<TdxFeatures0> features = root.opt("tdxFeatures0").isPresent()
                ? Optional.of(parseFeatures(root.get("tdxFeatures0"))) : Optional.empty();

        ImmutableBiMap<String, Long> statusCodes = uniqueMap(root.get("statusCodes"), c -> c.hex64());
        ImmutableBiMap<String, Integer> operandIds = uniqueMap(root.get("operandIds"), c -> c.int32(0, Integer.MAX_VALUE));
        checkEngineNames(root, version, statusCodes, operandIds);

        ImmutableList<GlobalField> globalFields = ImmutableList.of();
        Optional<JsonCursor> gf = version.is1_0() ? root.opt("globalFields") : Optional.of(root.get("globalFields"));
        if (gf.isPresent()) {
            ImmutableList.Builder<GlobalField> b = ImmutableList.builder();
            for (JsonCursor f : gf.get().elements()) {
                b.add(parseGlobalField(f));
            }
            globalFields = b.build();
            requireNonEmpty(gf.get(), globalFields, version, "TDH.SYS.RD");
        }
        ImmutableList<TdField> tdFields = ImmutableList.of();
        Optional<JsonCursor> tf = version.is1_0() ? root.opt("tdFields") : Optional.of(root.get("tdFields"));
        if (tf.isPresent()) {
            ImmutableList.Builder<TdField> b = ImmutableList.builder();
            for (JsonCursor f : tf.get().elements()) {
                b.add(parseTdField(f));
            }
            tdFields = b.build();
            requireNonEmpty(tf.get(), tdFields, version, "TDH.MNG.RD/WR");
        }
        // 1.0's TDH.MNG.RD/WR need the pre-metadata field scheme: a missing key is a load error there
        Optional<TdFieldScheme10> scheme10 = version.is1_0() || root.opt("tdFieldScheme1_0").isPresent()
                ? Optional.of(parseScheme10(root.get("tdFieldScheme1_0"))) : Optional.empty();
        Optional<OpStateLookup> opState = root.opt("opStateLookup").isPresent()
                ? Optional.of(parseOpState(root.get("opStateLookup"))) : Optional.empty();

        ImmutableMap<String, Integer> leafNumbers = intMap(root.get("leafNumbers"));
        ImmutableMap.Builder<String, String> cNames = ImmutableMap.builder();
        Optional<JsonCursor> cn = root.opt("leafCNames");
        if (cn.isPresent()) {
            for (var e : cn.get().fields()) {
                cNames.put(e.getKey(), e.getValue().text());
            }
        }
        ImmutableMap<String, Integer> tdcall = root.opt("tdcallLeafNumbers").isPresent()
                ? intMap(root.get("tdcallLeafNumbers")) : ImmutableMap.of();

        ImmutableMap.Builder<String, String> sysInfo = ImmutableMap.builder();
        Optional<JsonCursor> si = root.opt("sysInfo");
        if (si.isPresent()) {
            for (var e : si.get().fields()) {
                if (!e.getValue().isNull()) {
                    sysInfo.put(e.getKey(), e.getValue().rawText());
                }
            }
        }
        Optional<AllowedFms> fms = Optional.empty();
        Optional<JsonCursor> af = root.opt("allowedFms");
        if (af.isPresent()) {
            ImmutableList.Builder<AllowedFms.Entry> t = ImmutableList.builder();
            for (JsonCursor e : af.get().get("table").elements()) {
                t.add(new AllowedFms.Entry(e.get("name").text(), e.get("nativeFms").hex32(),
                        e.get("latestStepping").int32(0, 15), e.get("value").hex32()));
            }
            fms = Optional.of(new AllowedFms(t.build(), af.get().get("disallowedCount").int32(0, 1 << 16),
                    af.get().optText("notes")));
        }
        return new ModuleProfile(version, repo, commit, root.file(), lookup, configurable, xfam.build(),
                constants.buildOrThrow(), features, statusCodes, operandIds, globalFields, tdFields, scheme10,
                opState, leafNumbers, cNames.buildOrThrow(), tdcall, sysInfo.buildOrThrow(), fms);
    }

    private static int subleaf(JsonCursor entry) throws ProfileFormatException {
        Optional<JsonCursor> s = entry.opt("subleaf");
        if (!entry.has("subleaf") && !hasNullKey(entry, "subleaf")) {
            entry.get("subleaf"); // throws "missing key"
        }
        return s.isPresent() ? s.get().hex32() : CpuidLeaf.SUBLEAF_NA;
    }

    private static boolean hasNullKey(JsonCursor c, String key) throws ProfileFormatException {
        for (var e : c.fields()) {
            if (e.getKey().equals(key)) {
                return true;
            }
        }
        return false;
    }

    private static int parseBitKey(JsonCursor at, String key) throws ProfileFormatException {
        try {
            int bit = Integer.parseInt(key);
            if (bit < 0 || bit > 63) {
                throw at.error("XFAM bit key out of range: " + key);
            }
            return bit;
        } catch (NumberFormatException e) {
            throw at.error("XFAM bit key is not a number: \"" + key + "\"");
        }
    }

    private static ImmutableList<CpuidLookupEntry> parseLookup(JsonCursor arr) throws ProfileFormatException {
        ImmutableList.Builder<CpuidLookupEntry> b = ImmutableList.builder();
        int last = -1;
        for (JsonCursor e : arr.elements()) {
            int index = e.get("index").int32(0, 1023);
            if (index <= last) {
                throw e.get("index").error("entries must be in increasing index order (" + index + " after " + last + ")");
            }
            last = index;
            Optional<JsonCursor> ci = e.opt("configIndex");
            b.add(new CpuidLookupEntry(index, e.get("leaf").hex32(), subleaf(e), e.get("faulting").bool(),
                    e.get("verifyMask").regs(), e.get("verifyValue").regs(), e.get("verifySame").regs(),
                    e.get("fixed0OrDynamic").regs(), e.get("fixed1").regs(),
                    ci.isPresent() ? ci.get().int32(0, 1023) : -1));
        }
        return b.build();
    }

    private static ImmutableList<CpuidConfigurableEntry> parseConfigurable(JsonCursor arr) throws ProfileFormatException {
        ImmutableList.Builder<CpuidConfigurableEntry> b = ImmutableList.builder();
        List<JsonCursor> els = arr.elements();
        if (els.size() > MAX_CPUID_CONFIG_IN_TD_PARAMS) {
            throw arr.error(els.size() + " entries, but TD_PARAMS has room for at most " + MAX_CPUID_CONFIG_IN_TD_PARAMS
                    + " CPUID_CONFIG values ((1024 - 0x100) / 16 bytes, abi §3.1)");
        }
        for (int i = 0; i < els.size(); i++) {
            JsonCursor e = els.get(i);
            int index = e.get("index").int32(0, 1023);
            if (index != i) {
                throw e.get("index").error("configurable entries must be dense and in order: expected index " + i + ", found " + index);
            }
            b.add(new CpuidConfigurableEntry(index, e.get("leaf").hex32(), subleaf(e), e.get("configDirect").regs(),
                    e.get("allowDirect").regs(), e.get("lookupIndex").int32(0, 1023)));
        }
        return b.build();
    }

    private static void checkCrossReferences(JsonCursor root, List<CpuidLookupEntry> lookup,
            List<CpuidConfigurableEntry> configurable) throws ProfileFormatException {
        Map<Integer, CpuidLookupEntry> byIndex = new HashMap<>();
        lookup.forEach(e -> byIndex.put(e.index(), e));
        List<JsonCursor> lk = root.get("cpuidLookup").elements();
        for (int i = 0; i < lookup.size(); i++) {
            CpuidLookupEntry e = lookup.get(i);
            if (e.configurable()) {
                if (e.configIndex() >= configurable.size()) {
                    throw lk.get(i).get("configIndex").error("out of range: " + e.configIndex()
                            + " but cpuidConfigurable has " + configurable.size() + " entries");
                }
                CpuidConfigurableEntry c = configurable.get(e.configIndex());
                if (c.leaf() != e.leaf() || c.subleaf() != e.subleaf()) {
                    throw lk.get(i).get("configIndex").error("points to cpuidConfigurable[" + e.configIndex()
                            + "] for " + c.cpuidLeaf() + ", but this entry is " + e.cpuidLeaf());
                }
            }
        }
        List<JsonCursor> cf = root.get("cpuidConfigurable").elements();
        for (int i = 0; i < configurable.size(); i++) {
            CpuidConfigurableEntry c = configurable.get(i);
            CpuidLookupEntry e = byIndex.get(c.lookupIndex());
            if (e == null || e.leaf() != c.leaf() || e.subleaf() != c.subleaf()) {
                throw cf.get(i).get("lookupIndex").error("does not point to a cpuidLookup entry for " + c.cpuidLeaf());
            }
        }
    }

    /**
     * The status and operand-id names the engine resolves for this version ({@link RequiredNames}) must
     * be in the file, else a SEAMCALL would throw instead of returning a status.
     */
    private static void checkEngineNames(JsonCursor root, ModuleVersion version, ImmutableBiMap<String, Long> statuses,
            ImmutableBiMap<String, Integer> operands) throws ProfileFormatException {
        Optional<String> s = RequiredNames.firstMissing(RequiredNames.statuses(version), statuses);
        if (s.isPresent()) {
            throw root.get("statusCodes").error("missing " + s.get() + ", which module " + version + " returns");
        }
        Optional<String> o = RequiredNames.firstMissing(RequiredNames.operands(version), operands);
        if (o.isPresent()) {
            throw root.get("operandIds").error("missing " + o.get() + ", an operand id module " + version + " reports");
        }
    }

    /** 1.5+ metadata tables: TDH.SYS.RD / TDH.MNG.RD/WR look fields up in them. */
    private static void requireNonEmpty(JsonCursor at, List<?> parsed, ModuleVersion version, String leaves)
            throws ProfileFormatException {
        if (!version.is1_0() && parsed.isEmpty()) {
            throw at.error("empty, but module " + version + "'s " + leaves + " look fields up in it");
        }
    }

    private interface Reader<T> {
        T read(JsonCursor c) throws ProfileFormatException;
    }

    private static <T> ImmutableBiMap<String, T> uniqueMap(JsonCursor obj, Reader<T> r) throws ProfileFormatException {
        ImmutableBiMap.Builder<String, T> b = ImmutableBiMap.builder();
        Set<T> seen = new HashSet<>();
        for (var e : obj.fields()) {
            T v = r.read(e.getValue());
            if (!seen.add(v)) {
                throw e.getValue().error("duplicate value " + v + " (values must be unique)");
            }
            b.put(e.getKey(), v);
        }
        return b.buildOrThrow();
    }

    private static ImmutableMap<String, Integer> intMap(JsonCursor obj) throws ProfileFormatException {
        ImmutableMap.Builder<String, Integer> b = ImmutableMap.builder();
        for (var e : obj.fields()) {
            b.put(e.getKey(), e.getValue().int32(0, Integer.MAX_VALUE));
        }
        return b.buildOrThrow();
    }

    private static TdxFeatures0 parseFeatures(JsonCursor f) throws ProfileFormatException {
        ImmutableList.Builder<TdxFeatures0.Bit> unc = ImmutableList.builder();
        for (JsonCursor b : f.get("unconditionalBits").elements()) {
            unc.add(new TdxFeatures0.Bit(b.get("bit").int32(0, 63), b.get("name").text()));
        }
        ImmutableList.Builder<TdxFeatures0.ConditionalBit> cond = ImmutableList.builder();
        for (JsonCursor b : f.get("conditionalBits").elements()) {
            cond.add(new TdxFeatures0.ConditionalBit(b.get("bit").int32(0, 63), b.get("name").text(),
                    b.get("condition").text()));
        }
        ImmutableList.Builder<TdxFeatures0.Bit> zero = ImmutableList.builder();
        Optional<JsonCursor> z = f.opt("explicitlyZeroBits");
        if (z.isPresent()) {
            for (JsonCursor b : z.get().elements()) {
                zero.add(new TdxFeatures0.Bit(b.get("bit").int32(0, 63), b.get("name").text()));
            }
        }
        ImmutableMap.Builder<String, Integer> defined = ImmutableMap.builder();
        for (var e : f.get("definedBits").fields()) {
            defined.put(e.getKey(), e.getValue().int32(0, 63));
        }
        return new TdxFeatures0(defined.buildOrThrow(), unc.build(), cond.build(), zero.build(),
                f.get("valueWithNoConditionalBits").hex64(), f.get("valueWithAllConditionalBits").hex64());
    }

    private static ReportedValue parseReported(JsonCursor r) throws ProfileFormatException {
        String kind = r.get("valueKind").text();
        ReportedValue.Kind k = switch (kind) {
            case "constant" -> ReportedValue.Kind.CONSTANT;
            case "platform" -> ReportedValue.Kind.PLATFORM;
            case "buildTime" -> ReportedValue.Kind.BUILD_TIME;
            case "runtime" -> ReportedValue.Kind.RUNTIME;
            default -> throw r.get("valueKind").error("unknown valueKind \"" + kind
                    + "\" (expected constant, platform, buildTime or runtime)");
        };
        OptionalLong value = OptionalLong.empty();
        Optional<JsonCursor> vc = r.opt("value");
        // Free-text "values" (e.g. "build time (YYYYMMDD)") are descriptions, not numbers.
        if (vc.isPresent() && vc.get().isTextual() && vc.get().rawText().startsWith("0x")) {
            value = OptionalLong.of(vc.get().hex64());
        }
        ImmutableList.Builder<Long> elements = ImmutableList.builder();
        Optional<JsonCursor> el = r.opt("elements");
        if (el.isPresent()) {
            for (JsonCursor e : el.get().elements()) {
                if (e.isTextual()) {
                    elements.add(e.hex64());
                } else {
                    for (JsonCursor e2 : e.elements()) {
                        elements.add(e2.hex64());
                    }
                }
            }
        }
        ImmutableList.Builder<Long> cd = ImmutableList.builder();
        ImmutableList.Builder<Long> ad = ImmutableList.builder();
        Optional<JsonCursor> parts = r.opt("elementParts");
        if (parts.isPresent()) {
            for (JsonCursor p : parts.get().elements()) {
                for (JsonCursor x : p.get("configDirect").elements()) {
                    cd.add(x.hex64());
                }
                for (JsonCursor x : p.get("allowDirect").elements()) {
                    ad.add(x.hex64());
                }
            }
        }
        return new ReportedValue(k, value, r.optHex64("valueWithAllConditionalBits"), elements.build(), cd.build(),
                ad.build(), r.optText("notes"));
    }

    private static GlobalField parseGlobalField(JsonCursor f) throws ProfileFormatException {
        return new GlobalField(f.get("name").text(), f.get("tableIndex").int32(0, 1 << 20), f.get("fieldId").hex64(),
                f.get("classCode").int32(0, 63), f.get("contextCode").int32(0, 7), f.get("fieldCode").hex32(),
                f.get("elementSizeBytes").int32(1, 8), f.get("numFields").int32(0, 1 << 20),
                f.get("numElementsPerField").int32(0, 1 << 20), f.get("numElements").int32(0, 1 << 24),
                f.get("vmmReadMask").hex64(), f.get("vmmWriteMask").hex64(), f.get("readableByVmm").bool(),
                f.get("guestReadMask").hex64(), f.get("guestWriteMask").hex64(), f.get("exportMask").hex64(),
                f.get("importMask").hex64(), f.get("specialReadHandling").bool(), f.get("specialWriteHandling").bool(),
                f.get("migExport").text(), f.get("migImport").text(), parseReported(f.get("reported")));
    }

    private static TdField parseTdField(JsonCursor f) throws ProfileFormatException {
        return new TdField(f.get("name").text(), f.get("tableIndex").int32(0, 1 << 20), f.get("fieldId").hex64(),
                f.get("classCode").int32(0, 63), f.get("contextCode").int32(0, 7), f.get("fieldCode").hex32(),
                f.get("elementSizeBytes").int32(1, 8), f.get("numFields").int32(0, 1 << 20),
                f.get("numElementsPerField").int32(0, 1 << 20), f.get("numElements").int32(0, 1 << 24),
                f.get("offset").hex32(), f.get("attributes").hex32(), f.get("hostReadMaskProd").hex64(),
                f.get("hostWriteMaskProd").hex64(), f.get("hostReadMaskDebug").hex64(),
                f.get("hostWriteMaskDebug").hex64(), f.get("guestReadMask").hex64(), f.get("guestWriteMask").hex64(),
                f.get("migTdReadMask").hex64(), f.get("migTdWriteMask").hex64(), f.get("exportMask").hex64(),
                f.get("importMask").hex64(), f.get("specialReadHandling").bool(), f.get("specialWriteHandling").bool(),
                f.get("migExport").text(), f.get("migImport").text());
    }

    private static TdFieldScheme10 parseScheme10(JsonCursor s) throws ProfileFormatException {
        ImmutableMap.Builder<String, Integer> classes = ImmutableMap.builder();
        for (var e : s.get("classCodes").fields()) {
            classes.put(e.getKey(), e.getValue().int32(0, 127));
        }
        ImmutableMap.Builder<String, String> errors = ImmutableMap.builder();
        for (var e : s.get("errors").fields()) {
            errors.put(e.getKey(), e.getValue().text());
        }
        ImmutableList.Builder<TdFieldScheme10.Field> fields = ImmutableList.builder();
        for (JsonCursor f : s.get("fields").elements()) {
            fields.add(new TdFieldScheme10.Field(f.get("name").text(), f.get("fieldCode").hex64(),
                    f.get("count").int32(0, 1 << 20), f.get("elementSizeBytes").int32(1, 8),
                    f.get("hostReadMaskProd").hex64(), f.get("hostReadMaskDebug").hex64(),
                    f.get("hostWriteMaskProd").hex64(), f.get("hostWriteMaskDebug").hex64(),
                    f.optText("indexing"), f.optText("notes")));
        }
        ImmutableMap.Builder<String, Long> unused = ImmutableMap.builder();
        Optional<JsonCursor> u = s.opt("unusedDefinedCodes");
        if (u.isPresent()) {
            for (var e : u.get().fields()) {
                unused.put(e.getKey(), e.getValue().hex64());
            }
        }
        return new TdFieldScheme10(classes.buildOrThrow(), errors.buildOrThrow(), fields.build(), unused.buildOrThrow());
    }

    private static OpStateLookup parseOpState(JsonCursor o) throws ProfileFormatException {
        ImmutableMap.Builder<String, Integer> states = ImmutableMap.builder();
        for (var e : o.get("states").fields()) {
            states.put(e.getKey(), e.getValue().int32(0, 31));
        }
        return new OpStateLookup(states.buildOrThrow(), parseOpRows(o.get("seamcall")),
                ImmutableSet.copyOf(o.opt("servtdBindOtherTd").isPresent() ? o.get("servtdBindOtherTd").textList()
                        : ImmutableList.of()),
                o.opt("tdcall").isPresent() ? parseOpRows(o.get("tdcall")) : ImmutableMap.of());
    }

    private static ImmutableMap<Integer, OpStateLookup.Row> parseOpRows(JsonCursor arr) throws ProfileFormatException {
        ImmutableMap.Builder<Integer, OpStateLookup.Row> rows = ImmutableMap.builder();
        Set<Integer> seen = new HashSet<>();
        for (JsonCursor r : arr.elements()) {
            int leaf = r.get("leaf").int32(0, 0xFFFF);
            if (!seen.add(leaf)) {
                throw r.get("leaf").error("duplicate leaf " + leaf);
            }
            int mask = 0;
            List<JsonCursor> bm = r.get("bitmap").elements();
            for (int i = 0; i < bm.size(); i++) {
                if (bm.get(i).int32(0, 1) == 1) {
                    mask |= 1 << i;
                }
            }
            rows.put(leaf, new OpStateLookup.Row(leaf, r.get("name").text(), mask, r.get("allowedStates").textList()));
        }
        return rows.buildOrThrow();
    }

    static long u32(int v) {
        return v & U32;
    }
}
