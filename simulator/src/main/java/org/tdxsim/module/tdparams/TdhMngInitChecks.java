package org.tdxsim.module.tdparams;

import com.google.common.collect.ImmutableMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.tdxsim.module.cpuid.CpuidComputation;
import org.tdxsim.module.cpuid.CpuidInputs;
import org.tdxsim.module.cpuid.CpuidVirtualization;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.platform.SysInitFacts;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.status.Explanation;

/**
 * The TD_PARAMS checks of TDH.MNG.INIT, in the module's order, as a pure function: abi §4.1 rows
 * 8-26 for 1.5/2.0 ([M1.5.01]/[M1.5.06]/[M2.0] {@code tdh_mng_init.c}, {@code helpers.c}) and the
 * 1.0 order of abi §4.2 ([M1.0] {@code read_and_set_td_configurations},
 * {@code read_and_set_cpuid_configurations}). Rows 1-7 (MISC_ENABLE, TDR, lifecycle, TDCS pages,
 * OP_STATE, TD_PARAMS address) belong to the SEAMCALL engine, which calls {@link #check} after
 * them. Every rejection carries the exact status the module returns (status | operand id from the
 * profile's tables), RCX extended info where the module sets it, and an {@link Explanation}.
 *
 * <p>Platform-dependent rows use the {@link PlatformProfile}: ATTRIBUTES_FIXED0 run-time adjustment
 * (LASS, TPA), XFAM_FIXED0 & supported XCR0|XSS, 5-level EPT capability, native MAXPA for
 * MIN_PA_FOR_PML5 (1.5.x; absent from 2.0.08), TSX_CTRL; {@link PlatformRuntime} gives
 * IA32_TSC_ADJUST. Row 23 (CPUID 0x1F topology) is not examined in the spec: only "all-zero =
 * use hardware" is modelled (see {@link CpuidVirtualization}), never a rejection.
 *
 * <p>2.0 adds the perfmon event filters between row 21 and row 22 ({@link #eventFilters}; [M2.0]
 * {@code tdh_mng_init.c}, not in the digest).
 */
public final class TdhMngInitChecks {

    /** ATTRIBUTES bit names (abi §3.4). */
    private static final ImmutableMap<Integer, String> ATTRIBUTE_NAMES = ImmutableMap.<Integer, String>builder()
            .put(0, "DEBUG").put(6, "PMT_PROF").put(16, "ICSSD").put(27, "LASS").put(28, "SEPT_VE_DISABLE")
            .put(29, "MIGRATABLE").put(30, "PKS").put(31, "KL").put(62, "TPA").put(63, "PERFMON").buildOrThrow();

    /** XFAM bit names (XCR0/IA32_XSS components, SDM Vol. 1 §13.1). */
    private static final ImmutableMap<Integer, String> XFAM_NAMES = ImmutableMap.<Integer, String>builder()
            .put(0, "x87").put(1, "SSE").put(2, "AVX").put(3, "BNDREGS").put(4, "BNDCSR").put(5, "opmask")
            .put(6, "ZMM_Hi256").put(7, "Hi16_ZMM").put(8, "PT").put(9, "PKRU").put(10, "PASID").put(11, "CET_U")
            .put(12, "CET_S").put(13, "HDC").put(14, "UINTR").put(15, "LBR").put(16, "HWP").put(17, "XTILECFG")
            .put(18, "XTILEDATA").buildOrThrow();

    static final int ATTR_DEBUG = 0;
    static final int ATTR_ICSSD = 16;
    static final int ATTR_MIGRATABLE = 29;
    static final int ATTR_PERFMON = 63;
    /** IA32_TSC_ADJUST, the detail of TDX_INCONSISTENT_MSR (abi §2.3). */
    static final int MSR_IA32_TSC_ADJUST = 0x3B;
    /** IA32_ARCH_CAPABILITIES, the detail of TDX_INCORRECT_MSR_VALUE (abi §2.3). */
    static final int MSR_IA32_ARCH_CAPABILITIES = 0x10A;
    /** MAX_EVENT_FILTERS when the profile lacks the constant ([M2.0] include/tdx_api_defs.h at 1666adc4: 512). */
    static final long DEFAULT_MAX_EVENT_FILTERS = 512;

    private final ModuleProfile m;
    private final PlatformProfile p;
    private final PlatformRuntime rt;
    private final TdParams t;
    private final int numTdcx;
    private final Optional<EventFilterInput> filters;
    private final SysInitFacts facts;

    private TdhMngInitChecks(ModuleProfile m, PlatformProfile p, PlatformRuntime rt, TdParams t, int numTdcx,
            Optional<EventFilterInput> filters) {
        this.m = m;
        this.p = p;
        this.rt = rt;
        this.t = t;
        this.numTdcx = numTdcx;
        this.filters = filters;
        this.facts = new SysInitFacts(m, p);
    }

    /**
     * Runs the TD_PARAMS checks of TDH.MNG.INIT.
     *
     * @param numTdcx TDR.NUM_TDCX, for row 12 (NUM_TDCX ≥ MIN_NUM_TDCS_PAGES + NUM_L2_VMS)
     * @throws IllegalArgumentException if {@code params} was decoded with another version's layout
     */
    public static TdParamsCheckResult check(ModuleProfile module, PlatformProfile platform, PlatformRuntime runtime,
            TdParams params, int numTdcx) {
        return check(module, platform, runtime, params, numTdcx, Optional.empty());
    }

    /**
     * Runs the TD_PARAMS checks of TDH.MNG.INIT with 2.0's event-filter operands.
     *
     * @param filters present when TDH.MNG.INIT was called with RCX bit 0 set on a 2.0 module; ignored
     *                (as the module has no such flag) on older versions
     * @throws IllegalArgumentException if {@code params} was decoded with another version's layout
     */
    public static TdParamsCheckResult check(ModuleProfile module, PlatformProfile platform, PlatformRuntime runtime,
            TdParams params, int numTdcx, Optional<EventFilterInput> filters) {
        if (!params.layout().equals(TdParamsLayout.of(module))) {
            throw new IllegalArgumentException("TD_PARAMS layout " + params.layout() + " does not match module "
                    + module.version());
        }
        Optional<EventFilterInput> f = module.version().isAtLeast(2, 0, 0) ? filters : Optional.empty();
        TdhMngInitChecks c = new TdhMngInitChecks(module, platform, runtime, params, numTdcx, f);
        return module.version().is1_0() ? c.run10() : c.run15();
    }

    // ---------------------------------------------------------------- 1.5 / 2.0 (abi §4.1)

    private TdParamsCheckResult run15() {
        TdParamsCheckResult.Rejected r;
        if ((r = row8Attributes()) != null
                || (r = row9Xfam()) != null
                || (r = row10MaxVcpus()) != null
                || (r = row11NumL2Vms()) != null
                || (r = row12TdcsPagesForL2()) != null
                || (r = reserved("reserved0", t.reserved0(), t.layout().reserved0Offset(), "abi §4.1 row 13")) != null
                || (r = row14ConfigFlags()) != null
                || (r = row15EptpControls()) != null
                || (r = row16TscFrequency()) != null
                || (r = row17TscAdjust()) != null
                || (r = reserved("reserved1", t.reserved1(), TdParamsLayout.OFF_RESERVED1, "abi §4.1 row 18")) != null
                || (r = row20MsrConfigCtls()) != null
                || (r = reserved("reserved2", t.reserved2(), t.layout().reserved2Offset(), "abi §4.1 row 21")) != null
                || (r = eventFilters()) != null) {
            return r;
        }
        CpuidComputation cpuid = row22Cpuid();
        if (cpuid instanceof CpuidComputation.Refused refused) {
            return rejectCpuid(refused);
        }
        if ((r = reserved("reserved3", t.reserved3(), t.layout().reserved3Offset(), "abi §4.1 row 24")) != null
                || (r = row25ArchCapabilitiesConfig()) != null
                || (r = row26MigratableWithL2()) != null) {
            return r;
        }
        return new TdParamsCheckResult.Accepted(config((CpuidComputation.Computed) cpuid));
    }

    /** Row 8: ATTRIBUTES within FIXED0/FIXED1; MIGRATABLE excludes DEBUG and PERFMON; 2.0: not PERFMON and ICSSD. */
    private TdParamsCheckResult.Rejected row8Attributes() {
        long a = t.attributes();
        long fixed0 = facts.attributesFixed0();
        long fixed1 = facts.attributesFixed1();
        long bad = a & ~fixed0;
        if (bad != 0 || (a & fixed1) != fixed1) {
            List<String> lines = new ArrayList<>();
            long compiled = m.constant("TDX_ATTRIBUTES_FIXED0").orElse(0);
            for (int b = 0; b < 64; b++) {
                if ((bad >>> b & 1) != 0) {
                    String why = (compiled >>> b & 1) != 0
                            ? (b == SysInitFacts.ATTR_LASS ? "the CPU lacks LASS, so TDH.SYS.INIT cleared it from ATTRIBUTES_FIXED0"
                                    : b == SysInitFacts.ATTR_TPA ? "the platform has no TDX Connect, so TDH.SYS.INIT cleared it"
                                            : "cleared from ATTRIBUTES_FIXED0 on this platform")
                            : "not in ATTRIBUTES_FIXED0 of module " + m.version();
                    lines.add("bit " + b + name(ATTRIBUTE_NAMES, b) + ": " + why);
                }
            }
            if ((a & fixed1) != fixed1) {
                lines.add(String.format("ATTRIBUTES_FIXED1 bits 0x%X must be 1", fixed1 & ~a));
            }
            return invalid("ATTRIBUTES", String.format("ATTRIBUTES 0x%016X has bits outside ATTRIBUTES_FIXED0 0x%016X",
                    a, fixed0), lines, "abi §4.1 row 8");
        }
        if (bit(a, ATTR_MIGRATABLE) && (bit(a, ATTR_DEBUG) || bit(a, ATTR_PERFMON))) {
            return invalid("ATTRIBUTES", "a MIGRATABLE TD cannot also be DEBUG or PERFMON", List.of(
                    "MIGRATABLE (bit 29) = 1 with DEBUG (bit 0) = " + (bit(a, ATTR_DEBUG) ? 1 : 0)
                            + ", PERFMON (bit 63) = " + (bit(a, ATTR_PERFMON) ? 1 : 0)), "abi §4.1 row 8");
        }
        if (m.version().isAtLeast(2, 0, 0) && bit(a, ATTR_PERFMON) && bit(a, ATTR_ICSSD)) {
            return invalid("ATTRIBUTES", "PERFMON (bit 63) and ICSSD (bit 16) cannot both be 1 in module " + m.version(),
                    List.of(), "abi §4.1 row 8");
        }
        return null;
    }

    /** Row 9 (1.0: same checks, [M1.0] {@code check_xfam}). */
    private TdParamsCheckResult.Rejected row9Xfam() {
        long x = t.xfam();
        long fixed0 = facts.xfamFixed0();
        long fixed1 = facts.xfamFixed1();
        List<String> lines = new ArrayList<>();
        long bad = x & ~fixed0;
        for (int b = 0; b < 64; b++) {
            if ((bad >>> b & 1) != 0) {
                boolean compiled = (m.constant("TDX_XFAM_FIXED0").orElse(0) >>> b & 1) != 0;
                lines.add("bit " + b + name(XFAM_NAMES, b) + ": " + (compiled
                        ? "the platform does not support it (not in supported XCR0 | IA32_XSS)"
                        : "not in XFAM_FIXED0 of module " + m.version()));
            }
        }
        if ((x & fixed1) != fixed1) {
            lines.add(String.format("XFAM_FIXED1 bits 0x%X (x87, SSE) must be 1", fixed1 & ~x));
        }
        long avx512 = x >>> 5 & 7;
        if (avx512 != 0 && avx512 != 7) {
            lines.add("AVX-512 bits 5, 6, 7 must be all 0 or all 1 (found " + Long.toBinaryString(avx512) + " in 7:5)");
        }
        if (avx512 == 7 && !bit(x, 2)) {
            lines.add("AVX-512 (bits 5-7) requires AVX (bit 2)");
        }
        if (bit(x, 11) != bit(x, 12)) {
            lines.add("CET_U (bit 11) and CET_S (bit 12) must be equal");
        }
        if (bit(x, 17) != bit(x, 18)) {
            lines.add("XTILECFG (bit 17) and XTILEDATA (bit 18) must be equal");
        }
        return lines.isEmpty() ? null : invalid("XFAM", String.format("XFAM 0x%016X is not valid on this platform "
                + "(allowed-1 mask 0x%X)", x, fixed0), lines, "abi §4.1 row 9");
    }

    /** Row 10: MAX_VCPUS ≠ 0 and ≤ MAX_VCPUS_PER_TD where the version defines it (1.5.06+). */
    private TdParamsCheckResult.Rejected row10MaxVcpus() {
        if (t.maxVcpus() == 0) {
            return invalid("MAX_VCPUS", "MAX_VCPUS must not be 0", List.of(), "abi §4.1 row 10");
        }
        var limit = m.constant("MAX_VCPUS_PER_TD");
        if (limit.isPresent() && t.maxVcpus() > limit.getAsLong()) {
            return invalid("MAX_VCPUS", "MAX_VCPUS " + t.maxVcpus() + " exceeds MAX_VCPUS_PER_TD " + limit.getAsLong()
                    + " of module " + m.version(), List.of(), "abi §4.1 row 10");
        }
        return null;
    }

    private TdParamsCheckResult.Rejected row11NumL2Vms() {
        long max = m.constant("MAX_L2_VMS").orElse(3);
        if (t.numL2Vms() > max) {
            return invalid("NUM_L2_VMS", "NUM_L2_VMS " + t.numL2Vms() + " exceeds " + max, List.of(), "abi §4.1 row 11");
        }
        return null;
    }

    /** Row 12: one extra TDCS page per L2 VM → TDX_TDCS_NOT_ALLOCATED (no operand). */
    private TdParamsCheckResult.Rejected row12TdcsPagesForL2() {
        long min = m.constant("MIN_NUM_TDCS_PAGES").orElse(0);
        long perL2 = m.constant("TDCS_PAGES_PER_L2_VM").orElse(1);
        long need = min + perL2 * t.numL2Vms();
        if (numTdcx < need) {
            return new TdParamsCheckResult.Rejected(m.status("TDX_TDCS_NOT_ALLOCATED"), 0, Explanation.of(
                    "the TD has " + numTdcx + " TDCS pages but NUM_L2_VMS " + t.numL2Vms() + " needs " + need,
                    "MIN_NUM_TDCS_PAGES " + min + " + " + perL2 + " per L2 VM (abi §4.1 row 12)"));
        }
        return null;
    }

    /** Row 14: CONFIG_FLAGS within FIXED0/FIXED1; 2.0: MAXPA_VIRT and MAXGPA_VIRT not both. */
    private TdParamsCheckResult.Rejected row14ConfigFlags() {
        long f = t.configFlags();
        long fixed0 = facts.configFlagsFixed0();
        long fixed1 = facts.configFlagsFixed1();
        if ((f & ~fixed0) != 0 || (f & fixed1) != fixed1) {
            return invalid("EXEC_CONTROLS", String.format("CONFIG_FLAGS 0x%X has bits outside CONFIG_FLAGS_FIXED0 0x%X of "
                    + "module %s", f, fixed0, m.version()), List.of(String.format("offending bits 0x%X", f & ~fixed0)),
                    "abi §4.1 row 14");
        }
        if (m.version().isAtLeast(2, 0, 0) && bit(f, 3) && bit(f, 4)) {
            return invalid("EXEC_CONTROLS", "CONFIG_FLAGS.MAXPA_VIRT (bit 3) and MAXGPA_VIRT (bit 4) cannot both be 1",
                    List.of(), "abi §4.1 row 14");
        }
        return null;
    }

    /** The EPTP field rules of abi §3.5, shared by 1.0 and later; null if they hold. */
    private String eptpFieldProblem() {
        long e = t.eptpControls();
        int mt = (int) (e & 7);
        int pwl = (int) (e >>> 3 & 7);
        if (mt != 6) {
            return "memory type (bits 2:0) is " + mt + ", must be 6 (WB)";
        }
        if (pwl != 3 && pwl != 4) {
            return "page-walk length - 1 (bits 5:3) is " + pwl + ", must be 3 (4-level) or 4 (5-level)";
        }
        if (bit(e, 6)) {
            return "A/D enable (bit 6) must be 0";
        }
        if (bit(e, 7)) {
            return "supervisor shadow-stack control (bit 7) must be 0";
        }
        if ((e >>> 8 & 0xF) != 0) {
            return "reserved bits 11:8 must be 0";
        }
        if ((e >>> 12 & ((1L << 40) - 1)) != 0) {
            return "base PA (bits 51:12) must be 0: the module fills in the S-EPT root";
        }
        if ((e >>> 52) != 0) {
            return "reserved bits 63:52 must be 0";
        }
        return null;
    }

    /**
     * Row 15 ({@code verify_and_set_td_eptp_controls}): field rules; 5-level needs 5-level EPT on the
     * CPU; 5-level needs native MAXPA ≥ MIN_PA_FOR_PML5 (49) in 1.5.x only (absent from 2.0.08); GPAW
     * = 1 needs 5-level (1.0 reports that as EXEC_CONTROLS instead).
     */
    private TdParamsCheckResult.Rejected row15EptpControls() {
        String fields = eptpFieldProblem();
        String src = "abi §4.1 row 15";
        if (fields != null) {
            return invalid("EPTP_CONTROLS", String.format("EPTP_CONTROLS 0x%X is not valid", t.eptpControls()),
                    List.of(fields), src);
        }
        boolean pml5 = t.eptWalkLevels() == 5;
        if (pml5 && !p.ept5Level()) {
            return invalid("EPTP_CONTROLS", "5-level EPT requested but the CPU does not support it",
                    List.of("IA32_VMX_EPT_VPID_CAP bit 7 (page-walk length 5) is 0 on " + p.name()), src);
        }
        if (pml5 && !m.version().isAtLeast(2, 0, 0)) {
            long minPa = m.constant("MIN_PA_FOR_PML5").orElse(49);
            if (p.maxPhysAddr() < minPa) {
                return invalid("EPTP_CONTROLS", "5-level EPT requires native MAXPA >= MIN_PA_FOR_PML5 (" + minPa
                        + ") in module " + m.version(), List.of("native MAXPA is " + p.maxPhysAddr()
                        + " (check absent from 2.0.08)"), src);
            }
        }
        if (t.gpaw() && !pml5) {
            return invalid("EPTP_CONTROLS", "CONFIG_FLAGS.GPAW = 1 (52-bit GPA) requires 5-level EPT",
                    List.of("EPTP_CONTROLS selects a 4-level walk"), src);
        }
        return null;
    }

    private TdParamsCheckResult.Rejected row16TscFrequency() {
        long min = m.constant("VIRT_TSC_FREQUENCY_MIN").orElse(4);
        long max = m.constant("VIRT_TSC_FREQUENCY_MAX").orElse(400);
        int f = t.tscFrequency();
        if (f < min || f > max) {
            return invalid("TSC_FREQUENCY", "TSC_FREQUENCY " + f + " (x 25 MHz) is outside [" + min + ", " + max + "]",
                    List.of("valid range is " + min * 25 + " MHz to " + max * 25 / 1000.0 + " GHz"),
                    m.version().is1_0() ? "abi §4.2 step 7" : "abi §4.1 row 16");
        }
        return null;
    }

    private TdParamsCheckResult.Rejected row17TscAdjust() {
        if (rt.tscAdjustChanged()) {
            return new TdParamsCheckResult.Rejected(m.status("TDX_INCONSISTENT_MSR") | MSR_IA32_TSC_ADJUST, 0,
                    Explanation.of("IA32_TSC_ADJUST (MSR 0x3B) changed since TDH.SYS.INIT",
                            "the module refuses to compute the virtual TSC (abi §4.1 row 17)"));
        }
        return null;
    }

    private TdParamsCheckResult.Rejected row20MsrConfigCtls() {
        if ((t.msrConfigCtls() & 0xFE) != 0) {
            return invalid("RDX", String.format("MSR_CONFIG_CTLS 0x%02X has reserved bits 7:1 set", t.msrConfigCtls()),
                    List.of("TD_PARAMS offset 0x13"), "abi §4.1 row 20");
        }
        return null;
    }

    /**
     * 2.0 perfmon event filters, read after {@code read_and_set_td_configurations} (rows 8-21) and
     * before the CPUID loop (row 22), only when RCX bit 0 is set <em>and</em> ATTRIBUTES.PERFMON = 1
     * (with PERFMON = 0 the flag and R8 are ignored). [M2.0] {@code tdh_mng_init.c} at commit 1666adc4,
     * not in the digest:
     * <ol>
     *   <li>R8 reserved bits 63:52 set, 0 filters, more than MAX_EVENT_FILTERS (512, [M2.0]
     *       {@code include/tdx_api_defs.h} at 1666adc4) or a table HPA failing the shared-HPA check →
     *       {@code TDX_OPERAND_INVALID | R8};</li>
     *   <li>per entry i, in order: reserved bits 30:8 set, umask above 0xFF, negative filtering, or
     *       umask mask ≠ 0xFFFF → {@code TDX_EVENT_FILTER_INVALID | i} (only basic 8-bit-umask filtering
     *       is supported);</li>
     *   <li>entry i's key {@code event_select | umask << 8} not strictly above entry i-1's →
     *       {@code TDX_EVENT_FILTER_ORDER_INVALID | i} (sorted, no duplicates).</li>
     * </ol>
     * The status's low 32 bits carry the entry index, not an operand id. RCX stays 0.
     */
    private TdParamsCheckResult.Rejected eventFilters() {
        if (filters.isEmpty() || !bit(t.attributes(), ATTR_PERFMON)) {
            return null;
        }
        EventFilterInput f = filters.get();
        String src = "[M2.0] tdh_mng_init.c event filters (not in the digest), module " + m.version();
        long max = m.constant("MAX_EVENT_FILTERS").orElse(DEFAULT_MAX_EVENT_FILTERS);
        String infoProblem = f.reserved() != 0 ? "reserved bits 63:52 are set"
                : f.count() == 0 ? "the number of filters (bits 11:0) is 0"
                : f.count() > max ? "the number of filters " + f.count() + " exceeds MAX_EVENT_FILTERS " + max
                : !f.tableHpaValid() ? String.format("the filter table HPA 0x%X is not a valid shared address",
                        f.tableHpa())
                : null;
        if (infoProblem != null) {
            return invalid("R8", String.format("event-filter info R8 0x%X is not valid", f.info()),
                    List.of(infoProblem), "RCX bit 0 with ATTRIBUTES.PERFMON = 1; " + src);
        }
        int prev = -1;
        for (int i = 0; i < f.count(); i++) {
            long e = i < f.entries().size() ? f.entries().get(i) : 0;
            String problem = EventFilterInput.reserved0(e) != 0 ? "reserved bits 30:8 are set"
                    : EventFilterInput.umask(e) > 0xFF ? "umask " + String.format("0x%X", EventFilterInput.umask(e))
                            + " is wider than 8 bits"
                    : EventFilterInput.negative(e) ? "negative filtering (bit 31) is not supported"
                    : EventFilterInput.umaskMask(e) != 0xFFFF ? String.format("umask mask 0x%X must be 0xFFFF",
                            EventFilterInput.umaskMask(e))
                    : null;
            if (problem != null) {
                return new TdParamsCheckResult.Rejected(m.status("TDX_EVENT_FILTER_INVALID") | i, 0, Explanation.of(
                        String.format("event filter %d (0x%016X) is not valid", i, e), problem, src));
            }
            int key = EventFilterInput.eventSelect(e) | EventFilterInput.umask(e) << 8;
            if (key <= prev) {
                return new TdParamsCheckResult.Rejected(m.status("TDX_EVENT_FILTER_ORDER_INVALID") | i, 0,
                        Explanation.of(String.format("event filter %d (event select 0x%02X, umask 0x%02X) is not above "
                                + "filter %d", i, EventFilterInput.eventSelect(e), EventFilterInput.umask(e), i - 1),
                                "the table must be sorted by (umask, event select) without duplicates", src));
            }
            prev = key;
        }
        return null;
    }

    private CpuidComputation row22Cpuid() {
        return CpuidVirtualization.compute(m, p, CpuidInputs.of(t.attributes(), t.xfam(), t.configFlags(),
                t.tscFrequency(), t.cpuidConfig()));
    }

    /** Maps a row-22 refusal to the module's status and RCX. */
    private TdParamsCheckResult.Rejected rejectCpuid(CpuidComputation.Refused r) {
        long leafSubleaf = r.entry().cpuidLeaf().packed();
        long cpuidConfig = m.status("TDX_OPERAND_INVALID") | m.operandId("CPUID_CONFIG");
        String row = switch (r.reason()) {
            case NOT_CONFIGURABLE -> "22a";
            case FMS -> "22b";
            case HLE_RTM_MISMATCH -> "22c";
            case TSX_WITHOUT_TSX_CTRL -> "22d";
            case VIRT_MAXPA_RANGE -> "22e";
        };
        Explanation e = r.explanation().withDetail("check: " + (m.version().is1_0() ? "abi §4.2 step 8"
                : "abi §4.1 row " + row) + ", module " + m.version());
        return switch (r.reason()) {
            case NOT_CONFIGURABLE, FMS -> new TdParamsCheckResult.Rejected(cpuidConfig, leafSubleaf, e);
            // 1.5.01 does not set RCX for the HLE/RTM mismatch; 1.5.06 and 2.0 do (abi §4.1 row 22c)
            case HLE_RTM_MISMATCH -> new TdParamsCheckResult.Rejected(cpuidConfig,
                    m.version().isAtLeast(1, 5, 6) ? leafSubleaf : 0, e);
            case TSX_WITHOUT_TSX_CTRL -> new TdParamsCheckResult.Rejected(
                    m.status("TDX_INCORRECT_MSR_VALUE") | MSR_IA32_ARCH_CAPABILITIES, 0, e);
            case VIRT_MAXPA_RANGE -> new TdParamsCheckResult.Rejected(cpuidConfig, 0, e);
        };
    }

    /**
     * Row 25: IA32_ARCH_CAPABILITIES_CONFIG only with MSR_CONFIG_CTLS bit 0, only mask bits 4, 19, 20,
     * 24. 2.0.08 skips the whole row on a Granite Rapids A0 stepping ([M2.0] {@code tdh_mng_init.c} at
     * 1666adc4 wraps {@code init_virt_ia32_arch_capabilities} in {@code is_not_gnr_a0_stepping()}; not
     * in the digest), with the predicate of {@link SysInitFacts#graniteRapidsA0()}.
     */
    private TdParamsCheckResult.Rejected row25ArchCapabilitiesConfig() {
        if (m.version().isAtLeast(2, 0, 0) && facts.graniteRapidsA0()) {
            return null;
        }
        long v = t.ia32ArchCapabilitiesConfig();
        long mask = m.constant("IA32_ARCH_CAPABILITIES_CONFIG_MASK").orElse(0);
        if ((t.msrConfigCtls() & 1) == 0 && v != 0) {
            return invalid("IA32_ARCH_CAPABILITIES_CONFIG", String.format(
                    "IA32_ARCH_CAPABILITIES_CONFIG 0x%X is set but MSR_CONFIG_CTLS bit 0 is 0", v), List.of(),
                    "abi §4.1 row 25");
        }
        if ((v & ~mask) != 0) {
            return invalid("IA32_ARCH_CAPABILITIES_CONFIG", String.format(
                    "IA32_ARCH_CAPABILITIES_CONFIG 0x%X has bits outside IA32_ARCH_CAPABILITIES_CONFIG_MASK 0x%X",
                    v, mask), List.of(), "abi §4.1 row 25");
        }
        return null;
    }

    private TdParamsCheckResult.Rejected row26MigratableWithL2() {
        if (bit(t.attributes(), ATTR_MIGRATABLE) && t.numL2Vms() > 0) {
            return invalid("RDX", "a MIGRATABLE TD cannot have L2 VMs", List.of("NUM_L2_VMS = " + t.numL2Vms()),
                    "abi §4.1 row 26");
        }
        return null;
    }

    // ---------------------------------------------------------------- 1.0 (abi §4.2)

    private TdParamsCheckResult run10() {
        TdParamsCheckResult.Rejected r;
        if ((r = attributes10()) != null
                || (r = row9Xfam()) != null
                || (r = t.maxVcpus() == 0 ? invalid("MAX_VCPUS", "MAX_VCPUS must not be 0", List.of(), "abi §4.2 step 4")
                        : null) != null
                || (r = reserved("reserved0", t.reserved0(), t.layout().reserved0Offset(), "abi §4.2 step 4")) != null
                || (r = eptp10()) != null
                || (r = execControls10()) != null
                || (r = row16TscFrequency()) != null
                || (r = row17TscAdjust()) != null
                || (r = reserved("reserved1", t.reserved1(), TdParamsLayout.OFF_RESERVED1, "abi §4.2 step 7")) != null
                || (r = reserved("reserved2", t.reserved2(), t.layout().reserved2Offset(), "abi §4.2 step 7")) != null) {
            return r;
        }
        CpuidComputation cpuid = row22Cpuid();
        if (cpuid instanceof CpuidComputation.Refused refused) {
            return rejectCpuid(refused);
        }
        if ((r = reserved("reserved3", t.reserved3(), t.layout().reserved3Offset(), "abi §4.2 step 8")) != null) {
            return r;
        }
        return new TdParamsCheckResult.Accepted(config((CpuidComputation.Computed) cpuid));
    }

    private TdParamsCheckResult.Rejected attributes10() {
        long a = t.attributes();
        long fixed0 = facts.attributesFixed0();
        long fixed1 = facts.attributesFixed1();
        if ((a & ~fixed0) != 0 || (a & fixed1) != fixed1) {
            List<String> lines = new ArrayList<>();
            for (int b = 0; b < 64; b++) {
                if (((a & ~fixed0) >>> b & 1) != 0) {
                    lines.add("bit " + b + name(ATTRIBUTE_NAMES, b) + ": not in ATTRIBUTES_FIXED0 of module 1.0");
                }
            }
            return invalid("ATTRIBUTES", String.format("ATTRIBUTES 0x%016X has bits outside ATTRIBUTES_FIXED0 0x%016X",
                    a, fixed0), lines, "abi §4.2 step 4");
        }
        return null;
    }

    /**
     * 1.0 checks EPTP before EXEC_CONTROLS and does not consult the CPU's 5-level EPT capability;
     * its PML5 check compares the compile-time MAX_PA (52) with MIN_PA_FOR_PML5, as [M1.0] passes
     * {@code MAX_PA} to {@code read_and_set_td_configurations}, so it cannot fail on a platform
     * that passed 1.0's TDH.SYS.INIT (which requires native MAXPA 52).
     */
    private TdParamsCheckResult.Rejected eptp10() {
        String fields = eptpFieldProblem();
        if (fields != null) {
            return invalid("EPTP_CONTROLS", String.format("EPTP_CONTROLS 0x%X is not valid", t.eptpControls()),
                    List.of(fields), "abi §4.2 step 5");
        }
        long maxPa = m.constant("MAX_PA").orElse(p.maxPhysAddr());
        if (t.eptWalkLevels() == 5 && maxPa < m.constant("MIN_PA_FOR_PML5").orElse(49)) {
            return invalid("EPTP_CONTROLS", "5-level EPT requires MAX_PA >= MIN_PA_FOR_PML5", List.of(), "abi §4.2 step 5");
        }
        return null;
    }

    /** 1.0: GPAW with 4-level EPT is an EXEC_CONTROLS error (1.5+: EPTP_CONTROLS); bits 63:1 reserved. */
    private TdParamsCheckResult.Rejected execControls10() {
        if (t.gpaw() && t.eptWalkLevels() == 4) {
            return invalid("EXEC_CONTROLS", "EXEC_CONTROLS.GPAW = 1 (52-bit GPA) requires 5-level EPT",
                    List.of("module 1.0 reports this as EXEC_CONTROLS; 1.5 and later as EPTP_CONTROLS"), "abi §4.2 step 6");
        }
        if ((t.configFlags() & ~1L) != 0) {
            return invalid("EXEC_CONTROLS", String.format("EXEC_CONTROLS 0x%X: only bit 0 (GPAW) is defined in module 1.0",
                    t.configFlags()), List.of(), "abi §4.2 step 6");
        }
        return null;
    }

    // ---------------------------------------------------------------- helpers

    private TdConfig config(CpuidComputation.Computed c) {
        return new TdConfig(t.attributes(), t.xfam(), t.maxVcpus(), t.numL2Vms(), t.gpaw() ? 1 : 0, t.eptpControls(),
                t.eptWalkLevels(), t.configFlags(), t.tscFrequency(), c.virtMaxPa(), t.mrConfigId(), t.mrOwner(),
                t.mrOwnerConfig(), t.msrConfigCtls(), t.ia32ArchCapabilitiesConfig(), c.values(), c.valid());
    }

    private TdParamsCheckResult.Rejected reserved(String what, ByteBlock b, int offset, String src) {
        int i = b.firstNonZero();
        if (i < 0) {
            return null;
        }
        return invalid("RDX", "TD_PARAMS." + what + " must be zero", List.of(String.format(
                "byte at offset 0x%03X is 0x%02X (%s)", offset + i, b.get(i) & 0xFF, src)), null);
    }

    private TdParamsCheckResult.Rejected invalid(String operand, String summary, List<String> details, String src) {
        List<String> lines = new ArrayList<>(details);
        if (src != null) {
            lines.add("check: " + src + ", module " + m.version());
        }
        return new TdParamsCheckResult.Rejected(m.status("TDX_OPERAND_INVALID") | m.operandId(operand), 0,
                Explanation.of(summary, lines));
    }

    private static boolean bit(long v, int b) {
        return (v >>> b & 1) != 0;
    }

    private static String name(ImmutableMap<Integer, String> names, int b) {
        String n = names.get(b);
        return n == null ? "" : " (" + n + ")";
    }
}
