package org.tdxsim.module;

import com.google.common.collect.ImmutableMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.tdxsim.module.metadata.CpuidCatalog;
import org.tdxsim.module.metadata.MetadataEntry;
import org.tdxsim.module.metadata.MetadataFieldId;
import org.tdxsim.module.metadata.MetadataResult;
import org.tdxsim.module.metadata.MetadataTable;
import org.tdxsim.module.profile.CpuidLookupEntry;
import org.tdxsim.module.profile.TdField;

/**
 * TDR/TDCS (TD context) metadata for TDH.MNG.RD/WR on 1.5+ (abi §6.2, §6.5): the lookup table built
 * from the profile's {@code tdFields} and the values of one TD.
 *
 * <p>Modelled values: FATAL, NUM_TDCX, CHLDCNT, LIFECYCLE_STATE, TDCX_PA[] (with the TD's HKID, as
 * the TDR stores them), TD_UUID, HKID, PKG_CONFIG_BITMAP, NUM_VCPUS, NUM_ASSOC_VCPUS, OP_STATE,
 * NUM_L2_VMS, ATTRIBUTES, XFAM, MAX_VCPUS, GPAW, EPTP, TSC_OFFSET, TSC_MULTIPLIER, TSC_FREQUENCY,
 * NUM_CPUID_VALUES (MAX_NUM_CPUID_LOOKUP), NOTIFY_ENABLES, HP_LOCK_TIMEOUT (µs), VM_CTLS[], CONFIG_FLAGS,
 * VIRT_MAXPA, CPUID_VALID[], TD_EPOCH, MRTD, MRCONFIGID, MROWNER, MROWNERCONFIG, CPUID_VALUES. Every
 * other field (migration, service-TD, XBUFF, RTMR, MSR bitmaps, S-EPT root contents, virtual VMX MSRs
 * ...) exists with the table's masks but reads 0. Host-writable per the tables: HP_LOCK_TIMEOUT (full
 * 64-bit mask only, 10 000..100 000 000 µs, see {@link #MIN_HP_LOCK_TIMEOUT_USEC}), VM_CTLS bit 0,
 * NOTIFY_ENABLES bit 0 (debug TDs).
 */
final class TdMetadata {

    /**
     * HP_LOCK_TIMEOUT default, 1 s: {@code DEFAULT_HP_LOCK_TIMEOUT_USEC} in
     * {@code src/common/data_structures/td_control_structures.h} of [M1.5.06] (commit 1e636985) and
     * [M2.0] (commit 1666adc4), not in the digest; TDH.MNG.INIT stores it ({@code tdh_mng_init.c},
     * same commits). tdxsim sets it at TDH.MNG.CREATE, which no host read can tell apart (TDH.MNG.RD
     * needs OP_STATE ≠ UNINITIALIZED).
     */
    static final long DEFAULT_HP_LOCK_TIMEOUT_USEC = 1_000_000L;
    /**
     * Smallest HP_LOCK_TIMEOUT TDH.MNG.WR accepts, 10 ms: {@code MIN_HP_LOCK_TIMEOUT_USEC}, same file and
     * commits as {@link #DEFAULT_HP_LOCK_TIMEOUT_USEC}; checked by {@code check_hp_lock_timeout_and_translate_to_tsc}
     * in {@code src/common/metadata_handlers/metadata_td.c} (same commits).
     */
    static final long MIN_HP_LOCK_TIMEOUT_USEC = 10_000L;
    /** Largest HP_LOCK_TIMEOUT, 100 s: {@code MAX_HP_LOCK_TIMEOUT_USEC}, as {@link #MIN_HP_LOCK_TIMEOUT_USEC}. */
    static final long MAX_HP_LOCK_TIMEOUT_USEC = 100_000_000L;

    private final TdxModule m;
    private final MetadataTable table;
    private final ImmutableMap<Integer, TdField> byIndex;
    /** MAX_L2_VMS and TDCS_PAGES_PER_L2_VM, read once (every TDH.MNG.RD/WR asks). */
    private final int maxL2Vms;
    private final int tdcsPagesPerL2Vm;

    TdMetadata(TdxModule m) {
        this.m = m;
        this.maxL2Vms = (int) m.constant("MAX_L2_VMS", 3);
        this.tdcsPagesPerL2Vm = (int) m.constant("TDCS_PAGES_PER_L2_VM", 1);
        List<MetadataEntry> entries = new ArrayList<>();
        ImmutableMap.Builder<Integer, TdField> idx = ImmutableMap.builder();
        for (TdField f : m.profile().tdFields()) {
            entries.add(new MetadataEntry(f.name(), f.tableIndex(), f.fieldId(), f.numFields(),
                    f.numElementsPerField(), f.hostReadMaskProd(), f.hostReadMaskDebug(), f.hostWriteMaskProd(),
                    f.hostWriteMaskDebug(), f.specialReadHandling(), f.specialWriteHandling()));
            idx.put(f.tableIndex(), f);
        }
        this.byIndex = idx.buildKeepingLast();
        List<CpuidCatalog.Row> rows = new ArrayList<>();
        for (CpuidLookupEntry e : m.profile().cpuidLookup()) {
            rows.add(new CpuidCatalog.Row(e.index(), e.leaf(), e.subleaf(), e.faulting()));
        }
        this.table = entries.isEmpty() ? null
                : new MetadataTable(MetadataFieldId.CONTEXT_TD, entries, new CpuidCatalog(rows));
    }

    MetadataTable table() {
        return table;
    }

    /** Element values of one TD. */
    MetadataTable.ElementSource source(Td td) {
        return new Source(td);
    }

    /**
     * HP_LOCK_TIMEOUT's special write rule: a partial write mask → TDX_METADATA_WR_MASK_NOT_VALID, a
     * value outside MIN..MAX → TDX_METADATA_FIELD_VALUE_NOT_VALID ({@code md_td_write_element} in
     * {@code src/common/metadata_handlers/metadata_td.c}, [M1.5.06] commit 1e636985 and [M2.0] commit
     * 1666adc4).
     */
    static final MetadataTable.WriteRule WRITE_RULE = (e, combined, value) -> {
        if (e.name().equals("HP_LOCK_TIMEOUT")) {
            if (combined != -1L) {
                return Optional.of(new MetadataResult.Failure(MetadataResult.Error.WR_MASK_NOT_VALID,
                        "HP_LOCK_TIMEOUT can only be written as a whole (write mask must be all ones)"));
            }
            if (value < MIN_HP_LOCK_TIMEOUT_USEC || value > MAX_HP_LOCK_TIMEOUT_USEC) {
                return Optional.of(new MetadataResult.Failure(MetadataResult.Error.FIELD_VALUE_NOT_VALID,
                        "HP_LOCK_TIMEOUT " + Long.toUnsignedString(value) + " µs is outside "
                                + MIN_HP_LOCK_TIMEOUT_USEC + ".." + MAX_HP_LOCK_TIMEOUT_USEC));
            }
        }
        return Optional.empty();
    };

    private final class Source implements MetadataTable.ElementSource {
        private final Td td;

        Source(Td td) {
            this.td = td;
        }

        @Override
        public long element(MetadataEntry entry, int i) {
            TdSettings s = td.settings;
            TdField f = byIndex.get(entry.tableIndex());
            String name = f == null ? entry.name() : f.name();
            return switch (name) {
                case "FATAL" -> td.fatal ? 1 : 0;
                case "NUM_TDCX" -> td.numTdcx();
                case "CHLDCNT" -> td.chldcnt.get();
                case "LIFECYCLE_STATE" -> td.lifecycle.value();
                case "TDCX_PA" -> i < td.numTdcx() ? m.memory().withHkid(td.tdcxPa.get(i), td.hkid) : 0;
                case "TD_UUID" -> i < 4 ? td.tdUuid[i] : 0;
                case "HKID" -> td.hkid;
                case "PKG_CONFIG_BITMAP" -> td.pkgConfigBitmap;
                case "NUM_VCPUS" -> td.numVcpus.get();
                case "NUM_ASSOC_VCPUS" -> td.numAssocVcpus.get();
                case "OP_STATE" -> td.opState.value();
                case "NUM_L2_VMS" -> s == null ? 0 : s.numL2Vms();
                case "ATTRIBUTES" -> s == null ? 0 : s.attributes();
                case "XFAM" -> s == null ? 0 : s.xfam();
                case "MAX_VCPUS" -> s == null ? 0 : s.maxVcpus();
                case "GPAW" -> s != null && s.gpaw() ? 1 : 0;
                case "EPTP" -> s == null ? 0 : s.eptp();
                case "TSC_OFFSET" -> s == null ? 0 : s.tscOffset();
                case "TSC_MULTIPLIER" -> s == null ? 0 : s.tscMultiplier();
                case "TSC_FREQUENCY" -> s == null ? 0 : s.tscFrequency();
                case "NUM_CPUID_VALUES" -> m.profile().maxNumCpuidLookup();
                case "NOTIFY_ENABLES" -> td.notifyEnables;
                case "HP_LOCK_TIMEOUT" -> td.hpLockTimeoutUsec;
                case "VM_CTLS" -> i < td.vmCtls.length ? td.vmCtls[i] : 0;
                case "CONFIG_FLAGS" -> s == null ? 0 : s.configFlags();
                case "VIRT_MAXPA" -> s == null ? 0 : s.virtMaxPa();
                case "CPUID_VALID" -> s != null && i < s.cpuidValid().size() && s.cpuidValid().get(i) ? 1 : 0;
                case "TD_EPOCH" -> td.tdEpoch;
                case "MRTD" -> td.measurement == null ? 0 : td.measurement.mrtdElement(i);
                case "MRCONFIGID" -> s == null ? 0 : s.mrConfigId()[i];
                case "MROWNER" -> s == null ? 0 : s.mrOwner()[i];
                case "MROWNERCONFIG" -> s == null ? 0 : s.mrOwnerConfig()[i];
                default -> 0;
            };
        }

        @Override
        public long cpuidElement(int lookupIndex, int element) {
            TdSettings s = td.settings;
            if (s == null || lookupIndex >= s.cpuidValues().size()) {
                return 0;
            }
            return s.cpuidValues().get(lookupIndex)[element];
        }

        @Override
        public boolean cpuidValid(int lookupIndex) {
            TdSettings s = td.settings;
            return s != null && lookupIndex < s.cpuidValid().size() && s.cpuidValid().get(lookupIndex);
        }

        @Override
        public int unusedTrailingEntries() {
            return tdcsPagesPerL2Vm * Math.max(0, maxL2Vms - numL2Vms());
        }

        @Override
        public int numL2Vms() {
            TdSettings s = td.settings;
            return s == null ? 0 : s.numL2Vms();
        }

        @Override
        public void store(MetadataEntry entry, int index, long value) {
            switch (entry.name()) {
                case "HP_LOCK_TIMEOUT" -> td.hpLockTimeoutUsec = value;
                case "VM_CTLS" -> {
                    synchronized (td.vmCtls) {
                        td.vmCtls[index] = value;
                    }
                }
                case "NOTIFY_ENABLES" -> td.notifyEnables = value;
                default -> {
                    // a user profile may declare more host-writable fields; the model keeps no state for them
                }
            }
        }
    }
}
