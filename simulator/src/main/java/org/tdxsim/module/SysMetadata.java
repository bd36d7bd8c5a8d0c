package org.tdxsim.module;

import java.util.ArrayList;
import java.util.List;
import org.tdxsim.module.cpuid.CpuidRegs;
import org.tdxsim.module.metadata.CpuidCatalog;
import org.tdxsim.module.metadata.MetadataEntry;
import org.tdxsim.module.metadata.MetadataFieldId;
import org.tdxsim.module.metadata.MetadataTable;
import org.tdxsim.module.profile.AllowedFms;
import org.tdxsim.module.profile.CpuidConfigurableEntry;
import org.tdxsim.module.profile.GlobalField;
import org.tdxsim.module.profile.ReportedValue;

/**
 * Values of the global (SYS context) metadata fields read by TDH.SYS.RD (abi §6.3, §6.4, §5.3;
 * module-data README "globalFields").
 *
 * <p>{@code constant} values come from the profile's {@code reported} data; platform-dependent ones
 * are computed from the platform here:
 * <ul>
 *   <li>NUM_PKGS, PKG_FMS[i] (CPUID(1).EAX for each modelled package, 0 beyond);</li>
 *   <li>CMR_BASE/CMR_SIZE: one CMR {@code [0, cmrSize)}, other slots 0;</li>
 *   <li>ATTRIBUTES_FIXED0, XFAM_FIXED0 (= TDX_XFAM_FIXED0 & (XCR0 ∪ XSS supported)), via
 *       {@link TdxModule#attributesFixed0()} / {@link TdxModule#xfamFixed0()};</li>
 *   <li>TDX_FEATURES0: unconditional bits plus the conditional ones the platform meets
 *       ({@code SysInitFacts.tdxFeatures0}: SEAMVERIFYREPORT, TDX Connect, not GNR A0);</li>
 *   <li>CPUID_CONFIG_VALUES (1.5.06+): CONFIG_DIRECT | (ALLOW_DIRECT & adjusted native), 1.5.01: the
 *       constant CONFIG_DIRECT-only elements (abi §5.3 — the real 1.5.01 discrepancy is kept);</li>
 *   <li>NUM_ALLOWED_FMS / ALLOWED_FMS: the allowed-FMS table from the entry matching the platform's
 *       family/model (stepping ignored) to its end, 0 if none matches.</li>
 * </ul>
 * Values the data marks unknown (null build date, 2.0.08 constants that were not read, runtime
 * hand-off state, MIN_DYNAMIC_PAMT_NUM_HKID_BITS) read as 0.
 */
final class SysMetadata implements MetadataTable.ElementSource {

    private final TdxModule m;
    private final MetadataTable table;
    private final com.google.common.collect.ImmutableMap<String, GlobalField> fields;

    SysMetadata(TdxModule m) {
        this.m = m;
        var byName = com.google.common.collect.ImmutableMap.<String, GlobalField>builder();
        List<MetadataEntry> entries = new ArrayList<>();
        for (GlobalField f : m.profile().globalFields()) {
            byName.put(f.name(), f);
            entries.add(new MetadataEntry(f.name(), f.tableIndex(), f.fieldId(), f.numFields(),
                    f.numElementsPerField(), f.vmmReadMask(), f.vmmReadMask(), 0, 0, f.specialReadHandling(),
                    f.specialWriteHandling()));
        }
        this.fields = byName.buildKeepingLast();
        this.table = entries.isEmpty() ? null
                : new MetadataTable(MetadataFieldId.CONTEXT_SYS, entries, new CpuidCatalog(List.of()));
    }

    /** The SYS lookup table; only called on versions with TDH.SYS.RD (1.5+), which have global fields. */
    MetadataTable table() {
        return table;
    }

    @Override
    public long element(MetadataEntry entry, int index) {
        GlobalField f = fields.get(entry.name());
        ReportedValue r = f.reported();
        PlatformView pv = m.platformView();
        return switch (f.name()) {
            case "NUM_PKGS" -> pv.numPackages();
            case "PKG_FMS" -> index < pv.numPackages() ? Integer.toUnsignedLong(pv.cpuid(1, 0).eax()) : 0;
            case "CMR_BASE" -> 0;
            case "CMR_SIZE" -> index == 0 ? m.memory().cmrSize() : 0;
            case "ATTRIBUTES_FIXED0" -> m.attributesFixed0();
            case "XFAM_FIXED0" -> m.xfamFixed0();
            case "TDX_FEATURES0" -> m.facts().tdxFeatures0().orElse(r.value().orElse(0));
            case "CPUID_CONFIG_VALUES" -> cpuidConfigValue(r, index);
            case "NUM_ALLOWED_FMS" -> allowedFms().size();
            case "ALLOWED_FMS" -> {
                List<AllowedFms.Entry> a = allowedFms();
                yield index < a.size() ? Integer.toUnsignedLong(a.get(index).value()) : 0;
            }
            default -> {
                if (!r.elements().isEmpty()) {
                    yield index < r.elements().size() ? r.elements().get(index) : 0;
                }
                yield r.value().orElse(0);
            }
        };
    }

    /**
     * TDH.SYS.RDALL list quirk of 1.5.01: {@code md_sys_read_field} ([M1.5.01] {@code metadata_sys.c} at
     * commit 72d8cffb) returns CPUID_CONFIG_VALUES[i] for i ≥ NUM_CPUID_CONFIG as a single value 0 with
     * no backing array, so only element 0 is stored and element 1's list slot keeps the host buffer's
     * old content. [M2.0] {@code metadata_sys.c} (1666adc4) stores 0 in both; 1.5.06's file is not in
     * the index, it is taken to behave like 2.0 because it already reports CPUID_CONFIG_VALUES in 2.0's
     * CONFIG_DIRECT | (ALLOW_DIRECT & native) form (abi §5.3), which 2.0 computes in that same code.
     */
    @Override
    public boolean dumpWritesElement(MetadataEntry entry, int index) {
        if (m.profile().version().isAtLeast(1, 5, 6) || !entry.name().equals("CPUID_CONFIG_VALUES")) {
            return true;
        }
        return index % 2 == 0 || index / 2 < m.profile().cpuidConfigurable().size();
    }

    /** Element j of CPUID_CONFIG_VALUES[i] (element 0 = EBX:EAX, 1 = EDX:ECX); slots past NUM_CPUID_CONFIG read 0. */
    private long cpuidConfigValue(ReportedValue r, int index) {
        int config = index / 2;
        List<CpuidConfigurableEntry> conf = m.profile().cpuidConfigurable();
        if (config >= conf.size()) {
            return 0;
        }
        CpuidRegs v = m.facts().reportedConfigurable(conf.get(config), true);
        return index % 2 == 0 ? Integer.toUnsignedLong(v.eax()) | (long) v.ebx() << 32
                : Integer.toUnsignedLong(v.ecx()) | (long) v.edx() << 32;
    }

    private List<AllowedFms.Entry> allowedFms() {
        int fms = m.platformView().cpuid(1, 0).eax();
        return m.profile().allowedFms().map(a -> {
            for (int i = 0; i < a.table().size(); i++) {
                if ((a.table().get(i).nativeFms() & ~0xF) == (fms & 0x0FFF_FFF0)) {
                    return (List<AllowedFms.Entry>) a.table().subList(i, a.table().size());
                }
            }
            return List.<AllowedFms.Entry>of();
        }).orElse(List.of());
    }
}
