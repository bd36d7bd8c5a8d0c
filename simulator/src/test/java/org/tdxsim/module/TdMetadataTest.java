package org.tdxsim.module;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tdxsim.module.Fixtures.assertStatus;
import static org.tdxsim.module.Fixtures.assertSuccess;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tdxsim.module.metadata.MetadataFieldId;
import org.tdxsim.module.metadata.MetadataFieldId.CpuidFieldCode;
import org.tdxsim.module.profile.CpuidLookupEntry;
import org.tdxsim.module.profile.TdField;

/** TDH.MNG.RD / TDH.MNG.WR / TDH.VP.RD (abi §6.1, §6.2, §6.5). */
class TdMetadataTest {

    private static final long ATTRIBUTES = 0x1110000300000000L;
    private static final long NOTIFY_ENABLES = 0x9110000300000010L;
    private static final long HP_LOCK_TIMEOUT = 0x9110000300000011L;
    private static final long VM_CTLS = 0x9110000300000012L;

    /** abi §6.2: version 0 returns R8 only; version 1 also the next id in RDX; version 2 → OPERAND_INVALID|RAX. */
    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "1.5.06", "2.0.08"})
    void versions(String v) {
        TdxModule m = Fixtures.ready(v);
        TdBuild td = TdBuild.initialized(m, m.privateHkidMin() + 1, true, 3);
        SeamcallResult v0 = m.tdhMngRd(td.tdr, ATTRIBUTES, 0);
        assertSuccess(v0);
        assertThat(v0.r8()).isEqualTo(1); // DEBUG
        assertThat(v0.rdx()).isEqualTo(ATTRIBUTES);
        SeamcallResult v1 = m.tdhMngRd(td.tdr, ATTRIBUTES, 1);
        assertSuccess(v1);
        assertThat(v1.rdx()).isEqualTo(0x1110000300000001L); // XFAM follows
        assertThat(m.tdhMngRd(td.tdr, 0x1110000200000002L, 0).r8()).isEqualTo(3); // MAX_VCPUS
        assertStatus(m, m.seamcall(0, Registers.leaf(Leaf.TDH_MNG_RD, 2).withRcx(td.tdr).withRdx(ATTRIBUTES)),
                "TDX_OPERAND_INVALID", "RAX");
        assertStatus(m, m.tdhMngRd(td.tdr, ATTRIBUTES | 1L << 38, 0), "TDX_METADATA_FIELD_ID_INCORRECT");
        assertStatus(m, m.tdhMngRd(td.tdr, 0x3D10000300000000L, 0), "TDX_METADATA_FIELD_ID_INCORRECT");
    }

    /** abi §6.2: debug-only fields (NOTIFY_ENABLES, TD_CTLS, RTMR, CPUID_VALID) are NOT_READABLE for a production TD. */
    @Test
    void productionVersusDebugMasks() {
        TdxModule m = Fixtures.ready("1.5.06");
        TdBuild prod = TdBuild.initialized(m, m.privateHkidMin() + 1, false, 1);
        TdBuild dbg = TdBuild.initialized(m, m.privateHkidMin() + 2, true, 1);
        for (long id : new long[] {NOTIFY_ENABLES, 0x9110000300000017L, 0x1310000300000040L, 0x9110000000000080L}) {
            assertStatus(m, m.tdhMngRd(prod.tdr, id, 0), "TDX_METADATA_FIELD_NOT_READABLE");
            assertSuccess(m.tdhMngRd(dbg.tdr, id, 0));
        }
        // SEAMDB_NONCE has zero masks for both
        assertStatus(m, m.tdhMngRd(dbg.tdr, 0x8210000300000002L, 0), "TDX_METADATA_FIELD_NOT_READABLE");
    }

    /**
     * abi §8: TSC_MULTIPLIER = TSC_FREQUENCY × 25 000 000 × 2^48 / native TSC Hz, read back through
     * TDCS.TSC_MULTIPLIER (abi §6.5 0x111000030000000B); TSC_FREQUENCY (…0C) is the TD_PARAMS value.
     */
    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "1.5.06", "2.0.08"})
    void tscMultiplierFollowsTheSpecFormula(String v) {
        TdxModule m = Fixtures.ready(v);
        long params = TdImages.write(m, TdImages.builder(m).tscFrequency(80).build()); // 2 GHz
        TdBuild td = TdBuild.keyed(m, m.privateHkidMin() + 1);
        assertSuccess(m.tdhMngInit(td.tdr, params));
        long hz = m.platform().tscHz();
        assertThat(hz).isPositive();
        long want = java.math.BigInteger.valueOf(80L * 25_000_000L).shiftLeft(48)
                .divide(java.math.BigInteger.valueOf(hz)).longValueExact();
        assertThat(m.tdhMngRd(td.tdr, 0x111000030000000BL, 0).r8()).isEqualTo(want);
        assertThat(m.tdhMngRd(td.tdr, 0x111000010000000CL, 0).r8()).isEqualTo(80);
    }

    /** abi §6.1/§6.2: CPUID_VALUES of a faulting leaf (0x6 in 1.5.01) is NOT_READABLE; unknown leaf → FIELD_ID_INCORRECT. */
    @Test
    void cpuidValuesReadability() {
        TdxModule m = Fixtures.ready("1.5.01");
        TdBuild td = TdBuild.initialized(m);
        long leaf6 = CpuidFieldCode.of(0x6, CpuidFieldCode.SUBLEAF_NA, 0).fieldId();
        assertStatus(m, m.tdhMngRd(td.tdr, leaf6, 0), "TDX_METADATA_FIELD_NOT_READABLE");
        long leaf7f = CpuidFieldCode.of(0x7F, CpuidFieldCode.SUBLEAF_NA, 0).fieldId();
        assertStatus(m, m.tdhMngRd(td.tdr, leaf7f, 0), "TDX_METADATA_FIELD_ID_INCORRECT");
        assertStatus(m, m.tdhMngRd(td.tdr, leaf6 | 1L << 17, 0), "TDX_METADATA_FIELD_ID_INCORRECT");
        // CPUID(0x15).EBX = TSC_FREQUENCY (abi §5.4): element 0 = EBX:EAX
        long leaf15 = CpuidFieldCode.of(0x15, CpuidFieldCode.SUBLEAF_NA, 0).fieldId();
        SeamcallResult r = m.tdhMngRd(td.tdr, leaf15, 0);
        assertSuccess(r);
        assertThat(r.r8() >>> 32).isEqualTo(100);
    }

    /**
     * Property of the null-id protocol for TDH.MNG.RD v1 (abi §6.2): following RDX from the null id visits every
     * element of every entry readable for this TD (debug masks here; the three L2 S-EPT roots do not exist with
     * NUM_L2_VMS = 0), CPUID_VALUES once per lookup entry and element, each exactly once, ending with −1. Every id
     * reads successfully except CPUID_VALUES of faulting or CPUID_VALID = 0 leaves (NOT_READABLE).
     */
    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "1.5.06", "2.0.08"})
    void nullIdIterationVisitsEveryReadableElementOnce(String v) {
        TdxModule m = Fixtures.ready(v);
        TdBuild td = TdBuild.initialized(m, m.privateHkidMin() + 1, true, 1);
        List<TdField> fields = m.profile().tdFields();
        List<Long> expected = new ArrayList<>();
        for (TdField f : fields.subList(0, fields.size() - 3)) {
            if (f.hostReadMaskDebug() == 0) {
                continue;
            }
            if (f.name().equals("CPUID_VALUES")) {
                for (CpuidLookupEntry e : m.profile().cpuidLookup()) {
                    expected.add(CpuidFieldCode.of(e.leaf(), e.subleaf(), 0).fieldId());
                    expected.add(CpuidFieldCode.of(e.leaf(), e.subleaf(), 1).fieldId());
                }
                continue;
            }
            int stride = (f.fieldId() >>> 50 & 1) != 0 ? 2 : 1;
            for (int i = 0; i < f.numElements(); i++) {
                expected.add(f.fieldId() + (long) i * stride);
            }
        }
        assertThat(new HashSet<>(expected)).hasSameSizeAs(expected);
        SeamcallResult first = m.tdhMngRd(td.tdr, MetadataFieldId.NULL_ID, 1);
        assertStatus(m, first, "TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT");
        assertThat(first.rdx()).isEqualTo(expected.get(0));
        long notReadable = Fixtures.status(m, "TDX_METADATA_FIELD_NOT_READABLE");
        int i = 0;
        long id = first.rdx();
        while (true) {
            long want = i + 1 < expected.size() ? expected.get(i + 1) : -1L;
            SeamcallResult r = m.tdhMngRd(td.tdr, id, 1);
            if (r.rax() == notReadable) {
                // only CPUID_VALUES of a faulting or CPUID_VALID = 0 leaf; a failed read returns no next id
                assertThat(id >>> 56 & 0x3F).as("unreadable 0x%X", id).isEqualTo(20);
                CpuidFieldCode cc = CpuidFieldCode.decode((int) (id & 0xFF_FFFF));
                CpuidLookupEntry e = m.profile().lookupEntry(cc.leaf(), cc.subleaf()).orElseThrow();
                assertThat(e.faulting() || !m.tds().get(td.tdr).settings.cpuidValid().get(e.index())).isTrue();
                assertThat(r.rdx()).isEqualTo(-1L);
            } else {
                assertSuccess(r);
                assertThat(r.rdx()).as("next after 0x%X", id).isEqualTo(want);
            }
            i++;
            if (want == -1L) {
                break;
            }
            id = want;
        }
        assertThat(i).isEqualTo(expected.size());
    }

    /** abi §6.2: TDH.MNG.WR writes only host-writable bits; R8 returns the previous value. */
    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "1.5.06", "2.0.08"})
    void writes(String v) {
        TdxModule m = Fixtures.ready(v);
        TdBuild prod = TdBuild.initialized(m, m.privateHkidMin() + 1, false, 1);
        // HP_LOCK_TIMEOUT: whole-field writes only, 10 ms .. 100 s
        SeamcallResult w = m.tdhMngWr(prod.tdr, HP_LOCK_TIMEOUT, 50_000, -1L);
        assertSuccess(w);
        assertThat(w.r8()).isEqualTo(1_000_000); // default, abi-independent source constant
        assertThat(m.tdhMngRd(prod.tdr, HP_LOCK_TIMEOUT, 0).r8()).isEqualTo(50_000);
        assertStatus(m, m.tdhMngWr(prod.tdr, HP_LOCK_TIMEOUT, 50_000, 0xFFFF), "TDX_METADATA_WR_MASK_NOT_VALID");
        assertStatus(m, m.tdhMngWr(prod.tdr, HP_LOCK_TIMEOUT, 5, -1L), "TDX_METADATA_FIELD_VALUE_NOT_VALID");
        // VM_CTLS: bit 0 only
        assertSuccess(m.tdhMngWr(prod.tdr, VM_CTLS, 1, 1));
        assertThat(m.tdhMngRd(prod.tdr, VM_CTLS, 0).r8()).isEqualTo(1);
        assertStatus(m, m.tdhMngWr(prod.tdr, VM_CTLS, 3, 3), "TDX_METADATA_FIELD_VALUE_NOT_VALID");
        // not host-writable
        assertStatus(m, m.tdhMngWr(prod.tdr, ATTRIBUTES, 0, -1L), "TDX_METADATA_FIELD_NOT_WRITABLE");
        assertStatus(m, m.tdhMngWr(prod.tdr, NOTIFY_ENABLES, 1, 1), "TDX_METADATA_FIELD_NOT_WRITABLE");
        TdBuild dbg = TdBuild.initialized(m, m.privateHkidMin() + 2, true, 1);
        assertSuccess(m.tdhMngWr(dbg.tdr, NOTIFY_ENABLES, 1, 1));
        assertThat(m.tdhMngRd(dbg.tdr, NOTIFY_ENABLES, 0).r8()).isEqualTo(1);
    }

    /** abi §6.2 last bullet: 1.0's scheme — TD_NOT_INITIALIZED before INIT, unknown code → OPERAND_INVALID|RDX. */
    @Test
    void legacy10Scheme() {
        TdxModule m = Fixtures.ready("1.0");
        TdBuild keyed = TdBuild.keyed(m, m.privateHkidMin() + 1);
        assertStatus(m, m.tdhMngRd(keyed.tdr, 0x1100000000000000L, 0), "TDX_TD_NOT_INITIALIZED");
        assertSuccess(m.tdhMngInit(keyed.tdr, TdImages.valid(m, true, 2)));
        assertThat(m.tdhMngRd(keyed.tdr, 0x1100000000000000L, 0).r8()).isEqualTo(1);
        assertThat(m.tdhMngRd(keyed.tdr, 0x1100000000000002L, 0).r8()).isEqualTo(2);
        assertThat(m.tdhMngRd(keyed.tdr, 0x8000000000000000L, 0).r8()).isEqualTo(1); // TDR.INIT
        assertStatus(m, m.tdhMngRd(keyed.tdr, 0x1100000000000005L, 0), "TDX_OPERAND_INVALID", "RDX");
        assertStatus(m, m.tdhMngRd(keyed.tdr, 0x9000000000000010L, 0), "TDX_FIELD_NOT_READABLE");
        assertStatus(m, m.tdhMngWr(keyed.tdr, 0x1100000000000000L, 0, -1L), "TDX_FIELD_NOT_WRITABLE");
        assertSuccess(m.tdhMngWr(keyed.tdr, 0x9100000000000010L, 1, 1));
        TdBuild prod = TdBuild.initialized(m, m.privateHkidMin() + 2, false, 1);
        assertStatus(m, m.tdhMngRd(prod.tdr, 0x9100000000000010L, 0), "TDX_FIELD_NOT_READABLE");
    }

    /** TDH.VP.RD of the modelled TDVPS management fields; VCPU_STATE only for a debug TD. */
    @Test
    void vpRd() {
        TdxModule m = Fixtures.ready("1.5.06");
        TdBuild prod = TdBuild.initialized(m, m.privateHkidMin() + 1, false, 2);
        prod.vcpuInitialized();
        long second = prod.vcpuInitialized();
        SeamcallResult idx = m.tdhVpRd(second, 0xA020000200000002L, 1);
        assertSuccess(idx);
        assertThat(idx.r8()).isEqualTo(1);
        assertThat(idx.rdx()).isEqualTo(0xA020000000000003L);
        assertThat(m.tdhVpRd(second, 0xA020000000000003L, 0).r8()).isEqualTo(m.minTdvpsPages());
        assertStatus(m, m.tdhVpRd(second, 0xA020000000000000L, 0), "TDX_METADATA_FIELD_NOT_READABLE");
        assertStatus(m, m.tdhVpRd(second, 0x1320000300000DA0L, 0), "TDX_METADATA_FIELD_ID_INCORRECT");
        // another LP: the vCPU is associated with LP 0
        assertStatus(m, m.seamcall(1, Registers.leaf(Leaf.TDH_VP_RD).withRcx(second).withRdx(0xA020000200000002L)),
                "TDX_VCPU_ASSOCIATED");
        TdBuild dbg = TdBuild.initialized(m, m.privateHkidMin() + 2, true, 1);
        long v = dbg.vcpuInitialized();
        assertThat(m.tdhVpRd(v, 0xA020000000000000L, 0).r8()).isEqualTo(Vcpu.VCPU_READY);
    }
}
