package org.tdxsim.module.tdparams;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tdxsim.module.cpuid.CpuidRegs;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.ModuleProfiles;

/**
 * The order of the TD_PARAMS checks of TDH.MNG.INIT (abi §4.1 rows 8-26, abi §4.2 for 1.0): start
 * from a TD_PARAMS (plus TDR.NUM_TDCX and IA32_TSC_ADJUST) that violates every check at once, then
 * repeatedly repair the violation the module reported. The sequence of reported statuses must be
 * exactly the row order of the spec, and the fully repaired input must be accepted. Any swap of two
 * checks in the code changes the sequence.
 */
class TdhMngInitOrderTest {

    static final PlatformProfile GNR = PlatformProfiles.builtIn("granite-rapids-w-xeon-658x");

    /** The mutable inputs of one TDH.MNG.INIT call. */
    static final class Inputs {
        TdParams.Builder params;
        int numTdcx;
        boolean tscAdjustChanged;

        Inputs(TdParams.Builder params, int numTdcx) {
            this.params = params;
            this.numTdcx = numTdcx;
        }
    }

    /**
     * One check: the status it reports, what bits 31:0 carry (an operand name, or a hex detail such as
     * the MSR address "0x3B"; null = 0) and how to repair its violation.
     */
    record Step(String row, String status, String operand, java.util.function.Consumer<Inputs> repair) {

        long rax(ModuleProfile m) {
            long low = operand == null ? 0 : operand.startsWith("0x") ? Long.parseLong(operand.substring(2), 16)
                    : m.operandId(operand);
            return m.status(status) | low;
        }
    }

    static byte[] nonZero(int size) {
        byte[] b = new byte[size];
        b[0] = 1;
        return b;
    }

    static void walk(String v, Inputs in, List<Step> steps) {
        ModuleProfile m = ModuleProfiles.builtIn(v);
        List<String> seen = new ArrayList<>();
        List<String> want = new ArrayList<>();
        for (Step s : steps) {
            long status = s.rax(m);
            TdParamsCheckResult r = TdhMngInitChecks.check(m, GNR, new PlatformRuntime(in.tscAdjustChanged),
                    in.params.build(), in.numTdcx);
            want.add(s.row() + " " + Long.toHexString(status));
            seen.add(s.row() + " " + (r instanceof TdParamsCheckResult.Rejected rej ? Long.toHexString(rej.status())
                    : "accepted"));
            assertThat(seen).as("module %s", v).isEqualTo(want);
            s.repair().accept(in);
        }
        TdParamsCheckResult last = TdhMngInitChecks.check(m, GNR, new PlatformRuntime(in.tscAdjustChanged),
                in.params.build(), in.numTdcx);
        assertThat(last).as("fully repaired input, module %s", v).isInstanceOf(TdParamsCheckResult.Accepted.class);
    }

    static Inputs allWrong15(ModuleProfile m, long badConfigFlags, long keptConfigFlags) {
        TdParamsLayout l = TdParamsLayout.of(m);
        int cpuid7 = m.configurableEntry(7, 0).orElseThrow().index();
        TdParams.Builder b = TdParams.builder(m)
                .attributes(1L << 29 | 1L << 31)                   // row 8: KL; MIGRATABLE kept for row 26
                .xfam(0x1)                                         // row 9: SSE missing
                .maxVcpus(0)                                       // row 10
                .numL2Vms(4)                                       // row 11 (then 1 for rows 12 and 26)
                .reserved0(ByteBlock.of(nonZero(l.reserved0Size())))   // row 13
                .configFlags(badConfigFlags | keptConfigFlags)     // row 14
                .eptpControls(0x18)                                // row 15: memory type 0
                .tscFrequency(3)                                   // row 16
                .reserved1(ByteBlock.of(nonZero(TdParamsLayout.RESERVED1_SIZE)))   // row 18
                .msrConfigCtls(0x2)                                // row 20
                .reserved2(ByteBlock.of(nonZero(l.reserved2Size())))   // row 21
                .cpuidConfig(cpuid7, new CpuidRegs(1, 0, 0, 0))    // row 22a: CPUID(7,0).EAX is never configurable
                .reserved3(ByteBlock.of(nonZero(l.reserved3Size())))   // row 24
                .ia32ArchCapabilitiesConfig(1 << 4);               // row 25: MSR_CONFIG_CTLS bit 0 is 0
        Inputs in = new Inputs(b, (int) m.constant("MIN_NUM_TDCS_PAGES").getAsLong());
        in.tscAdjustChanged = true;                                // row 17
        return in;
    }

    static List<Step> steps15(ModuleProfile m, long keptConfigFlags, List<Step> cpuidExtra) {
        TdParamsLayout l = TdParamsLayout.of(m);
        int cpuid7 = m.configurableEntry(7, 0).orElseThrow().index();
        List<Step> s = new ArrayList<>(List.of(
                new Step("8", "TDX_OPERAND_INVALID", "ATTRIBUTES", in -> in.params.attributes(1L << 29)),
                new Step("9", "TDX_OPERAND_INVALID", "XFAM", in -> in.params.xfam(0x3)),
                new Step("10", "TDX_OPERAND_INVALID", "MAX_VCPUS", in -> in.params.maxVcpus(1)),
                new Step("11", "TDX_OPERAND_INVALID", "NUM_L2_VMS", in -> in.params.numL2Vms(1)),
                new Step("12", "TDX_TDCS_NOT_ALLOCATED", null, in -> in.numTdcx++),
                new Step("13", "TDX_OPERAND_INVALID", "RDX", in -> in.params.reserved0(ByteBlock.zeros(l.reserved0Size()))),
                new Step("14", "TDX_OPERAND_INVALID", "EXEC_CONTROLS", in -> in.params.configFlags(keptConfigFlags)),
                new Step("15", "TDX_OPERAND_INVALID", "EPTP_CONTROLS", in -> in.params.eptpControls(0x1E)),
                new Step("16", "TDX_OPERAND_INVALID", "TSC_FREQUENCY", in -> in.params.tscFrequency(100)),
                new Step("17", "TDX_INCONSISTENT_MSR", "0x3B", in -> in.tscAdjustChanged = false),
                new Step("18", "TDX_OPERAND_INVALID", "RDX",
                        in -> in.params.reserved1(ByteBlock.zeros(TdParamsLayout.RESERVED1_SIZE))),
                new Step("20", "TDX_OPERAND_INVALID", "RDX", in -> in.params.msrConfigCtls(0)),
                new Step("21", "TDX_OPERAND_INVALID", "RDX", in -> in.params.reserved2(ByteBlock.zeros(l.reserved2Size()))),
                new Step("22a", "TDX_OPERAND_INVALID", "CPUID_CONFIG", in -> in.params.cpuidConfig(cpuid7, CpuidRegs.ZERO))));
        s.addAll(cpuidExtra);
        s.addAll(List.of(
                new Step("24", "TDX_OPERAND_INVALID", "RDX", in -> in.params.reserved3(ByteBlock.zeros(l.reserved3Size()))),
                new Step("25", "TDX_OPERAND_INVALID", "IA32_ARCH_CAPABILITIES_CONFIG",
                        in -> in.params.ia32ArchCapabilitiesConfig(0)),
                new Step("26", "TDX_OPERAND_INVALID", "RDX", in -> in.params.numL2Vms(0))));
        return s;
    }

    /** abi §4.1, 1.5.01: rows 8-26 (no MAXPA_VIRT, so no row 22e). */
    @Test
    void order1501() {
        ModuleProfile m = ModuleProfiles.builtIn("1.5.01");
        walk("1.5.01", allWrong15(m, 1 << 5, 0), steps15(m, 0, List.of()));
    }

    /** abi §4.1, 1.5.06 and 2.0.08: rows 8-26 with row 22e (MAXPA_VIRT value 44 &lt; MIN_VIRT_MAXPA) after 22a. */
    @Test
    void order1506And2008() {
        for (String v : new String[] {"1.5.06", "2.0.08"}) {
            ModuleProfile m = ModuleProfiles.builtIn(v);
            int maxpa = m.configurableEntry(0x80000008, 0).orElseThrow().index();
            Inputs in = allWrong15(m, 1 << 5, 1 << 3);
            in.params.cpuidConfig(maxpa, new CpuidRegs(44, 0, 0, 0));
            walk(v, in, steps15(m, 1 << 3, List.of(new Step("22e", "TDX_OPERAND_INVALID", "CPUID_CONFIG",
                    i -> i.params.cpuidConfig(maxpa, CpuidRegs.ZERO)))));
        }
    }

    /** abi §4.2, 1.0: ATTRIBUTES, XFAM, MAX_VCPUS, reserved0, EPTP before EXEC_CONTROLS, TSC, TSC_ADJUST, reserved1/2, CPUID, reserved3. */
    @Test
    void order10() {
        ModuleProfile m = ModuleProfiles.builtIn("1.0");
        TdParamsLayout l = TdParamsLayout.of(m);
        TdParams.Builder b = TdParams.builder(m)
                .attributes(1L << 31).xfam(0x1).maxVcpus(0)
                .reserved0(ByteBlock.of(nonZero(l.reserved0Size())))
                .eptpControls(0x18).execControls(1 << 1).tscFrequency(401)
                .reserved1(ByteBlock.of(nonZero(TdParamsLayout.RESERVED1_SIZE)))
                .reserved2(ByteBlock.of(nonZero(l.reserved2Size())))
                .cpuidConfig(5, new CpuidRegs(1, 0, 0, 0))
                .reserved3(ByteBlock.of(nonZero(l.reserved3Size())));
        Inputs in = new Inputs(b, 4);
        in.tscAdjustChanged = true;
        walk("1.0", in, List.of(
                new Step("4 ATTRIBUTES", "TDX_OPERAND_INVALID", "ATTRIBUTES", i -> i.params.attributes(0)),
                new Step("4 XFAM", "TDX_OPERAND_INVALID", "XFAM", i -> i.params.xfam(0x3)),
                new Step("4 MAX_VCPUS", "TDX_OPERAND_INVALID", "MAX_VCPUS", i -> i.params.maxVcpus(1)),
                new Step("4 reserved0", "TDX_OPERAND_INVALID", "RDX", i -> i.params.reserved0(ByteBlock.zeros(l.reserved0Size()))),
                new Step("5 EPTP", "TDX_OPERAND_INVALID", "EPTP_CONTROLS", i -> i.params.eptpControls(0x1E)),
                new Step("6 EXEC_CONTROLS", "TDX_OPERAND_INVALID", "EXEC_CONTROLS", i -> i.params.execControls(0)),
                new Step("7 TSC_FREQUENCY", "TDX_OPERAND_INVALID", "TSC_FREQUENCY", i -> i.params.tscFrequency(100)),
                new Step("7 TSC_ADJUST", "TDX_INCONSISTENT_MSR", "0x3B", i -> i.tscAdjustChanged = false),
                new Step("7 reserved1", "TDX_OPERAND_INVALID", "RDX",
                        i -> i.params.reserved1(ByteBlock.zeros(TdParamsLayout.RESERVED1_SIZE))),
                new Step("7 reserved2", "TDX_OPERAND_INVALID", "RDX", i -> i.params.reserved2(ByteBlock.zeros(l.reserved2Size()))),
                new Step("8 CPUID", "TDX_OPERAND_INVALID", "CPUID_CONFIG", i -> i.params.cpuidConfig(5, CpuidRegs.ZERO)),
                new Step("8 reserved3", "TDX_OPERAND_INVALID", "RDX",
                        i -> i.params.reserved3(ByteBlock.zeros(l.reserved3Size())))));
    }
}
