package org.tdxsim.module;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.tdxsim.module.cpuid.CpuidRegs;
import org.tdxsim.module.profile.CpuidConfigurableEntry;
import org.tdxsim.module.profile.ModuleProfile;

/**
 * TDSYSINFO_STRUCT as TDH.SYS.INFO writes it (1024 bytes; offsets of abi §8, constant members from
 * the profile's {@code sysInfo}, [M1.5.01] {@code tdh_sys_info.c}):
 * <pre>
 * 0x00 attributes u32   0x04 vendor_id u32   0x08 build_date u32   0x0C build_num u16
 * 0x0E minor u16        0x10 major u16       0x12 sys_rd u8 (1.5+; reserved in 1.0)
 * 0x20 max_tdmrs u16    0x22 max_reserved_per_tdmr u16   0x24 pamt_entry_size u16
 * 0x30 tdcs_base_size u16   0x34 tdvps_base_size u16    0x36 tdvps_xfam_dependent_size u8
 * 0x40 attributes_fixed0 u64   0x48 attributes_fixed1   0x50 xfam_fixed0   0x58 xfam_fixed1
 * 0x80 num_cpuid_config u32    0x84 cpuid_config_list[] (24 B: leaf, subleaf, EAX, EBX, ECX, EDX)
 * </pre>
 * CPUID config values = CONFIG_DIRECT | (ALLOW_DIRECT & adjusted native) (abi §5.3). 2.0.08 has no
 * extracted {@code sysInfo}; its struct is built from the same layout with the 2.0 constants
 * (MIN_NUM_TDCS_PAGES, MIN_TDVPS_PAGES) — a modelling choice, listed in the report.
 * BUILD_DATE is not known for any version and is written as 0.
 */
final class SysInfoStruct {

    private SysInfoStruct() {
    }

    static byte[] build(TdxModule m) {
        ModuleProfile p = m.profile();
        ByteBuffer b = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x00, (int) p.sysInfoNumber("attributes").orElse(0));
        b.putInt(0x04, (int) p.sysInfoNumber("vendorId").orElse(0x8086));
        b.putInt(0x08, 0);
        b.putShort(0x0C, (short) p.sysInfoNumber("buildNum").orElse(0));
        b.putShort(0x0E, (short) p.sysInfoNumber("minorVersion").orElse(p.version().minor()));
        b.putShort(0x10, (short) p.sysInfoNumber("majorVersion").orElse(p.version().major()));
        if (!m.is10()) {
            b.put(0x12, (byte) p.sysInfoNumber("sysRd").orElse(1));
        }
        b.putShort(0x20, (short) p.sysInfoNumber("maxTdmrs").orElse(m.constant("MAX_TDMRS", 64)));
        b.putShort(0x22, (short) p.sysInfoNumber("maxReservedPerTdmr").orElse(m.constant("MAX_RESERVED_AREAS", 16)));
        b.putShort(0x24, (short) p.sysInfoNumber("pamtEntrySize").orElse(m.constant("PAMT_ENTRY_SIZE_IN_BYTES", 16)));
        b.putShort(0x30, (short) p.sysInfoNumber("tdcsBaseSize").orElse(4096L * m.minTdcsPages()));
        b.putShort(0x34, (short) p.sysInfoNumber("tdvpsBaseSize").orElse(4096L * m.minTdvpsPages()));
        b.put(0x36, (byte) p.sysInfoNumber("tdvpsXfamDependentSize").orElse(0));
        b.putLong(0x40, m.attributesFixed0());
        b.putLong(0x48, m.constant("TDX_ATTRIBUTES_FIXED1", 0));
        b.putLong(0x50, m.xfamFixed0());
        b.putLong(0x58, m.constant("TDX_XFAM_FIXED1", 3));
        List<CpuidConfigurableEntry> conf = p.cpuidConfigurable();
        b.putInt(0x80, conf.size());
        int off = 0x84;
        for (CpuidConfigurableEntry e : conf) {
            if (off + 24 > 1024) {
                break;
            }
            CpuidRegs v = m.facts().reportedConfigurable(e, false);
            b.putInt(off, e.leaf());
            b.putInt(off + 4, e.subleaf());
            b.putInt(off + 8, v.eax());
            b.putInt(off + 12, v.ebx());
            b.putInt(off + 16, v.ecx());
            b.putInt(off + 20, v.edx());
            off += 24;
        }
        return b.array();
    }
}
