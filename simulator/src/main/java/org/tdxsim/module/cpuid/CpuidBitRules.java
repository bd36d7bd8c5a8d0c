package org.tdxsim.module.cpuid;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.BiFunction;
import org.tdxsim.module.profile.CpuidConfigurableEntry;
import org.tdxsim.module.profile.CpuidLookupEntry;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.ModuleProfiles;
import org.tdxsim.module.profile.XfamMaskTable;
import org.tdxsim.module.platform.PlatformProfile;

/**
 * Classifies one CPUID bit the way {@link CpuidVirtualization} decides it, in the same precedence:
 * whole-leaf rules that zero the leaf now, per-bit module rules, XFAM masks whose XFAM bit is 0,
 * CONFIG_DIRECT / ALLOW_DIRECT, FIXED1, FIXED0_OR_DYNAMIC, native.
 */
final class CpuidBitRules {

    private CpuidBitRules() {
    }

    static CpuidBitClass classify(ModuleProfile m, PlatformProfile p, CpuidInputs in, CpuidLookupEntry e,
            CpuidReg r, int bit, BiFunction<Integer, Integer, CpuidRegs> finalValues) {
        boolean v10 = m.version().is1_0();
        boolean v15 = !v10;
        boolean v1506 = m.version().isAtLeast(1, 5, 6);
        boolean v20 = m.version().isAtLeast(2, 0, 0);
        int leaf = e.leaf();
        int sub = e.subleaf();
        if (e.faulting()) {
            return CpuidBitClass.of(CpuidBitKind.FAULTING, "the leaf is faulting: guest CPUID injects #VE");
        }
        // whole-leaf rules that zero the leaf for these inputs
        if (v15) {
            if (leaf == 0xA && !in.attribute(63)) {
                return attr(63, "leaf 0xA is native only when ATTRIBUTES.PERFMON (bit 63) = 1");
            }
            if (v1506 && leaf == 0x23 && !in.attribute(63)) {
                return attr(63, "leaf 0x23 is native only when ATTRIBUTES.PERFMON (bit 63) = 1");
            }
            if (v1506 && leaf == 0x23 && !finalValues.apply(7, 1).bit(CpuidReg.EAX, 8)) {
                return CpuidBitClass.of(CpuidBitKind.CALCULATED, "leaf 0x23 is zero because final CPUID(7,1).EAX[8] is 0");
            }
            if (v20 && leaf == 0x23 && sub >= 1 && (sub >= 32 || (finalValues.apply(0x23, 0).eax() >>> sub & 1) == 0)) {
                return CpuidBitClass.of(CpuidBitKind.CALCULATED, "CPUID(0x23," + sub + ") is zero because bit " + sub
                        + " of the final CPUID(0x23,0).EAX is 0 ([M2.0] tdh_mng_init.c)");
            }
            if (v1506 && leaf == 0x1A && in.attribute(29)) {
                return attr(29, "leaf 0x1A is zero for a migratable TD (ATTRIBUTES.MIGRATABLE, bit 29)");
            }
            if (leaf == 0x19) {
                return CpuidBitClass.of(CpuidBitKind.FIXED0, "the Key Locker leaf 0x19 is all zero for a TD");
            }
            if (leaf == 0xD && sub >= 2 && sub <= 18 && !in.xfamBit(sub)) {
                return xfam(List.of(sub), "CPUID(0xD," + sub + ") is zero when XFAM[" + sub + "] = 0");
            }
            if (leaf == 0x14 && !in.xfamBit(8)) {
                return xfam(List.of(8), "leaf 0x14 (PT) is zero when XFAM[8] = 0");
            }
            if (leaf == 0x1C && !in.xfamBit(15)) {
                return xfam(List.of(15), "leaf 0x1C (LBR) is zero when XFAM[15] = 0");
            }
            if (leaf == 0x1D && (!in.xfamBit(17) || !in.xfamBit(18))) {
                return xfam(List.of(17, 18), "leaf 0x1D (AMX) is zero unless XFAM[17] and XFAM[18] = 1");
            }
            if (leaf == 0x5 && !finalValues.apply(1, 0).bit(CpuidReg.ECX, 3)) {
                return CpuidBitClass.of(CpuidBitKind.CALCULATED, "leaf 5 is zero because final CPUID(1).ECX.MONITOR is 0");
            }
        }
        // per-bit module rules
        if (leaf == 0xD && sub == 0 && r == CpuidReg.ECX) {
            return CpuidBitClass.of(CpuidBitKind.CALCULATED, "CPUID(0xD,0).ECX := max XSAVE size of the XFAM user components");
        }
        if (leaf == 0xD && sub == 1 && r == CpuidReg.EAX && bit == 4) {
            return xfam(bitsOf(CpuidVirtualization.xfdCapableMask(p)),
                    "XFD is 1 only if an XFAM-enabled component supports XFD");
        }
        if (leaf == 0x15 && (r == CpuidReg.EBX || (v10 && r == CpuidReg.EAX))) {
            return CpuidBitClass.of(CpuidBitKind.CALCULATED, r == CpuidReg.EBX ? "CPUID(0x15).EBX := TSC_FREQUENCY"
                    : "CPUID(0x15).EAX := 1");
        }
        if (leaf == 0x8000_0008 && r == CpuidReg.EAX) {
            if (v15 && bit >= 8 && bit < 16) {
                return CpuidBitClass.of(CpuidBitKind.CALCULATED, "linear-address width := 57 if final LA57 else 48");
            }
            if (v1506 && bit < 8) {
                boolean maxgpa = v20 && in.configFlag(4);
                if (!in.configFlag(3) || maxgpa) {
                    return CpuidBitClass.of(CpuidBitKind.CALCULATED, "MAXPA := native MAXPA ("
                            + (maxgpa ? "CONFIG_FLAGS.MAXGPA_VIRT = 1" : "CONFIG_FLAGS.MAXPA_VIRT = 0") + ")");
                }
                return CpuidBitClass.of(CpuidBitKind.CONFIGURABLE,
                        "virtual MAXPA (CONFIG_FLAGS.MAXPA_VIRT = 1): 0 or [MIN_VIRT_MAXPA, min(native, 52/48)]");
            }
            if (v20 && bit >= 16 && bit < 24) {
                return CpuidBitClass.of(CpuidBitKind.CALCULATED,
                        "GPA width := min(native MAXPA, 52/48) with CONFIG_FLAGS.MAXGPA_VIRT, else 0");
            }
        }
        if (v15 && leaf == 7 && sub == 0 && r == CpuidReg.ECX && bit == 31) {
            return attr(30, "CPUID(7,0).ECX.PKS := ATTRIBUTES.PKS (bit 30)");
        }
        if (v15 && leaf == 7 && sub == 0 && r == CpuidReg.ECX && bit == 23) {
            return CpuidBitClass.of(CpuidBitKind.FIXED0, "CPUID(7,0).ECX.KL := 0 (Key Locker is not supported in a TD)");
        }
        if (v1506 && leaf == 7 && sub == 1 && r == CpuidReg.EAX && bit == 6) {
            return attr(27, "CPUID(7,1).EAX.LASS := ATTRIBUTES.LASS (bit 27)");
        }
        // XFAM mask tables (1.5+; for leaf 1 the module applies only the XFAM[2] entry)
        ImmutableList<Integer> owners = ImmutableList.of();
        if (v15) {
            XfamMaskTable t = m.xfamMaskTable(leaf, sub).orElse(null);
            if (t != null) {
                List<Integer> o = new ArrayList<>();
                for (var me : t.perXfamBit().entrySet()) {
                    if ((leaf != 1 || me.getKey() == 2) && (leaf != 1 || r == CpuidReg.ECX)
                            && (me.getValue().get(r) >>> bit & 1) != 0) {
                        o.add(me.getKey());
                    }
                }
                owners = ImmutableList.copyOf(o);
                boolean cleared = owners.stream().anyMatch(x -> !in.xfamBit(x));
                if (cleared) {
                    return new CpuidBitClass(CpuidBitKind.XFAM_DERIVED, owners, OptionalInt.empty(),
                            "cleared because XFAM bit " + CpuidBitClass.bitList(owners) + " is 0");
                }
            }
        }
        String dep = owners.isEmpty() ? "" : "; cleared when XFAM bit " + CpuidBitClass.bitList(owners) + " is 0";
        if (e.configurable() && e.configIndex() < m.cpuidConfigurable().size()) {
            CpuidConfigurableEntry c = m.cpuidConfigurable().get(e.configIndex());
            if ((c.configDirect().get(r) >>> bit & 1) != 0) {
                String why = leaf == 1 && r == CpuidReg.EAX ? "F/M/S: 0 selects the native value" : "taken from TD_PARAMS";
                return new CpuidBitClass(CpuidBitKind.CONFIGURABLE, owners, OptionalInt.empty(), why + dep);
            }
            if ((c.allowDirect().get(r) >>> bit & 1) != 0) {
                return new CpuidBitClass(CpuidBitKind.ALLOWED_IF_NATIVE, owners, OptionalInt.empty(),
                        "native value if TD_PARAMS sets it, else 0" + dep);
            }
        }
        if ((e.fixed1().get(r) >>> bit & 1) != 0) {
            return new CpuidBitClass(CpuidBitKind.FIXED1, owners, OptionalInt.empty(), "FIXED1 in the lookup table" + dep);
        }
        if ((e.fixed0OrDynamic().get(r) >>> bit & 1) != 0) {
            return new CpuidBitClass(CpuidBitKind.FIXED0, owners, OptionalInt.empty(),
                    "FIXED0_OR_DYNAMIC in the lookup table: 0 in TDCS, dynamic bits recomputed at guest CPUID" + dep);
        }
        return new CpuidBitClass(CpuidBitKind.NATIVE, owners, OptionalInt.empty(), "native value passes through" + dep);
    }

    private static CpuidBitClass attr(int bit, String reason) {
        return new CpuidBitClass(CpuidBitKind.ATTRIBUTES_DERIVED, ImmutableList.of(), OptionalInt.of(bit), reason);
    }

    private static CpuidBitClass xfam(List<Integer> bits, String reason) {
        return new CpuidBitClass(CpuidBitKind.XFAM_DERIVED, ImmutableList.copyOf(bits), OptionalInt.empty(), reason);
    }

    private static List<Integer> bitsOf(long mask) {
        List<Integer> l = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            if ((mask >>> i & 1) != 0) {
                l.add(i);
            }
        }
        return l;
    }

    /** "; configurable (ALLOW_DIRECT) in module 1.5.06, 2.0.08" or "". */
    static String otherVersions(ModuleProfile m, int leaf, int subleaf, CpuidReg r, int bit) {
        List<String> cd = new ArrayList<>();
        List<String> ad = new ArrayList<>();
        for (String v : ModuleProfiles.versions()) {
            ModuleProfile o = ModuleProfiles.builtIn(v);
            if (o.version().equals(m.version())) {
                continue;
            }
            o.configurableEntry(leaf, subleaf).ifPresent(c -> {
                if ((c.configDirect().get(r) >>> bit & 1) != 0) {
                    cd.add(v);
                } else if ((c.allowDirect().get(r) >>> bit & 1) != 0) {
                    ad.add(v);
                }
            });
        }
        StringBuilder sb = new StringBuilder();
        if (!cd.isEmpty()) {
            sb.append("; CONFIG_DIRECT in module ").append(String.join(", ", cd));
        }
        if (!ad.isEmpty()) {
            sb.append("; ALLOW_DIRECT in module ").append(String.join(", ", ad));
        }
        return sb.toString();
    }
}
