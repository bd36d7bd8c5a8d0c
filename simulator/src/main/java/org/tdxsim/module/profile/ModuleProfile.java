package org.tdxsim.module.profile;

import com.google.common.collect.ImmutableBiMap;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.tdxsim.module.cpuid.CpuidLeaf;

/**
 * One TDX module release as data: the tables Intel generates per version (CPUID lookup and
 * configurable masks, XFAM masks, constants, completion statuses, operand ids, metadata field
 * tables, OP_STATE table, leaf numbers, TDX_FEATURES0, sysInfo, allowed FMS). Immutable; built by
 * {@link ModuleProfiles} from the JSON schema of the spec folder's {@code module-data/README.md}.
 *
 * <p>Caveats carried over from the data (module-data README "Caveats"): platform-dependent values
 * (ATTRIBUTES_FIXED0 LASS/TPA, XFAM_FIXED0 & supported XCR0/XSS, TDX_FEATURES0 conditional bits)
 * are stored as compile-time bounds plus a rule; 1.5.06 has lookup gaps (slots 68-71); 2.0.08 tables
 * were hand-transcribed; some 2.0.08 constants are unknown ({@link #constant} is empty).
 */
public final class ModuleProfile {

    private final ModuleVersion version;
    private final String sourceRepo;
    private final String sourceCommit;
    private final String origin;
    private final ImmutableList<CpuidLookupEntry> cpuidLookup;
    private final ImmutableList<CpuidConfigurableEntry> cpuidConfigurable;
    private final ImmutableList<XfamMaskTable> xfamMasks;
    private final ImmutableMap<String, ModuleConstant> constants;
    private final Optional<TdxFeatures0> tdxFeatures0;
    private final ImmutableBiMap<String, Long> statusCodes;
    private final ImmutableBiMap<String, Integer> operandIds;
    private final ImmutableList<GlobalField> globalFields;
    private final ImmutableList<TdField> tdFields;
    private final Optional<TdFieldScheme10> tdFieldScheme1_0;
    private final Optional<OpStateLookup> opStateLookup;
    private final ImmutableMap<String, Integer> leafNumbers;
    private final ImmutableMap<String, String> leafCNames;
    private final ImmutableMap<String, Integer> tdcallLeafNumbers;
    private final ImmutableMap<String, String> sysInfo;
    private final Optional<AllowedFms> allowedFms;
    private final ImmutableMap<Integer, CpuidLookupEntry> lookupByIndex;
    /** {@link #leafNumbers} inverted (first name in table order wins), for the per-SEAMCALL {@link #leafName}. */
    private final ImmutableMap<Integer, String> leafNameByNumber;
    /** Field tables by name (first entry in table order wins), for per-call {@link #tdField}/{@link #globalField}. */
    private final ImmutableMap<String, TdField> tdFieldByName;
    private final ImmutableMap<String, GlobalField> globalFieldByName;

    ModuleProfile(ModuleVersion version, String sourceRepo, String sourceCommit, String origin,
            ImmutableList<CpuidLookupEntry> cpuidLookup, ImmutableList<CpuidConfigurableEntry> cpuidConfigurable,
            ImmutableList<XfamMaskTable> xfamMasks, ImmutableMap<String, ModuleConstant> constants,
            Optional<TdxFeatures0> tdxFeatures0, ImmutableBiMap<String, Long> statusCodes,
            ImmutableBiMap<String, Integer> operandIds, ImmutableList<GlobalField> globalFields,
            ImmutableList<TdField> tdFields, Optional<TdFieldScheme10> tdFieldScheme1_0,
            Optional<OpStateLookup> opStateLookup, ImmutableMap<String, Integer> leafNumbers,
            ImmutableMap<String, String> leafCNames, ImmutableMap<String, Integer> tdcallLeafNumbers,
            ImmutableMap<String, String> sysInfo, Optional<AllowedFms> allowedFms) {
        this.version = version;
        this.sourceRepo = sourceRepo;
        this.sourceCommit = sourceCommit;
        this.origin = origin;
        this.cpuidLookup = cpuidLookup;
        this.cpuidConfigurable = cpuidConfigurable;
        this.xfamMasks = xfamMasks;
        this.constants = constants;
        this.tdxFeatures0 = tdxFeatures0;
        this.statusCodes = statusCodes;
        this.operandIds = operandIds;
        this.globalFields = globalFields;
        this.tdFields = tdFields;
        this.tdFieldScheme1_0 = tdFieldScheme1_0;
        this.opStateLookup = opStateLookup;
        this.leafNumbers = leafNumbers;
        this.leafCNames = leafCNames;
        this.tdcallLeafNumbers = tdcallLeafNumbers;
        this.sysInfo = sysInfo;
        this.allowedFms = allowedFms;
        ImmutableMap.Builder<Integer, CpuidLookupEntry> b = ImmutableMap.builder();
        cpuidLookup.forEach(e -> b.put(e.index(), e));
        this.lookupByIndex = b.buildOrThrow();
        java.util.Map<Integer, String> names = new java.util.LinkedHashMap<>();
        leafNumbers.forEach((name, number) -> names.putIfAbsent(number, name));
        this.leafNameByNumber = ImmutableMap.copyOf(names);
        java.util.Map<String, TdField> tdByName = new java.util.LinkedHashMap<>();
        tdFields.forEach(f -> tdByName.putIfAbsent(f.name(), f));
        this.tdFieldByName = ImmutableMap.copyOf(tdByName);
        java.util.Map<String, GlobalField> globalByName = new java.util.LinkedHashMap<>();
        globalFields.forEach(f -> globalByName.putIfAbsent(f.name(), f));
        this.globalFieldByName = ImmutableMap.copyOf(globalByName);
    }

    // ---- identity ----

    public ModuleVersion version() {
        return version;
    }

    /** Source repository of the tables, e.g. {@code intel/tdx-module}. */
    public String sourceRepo() {
        return sourceRepo;
    }

    public String sourceCommit() {
        return sourceCommit;
    }

    /** Where this profile was loaded from (resource name or file path). */
    public String origin() {
        return origin;
    }

    // ---- CPUID tables (abi §5) ----

    /** Valid lookup entries in index order (the TDH.MNG.INIT iteration order, abi §4.1 row 22). */
    public ImmutableList<CpuidLookupEntry> cpuidLookup() {
        return cpuidLookup;
    }

    /** Configurable entries in TD_PARAMS.CPUID_CONFIG order (abi §5.6). */
    public ImmutableList<CpuidConfigurableEntry> cpuidConfigurable() {
        return cpuidConfigurable;
    }

    public ImmutableList<XfamMaskTable> xfamMasks() {
        return xfamMasks;
    }

    /** MAX_NUM_CPUID_CONFIG = number of configurable entries = N of TD_PARAMS (abi §3.1). */
    public int maxNumCpuidConfig() {
        return cpuidConfigurable.size();
    }

    /** The lookup array size MAX_NUM_CPUID_LOOKUP (1.5.06: 73 slots, 69 valid). */
    public int maxNumCpuidLookup() {
        return (int) constant("MAX_NUM_CPUID_LOOKUP").orElse(cpuidLookup.size());
    }

    public Optional<CpuidLookupEntry> lookupEntryAt(int index) {
        return Optional.ofNullable(lookupByIndex.get(index));
    }

    /** {@code get_cpuid_lookup_entry} (abi §6.1): exact subleaf match, or an NA entry of the leaf. */
    public Optional<CpuidLookupEntry> lookupEntry(int leaf, int subleaf) {
        for (CpuidLookupEntry e : cpuidLookup) {
            if (e.matches(leaf, subleaf)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    public Optional<CpuidConfigurableEntry> configurableFor(CpuidLookupEntry e) {
        return e.configurable() && e.configIndex() < cpuidConfigurable.size()
                ? Optional.of(cpuidConfigurable.get(e.configIndex()))
                : Optional.empty();
    }

    public Optional<CpuidConfigurableEntry> configurableEntry(int leaf, int subleaf) {
        return lookupEntry(leaf, subleaf).flatMap(this::configurableFor);
    }

    public Optional<XfamMaskTable> xfamMaskTable(int leaf, int subleaf) {
        for (XfamMaskTable t : xfamMasks) {
            if (t.leaf() == leaf && (t.subleaf() == subleaf || t.subleaf() == CpuidLeaf.SUBLEAF_NA)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    // ---- constants ----

    public ImmutableMap<String, ModuleConstant> constants() {
        return constants;
    }

    /** Value of a compile-time constant; empty if absent in this version or unknown. */
    public OptionalLong constant(String name) {
        ModuleConstant c = constants.get(name);
        return c == null ? OptionalLong.empty() : c.value();
    }

    public Optional<ModuleConstant> constantInfo(String name) {
        return Optional.ofNullable(constants.get(name));
    }

    // ---- statuses and operands (abi §2) ----

    public ImmutableBiMap<String, Long> statusCodes() {
        return statusCodes;
    }

    /**
     * The completion status value of {@code name} (e.g. {@code "TDX_OPERAND_INVALID"}).
     *
     * @throws NoSuchElementException if this version has no such status. The engine only asks for
     *     names in {@link RequiredNames}, which every loaded profile is checked to have, so this is a
     *     programming error, never a user-profile error
     */
    public long status(String name) {
        Long v = statusCodes.get(name);
        if (v == null) {
            throw new NoSuchElementException("module " + version + " has no status " + name);
        }
        return v;
    }

    public OptionalLong findStatus(String name) {
        Long v = statusCodes.get(name);
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }

    public boolean hasStatus(String name) {
        return statusCodes.containsKey(name);
    }

    /** Name of an exact base status value (operand bits must already be stripped). */
    public Optional<String> statusName(long baseValue) {
        return Optional.ofNullable(statusCodes.inverse().get(baseValue));
    }

    /** {@code status(name) | operand id}: the value a failing SEAMCALL returns in RAX (abi §2.1). */
    public long status(String name, String operand) {
        return status(name) | operandId(operand);
    }

    public ImmutableBiMap<String, Integer> operandIds() {
        return operandIds;
    }

    /**
     * Operand id (without the {@code OPERAND_ID_} prefix), e.g. {@code "CPUID_CONFIG"} = 69.
     *
     * @throws NoSuchElementException if this version has no such operand (see {@link #status(String)}
     *     for why the engine never meets it)
     */
    public int operandId(String name) {
        Integer v = operandIds.get(name);
        if (v == null) {
            throw new NoSuchElementException("module " + version + " has no operand id " + name);
        }
        return v;
    }

    public OptionalInt findOperandId(String name) {
        Integer v = operandIds.get(name);
        return v == null ? OptionalInt.empty() : OptionalInt.of(v);
    }

    public Optional<String> operandName(int id) {
        return Optional.ofNullable(operandIds.inverse().get(id));
    }

    // ---- leaves and OP_STATE ----

    /** SEAMCALL leaf numbers, {@code "TDH.MNG.INIT"} = 21 (abi §1). */
    public ImmutableMap<String, Integer> leafNumbers() {
        return leafNumbers;
    }

    public ImmutableMap<String, String> leafCNames() {
        return leafCNames;
    }

    public ImmutableMap<String, Integer> tdcallLeafNumbers() {
        return tdcallLeafNumbers;
    }

    public int leafNumber(String name) {
        Integer v = leafNumbers.get(name);
        if (v == null) {
            throw new NoSuchElementException("module " + version + " has no SEAMCALL leaf " + name);
        }
        return v;
    }

    public OptionalInt findLeafNumber(String name) {
        Integer v = leafNumbers.get(name);
        return v == null ? OptionalInt.empty() : OptionalInt.of(v);
    }

    public Optional<String> leafName(int leaf) {
        return Optional.ofNullable(leafNameByNumber.get(leaf));
    }

    /** TDH.SYS.RD (leaf 34) exists: 1.5 and 2.0 (abi §1). */
    public boolean hasSysRd() {
        return leafNumbers.containsKey("TDH.SYS.RD");
    }

    /** TDCS.OP_STATE exists (1.5+); 1.0 used TDR.INIT/TDCS.FINALIZED flags (abi §7.3). */
    public boolean hasOpState() {
        return opStateLookup.isPresent();
    }

    public Optional<OpStateLookup> opStateLookup() {
        return opStateLookup;
    }

    /**
     * Whether SEAMCALL {@code leaf} may run with TDCS.OP_STATE = {@code opState} (abi §7.3).
     * Leaves absent from the table do not consult OP_STATE and are reported as allowed; so is
     * every leaf on 1.0, which has no OP_STATE.
     */
    public boolean isLeafAllowedInOpState(int leaf, int opState) {
        if (opStateLookup.isEmpty()) {
            return true;
        }
        OpStateLookup.Row row = opStateLookup.get().seamcall().get(leaf);
        return row == null || row.allows(opState);
    }

    /** True if {@code leaf} has an OP_STATE row (consults OP_STATE at all). */
    public boolean leafConsultsOpState(int leaf) {
        return opStateLookup.map(t -> t.seamcall().containsKey(leaf)).orElse(false);
    }

    public OptionalInt opStateValue(String stateName) {
        return opStateLookup.map(t -> t.states().get(stateName))
                .map(OptionalInt::of).orElse(OptionalInt.empty());
    }

    // ---- metadata ----

    /** SYS-context fields (1.5+; empty for 1.0). */
    public ImmutableList<GlobalField> globalFields() {
        return globalFields;
    }

    /** TDR/TDCS fields (1.5+; empty for 1.0). */
    public ImmutableList<TdField> tdFields() {
        return tdFields;
    }

    public Optional<GlobalField> globalField(String name) {
        return Optional.ofNullable(globalFieldByName.get(name));
    }

    public Optional<TdField> tdField(String name) {
        return Optional.ofNullable(tdFieldByName.get(name));
    }

    /** 1.0 only: the pre-metadata TDH.MNG.RD/WR field scheme. */
    public Optional<TdFieldScheme10> tdFieldScheme1_0() {
        return tdFieldScheme1_0;
    }

    // ---- other tables ----

    /** 1.5+ only. */
    public Optional<TdxFeatures0> tdxFeatures0() {
        return tdxFeatures0;
    }

    /** Constant parts of TDH.SYS.INFO's TDSYSINFO_STRUCT, raw text per member (empty for 2.0.08). */
    public ImmutableMap<String, String> sysInfo() {
        return sysInfo;
    }

    /** A sysInfo member that is a number (JSON integer or hex string). */
    public OptionalLong sysInfoNumber(String key) {
        String s = sysInfo.get(key);
        if (s == null) {
            return OptionalLong.empty();
        }
        try {
            return s.startsWith("0x") ? OptionalLong.of(Long.parseUnsignedLong(s.substring(2), 16))
                    : OptionalLong.of(Long.parseLong(s));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** 1.5.x only. */
    public Optional<AllowedFms> allowedFms() {
        return allowedFms;
    }

    @Override
    public String toString() {
        return "ModuleProfile[" + version + " from " + origin + "]";
    }
}
