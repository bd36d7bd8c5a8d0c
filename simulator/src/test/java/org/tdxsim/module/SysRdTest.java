package org.tdxsim.module;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tdxsim.module.Fixtures.assertStatus;
import static org.tdxsim.module.Fixtures.assertSuccess;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tdxsim.module.cpuid.CpuidRegs;
import org.tdxsim.module.metadata.MetadataFieldId;
import org.tdxsim.module.profile.CpuidConfigurableEntry;
import org.tdxsim.module.profile.GlobalField;

/** TDH.SYS.RD: field values (abi §6.3, §6.4, §5.3) and the null-id iteration protocol (abi §6.2). */
class SysRdTest {

    private static long read(TdxModule m, long id) {
        SeamcallResult r = m.tdhSysRd(id);
        assertSuccess(r);
        return r.r8();
    }

    /** abi §6.3 table: VENDOR_ID 0x8086, MAJOR/MINOR/UPDATE version, NUM_CPUID_CONFIG per version. */
    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "1.5.06", "2.0.08"})
    void constantFields(String v) {
        TdxModule m = Fixtures.ready(v);
        assertThat(read(m, 0x0800000200000000L)).isEqualTo(0x8086);
        assertThat(read(m, 0x0800000100000004L)).isEqualTo(m.profile().version().major());
        assertThat(read(m, 0x0800000100000003L)).isEqualTo(m.profile().version().minor());
        assertThat(read(m, 0x0800000100000005L)).isEqualTo(m.profile().version().update());
        assertThat(read(m, 0x9900000100000004L)).isEqualTo(m.profile().cpuidConfigurable().size());
        assertThat(read(m, 0x9800000100000100L)).isEqualTo(4096L * m.profile().constant("MIN_NUM_TDCS_PAGES").getAsLong());
    }

    /** abi §6.3: MAX_VCPUS_PER_TD is 576 in 1.5.06, 1376 in 2.0.08 and absent in 1.5.01 (FIELD_ID_INCORRECT). */
    @Test
    void maxVcpusPerTdPerVersion() {
        assertThat(read(Fixtures.ready("1.5.06"), 0x9900000100000008L)).isEqualTo(576);
        assertThat(read(Fixtures.ready("2.0.08"), 0x9900000100000008L)).isEqualTo(1376);
        TdxModule old = Fixtures.ready("1.5.01");
        assertStatus(old, old.tdhSysRd(0x9900000100000008L), "TDX_METADATA_FIELD_ID_INCORRECT");
    }

    /** abi §6.4: TDX_FEATURES0 = the unconditional value, plus bit 8 (LOCAL_ATTESTATION) iff SEAMVERIFYREPORT. */
    @Test
    void tdxFeatures0() {
        var without = Fixtures.gnr().toBuilder().seamVerifyReport(false).build();
        var with = Fixtures.gnr().toBuilder().seamVerifyReport(true).build();
        assertThat(read(Fixtures.ready("1.5.01", without), 0x0A00000300000008L)).isEqualTo(0x00000000000F0EBFL);
        assertThat(read(Fixtures.ready("1.5.01", with), 0x0A00000300000008L)).isEqualTo(0x00000000000F0FBFL);
        assertThat(read(Fixtures.ready("1.5.06", without), 0x0A00000300000008L)).isEqualTo(0x000000002E1F0EBFL);
    }

    /** abi §3.4: 1.5.06 clears ATTRIBUTES_FIXED0 bit 27 (LASS) on a CPU without LASS. */
    @Test
    void attributesFixed0FollowsLass() {
        TdxModule noLass = Fixtures.ready("1.5.06", Fixtures.gnr().withLass(false));
        TdxModule lass = Fixtures.ready("1.5.06", Fixtures.gnr().withLass(true));
        assertThat(read(noLass, 0x1900000300000000L)).isEqualTo(0x8000000078010001L & ~(1L << 27));
        assertThat(read(lass, 0x1900000300000000L)).isEqualTo(0x8000000078010001L);
    }

    /** abi §3.3/§5.3: CPUID_CONFIG_LEAVES[i] = leaf | subleaf<<32; slots past NUM_CPUID_CONFIG read all ones. */
    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "1.5.06", "2.0.08"})
    void cpuidConfigLeaves(String v) {
        TdxModule m = Fixtures.ready(v);
        List<CpuidConfigurableEntry> conf = m.profile().cpuidConfigurable();
        for (int i = 0; i < conf.size(); i++) {
            long want = Integer.toUnsignedLong(conf.get(i).leaf()) | (long) conf.get(i).subleaf() << 32;
            assertThat(read(m, 0x9900000300000400L + i)).isEqualTo(want);
        }
        assertThat(read(m, 0x9900000300000400L + 31)).isEqualTo(-1L);
    }

    /**
     * abi §5.3: 1.5.01 TDH.SYS.RD CPUID_CONFIG_VALUES reports CONFIG_DIRECT only (configurable[5], CPUID 7/0, is
     * all ALLOW_DIRECT → 0/0); 1.5.06 reports CONFIG_DIRECT | (ALLOW_DIRECT & adjusted native).
     */
    @Test
    void cpuidConfigValuesDifferBetween1501And1506() {
        TdxModule old = Fixtures.ready("1.5.01");
        assertThat(read(old, 0x9900000300000500L + 2 * 5)).isZero();
        assertThat(read(old, 0x9900000300000500L + 2 * 5 + 1)).isZero();
        TdxModule m = Fixtures.ready("1.5.06");
        CpuidConfigurableEntry e = m.profile().cpuidConfigurable().get(5);
        CpuidRegs nat = m.adjustedNativeCpuid(e.leaf(), e.subleaf());
        CpuidRegs want = e.configDirect().or(e.allowDirect().and(nat));
        assertThat(read(m, 0x9900000300000500L + 10)).isEqualTo(Integer.toUnsignedLong(want.eax()) | (long) want.ebx() << 32);
        assertThat(read(m, 0x9900000300000500L + 11)).isEqualTo(Integer.toUnsignedLong(want.ecx()) | (long) want.edx() << 32);
        assertThat(want.ebx()).isNotZero();
    }

    /**
     * abi §5.3: TDH.SYS.INFO reports CONFIG_DIRECT | (ALLOW_DIRECT & adjusted native) in every version,
     * including 1.5.01 whose TDH.SYS.RD reports CONFIG_DIRECT only. TDSYSINFO_STRUCT entry i is 24 bytes
     * at 0x84 + 24·i: leaf, subleaf, EAX, EBX, ECX, EDX (abi §3.3, §8).
     */
    @ParameterizedTest
    @ValueSource(strings = {"1.0", "1.5.01", "1.5.06", "2.0.08"})
    void sysInfoReportsAllowDirectBitsInEveryVersion(String v) {
        TdxModule m = Fixtures.ready(v);
        long buf = m.memory().allocatePage();
        assertSuccess(m.tdhSysInfo(buf, 1024, m.memory().allocatePage(), 32));
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(m.memory().read(buf, 1024)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        List<CpuidConfigurableEntry> conf = m.profile().cpuidConfigurable();
        for (int i = 0; i < conf.size(); i++) {
            CpuidConfigurableEntry e = conf.get(i);
            CpuidRegs want = e.configDirect().or(e.allowDirect().and(m.adjustedNativeCpuid(e.leaf(), e.subleaf())));
            int o = 0x84 + 24 * i;
            assertThat(new CpuidRegs(b.getInt(o + 8), b.getInt(o + 12), b.getInt(o + 16), b.getInt(o + 20)))
                    .as("%s cpuid_config_list[%d] %s", v, i, e.cpuidLeaf()).isEqualTo(want);
            assertThat(b.getInt(o)).isEqualTo(e.leaf());
            assertThat(b.getInt(o + 4)).isEqualTo(e.subleaf());
        }
        // CPUID(7,0) is all ALLOW_DIRECT: the OR-form is visibly non-zero where 1.5.01's TDH.SYS.RD reads 0
        assertThat(b.getInt(0x84 + 24 * 5 + 12)).isNotZero();
    }

    /** abi §6.1: size, INC_SIZE, WRITE_MASK_VALID, context and bit 63 are ignored for the lookup (KVM's short ids). */
    @Test
    void shortIdsResolveByClassAndFieldCode() {
        TdxModule m = Fixtures.ready("1.5.06");
        assertThat(read(m, 0x0800000000000004L)).isEqualTo(1);
        assertThat(read(m, 0x0810000000000004L | 1L << 63)).isEqualTo(1);
    }

    /** abi §6.1/§6.2: malformed ids → TDX_METADATA_FIELD_ID_INCORRECT, RDX = −1, R8 = 0. */
    @Test
    void malformedAndUnknownIds() {
        TdxModule m = Fixtures.ready("1.5.06");
        for (long id : new long[] {0x0800000200000000L | 1L << 24, 0x0800000200000000L | 1L << 34,
                0x0800000200000000L | 1L << 38, 0x3F00000000000000L, 0x08000000000000FFL}) {
            SeamcallResult r = m.tdhSysRd(id);
            assertStatus(m, r, "TDX_METADATA_FIELD_ID_INCORRECT");
            assertThat(r.rdx()).isEqualTo(-1L);
            assertThat(r.r8()).isZero();
        }
    }

    /** abi §6.2: TDH.SYS.RD needs TDH.SYS.LP.INIT on the calling LP, but not SYS_READY. */
    @Test
    void sysRdBeforeLpInit() {
        TdxModule m = TdxModule.create(Fixtures.module("1.5.06"), Fixtures.gnr());
        assertStatus(m, m.tdhSysRd(0x0800000200000000L), "TDX_SYS_LP_INIT_NOT_DONE");
        assertSuccess(m.tdhSysInit());
        assertSuccess(m.tdhSysLpInit(0));
        assertThat(read(m, 0x0800000200000000L)).isEqualTo(0x8086);
        assertStatus(m, m.seamcall(1, Registers.leaf(Leaf.TDH_SYS_RD)), "TDX_SYS_LP_INIT_NOT_DONE");
    }

    /**
     * TDH.SYS.RD is absent in 1.0 (abi §1): the dispatcher treats leaf 34 like any unknown leaf —
     * TDX_SYS_NOT_READY before READY (it is not on 1.0's pre-READY list), TDX_OPERAND_INVALID|RAX after.
     */
    @Test
    void sysRdIsAnUnknownLeafIn10() {
        TdxModule m = TdxModule.create(Fixtures.module("1.0"), Fixtures.gnr());
        assertStatus(m, m.tdhSysRd(0x0800000200000000L), "TDX_SYS_NOT_READY");
        TdxModule ready = Fixtures.ready("1.0");
        assertStatus(ready, ready.tdhSysRd(0x0800000200000000L), "TDX_OPERAND_INVALID", "RAX");
    }

    /**
     * Property of the null-id protocol (abi §6.2): starting from the null id, following RDX visits the id of every
     * element of every readable global field exactly once, in table order, and ends with −1; every visited id reads
     * successfully. The expected list is computed from the profile's field table alone.
     */
    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "1.5.06", "2.0.08"})
    void nullIdIterationVisitsEveryReadableElementOnce(String v) {
        TdxModule m = Fixtures.ready(v);
        List<Long> expected = new ArrayList<>();
        for (GlobalField f : m.profile().globalFields()) {
            if (f.vmmReadMask() == 0) {
                continue;
            }
            int stride = (f.fieldId() >>> 50 & 1) != 0 ? 2 : 1;
            for (int i = 0; i < f.numElements(); i++) {
                expected.add(f.fieldId() + (long) i * stride);
            }
        }
        SeamcallResult first = m.tdhSysRd(MetadataFieldId.NULL_ID);
        assertStatus(m, first, "TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT");
        List<Long> visited = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        long id = first.rdx();
        while (id != -1L && visited.size() <= expected.size()) {
            assertThat(seen.add(id)).as("visited twice: 0x%X", id).isTrue();
            visited.add(id);
            SeamcallResult r = m.tdhSysRd(id);
            assertSuccess(r);
            id = r.rdx();
        }
        assertThat(visited).containsExactlyElementsOf(expected);
    }
}
