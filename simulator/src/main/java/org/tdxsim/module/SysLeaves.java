package org.tdxsim.module;

import java.util.ArrayList;
import java.util.List;
import org.tdxsim.module.cpuid.CpuidRegs;
import org.tdxsim.module.metadata.MetadataFieldId;
import org.tdxsim.module.metadata.MetadataResult;
import org.tdxsim.module.profile.CpuidLookupEntry;

/**
 * Platform-scope leaves: TDH.SYS.INIT, TDH.SYS.LP.INIT, TDH.SYS.CONFIG, TDH.SYS.KEY.CONFIG,
 * TDH.SYS.TDMR.INIT, TDH.SYS.INFO, TDH.SYS.RD, TDH.SYS.RDALL (abi §7.1, §8, §6.2; [M1.5.01]
 * {@code tdh_sys_*.c}).
 */
final class SysLeaves {

    private SysLeaves() {
    }

    /** {@code CPUID_MIN_LAST_CPU_BASE_LEAF} / {@code CPUID_LAST_EXTENDED_LEAF} (abi §8). */
    static final int MIN_LAST_BASE_LEAF = 0x1F;
    static final int LAST_EXTENDED_LEAF = 0x80000008;
    /**
     * Bytes one TDH.SYS.TDMR.INIT call initialises: {@code TDMR_4K_PAMT_INIT_COUNT} = {@code _1KB} 4 KiB
     * pages, defined in {@code src/vmm_dispatcher/api_calls/tdh_sys_tdmr_init.c} ([M2.0] commit 1666adc4;
     * the same value in the 1.5.x copy of that file the index holds), not in the digest. [M2.0] uses
     * {@code TDMR_4K_DYNAMIC_PAMT_INIT_COUNT} (4 Ki pages) when dynamic PAMT is enabled at TDH.SYS.CONFIG,
     * which tdxsim's bring-up never enables.
     */
    static final long TDMR_INIT_CHUNK = 1024 * 4096L;
    /**
     * {@code TDMR_INFO_ENTRY_PTR_ARRAY_ALIGNMENT} = 512 (abi §1.1: "512-B aligned"; [M2.0]
     * {@code include/tdx_api_defs.h} at commit 1666adc4).
     */
    static final long TDMR_INFO_ALIGN = 512;
    /**
     * Size of one TDMR_INFO entry, 320 bytes: {@code tdmr_info_entry_t} = 8 u64 (TDMR and three PAMT
     * base/size pairs) + {@code MAX_RESERVED_AREAS} (16) reserved areas of {offset, size}, packed
     * ([M2.0] {@code include/tdx_api_defs.h} at commit 1666adc4), not in the digest.
     */
    static final int TDMR_INFO_SIZE = 64 + 16 * 16;
    static final long GIB = 1L << 30;

    // ---------------------------------------------------------------- TDH.SYS.INIT

    /**
     * TDH.SYS.INIT: global lock → SYS_BUSY; RCX (sys attributes, all reserved) ≠ 0 →
     * OPERAND_INVALID|RCX; not SYSINIT_PENDING → SYS_INIT_NOT_PENDING; then the platform checks of
     * {@code check_cpuid_configurations} and {@code check_key_management_config} (abi §8, §7.4).
     */
    static void sysInit(Call c) {
        c.rcx = 0;
        c.rdx = 0;
        c.r8 = 0;
        c.r9 = 0;
        c.r10 = 0;
        TdxModule m = c.m;
        c.reach(FaultPoint.SYS_INIT_GLOBAL_LOCK);
        if (!c.tryLock(m.globalLock(), SharexLock.Mode.EXCLUSIVE)) {
            throw c.fail("TDX_SYS_BUSY", "the module's global lock is held by a concurrent SEAMCALL");
        }
        if (c.in.rcx() != 0) {
            throw c.fail("TDX_OPERAND_INVALID", "RCX", "RCX (sys attributes) " + Call.hex(c.in.rcx())
                    + " has reserved bits set; all 64 bits must be 0");
        }
        if (m.sysState() != SysState.SYSINIT_PENDING) {
            throw c.fail("TDX_SYS_INIT_NOT_PENDING", "TDH.SYS.INIT already ran (module state " + m.sysState() + ")");
        }
        checkCpuid(c);
        checkKeyManagement(c);
        m.setSysState(SysState.SYSINIT_DONE);
    }

    /** {@code check_cpuid_configurations} ([M1.5.01] tdh_sys_init.c; abi §8, §5.1 verify masks). */
    private static void checkCpuid(Call c) {
        PlatformView p = c.m.platformView();
        if (c.m.limitCpuidMaxval()) {
            throw c.fail(c.m.is10() ? "TDX_BOOT_NT4_SET" : "TDX_LIMIT_CPUID_MAXVAL_SET",
                    "IA32_MISC_ENABLE bit 22 (limit CPUID maxval) is set");
        }
        int lastBase = p.cpuid(0, 0).eax();
        if (Integer.compareUnsigned(lastBase, MIN_LAST_BASE_LEAF) < 0) {
            throw c.failWithDetail("TDX_CPUID_LEAF_NOT_SUPPORTED", MIN_LAST_BASE_LEAF,
                    String.format("CPUID(0).EAX = 0x%X: the CPU must support base leaves up to 0x%X",
                            lastBase, MIN_LAST_BASE_LEAF));
        }
        int lastExt = p.cpuid(0x80000000, 0).eax();
        if (Integer.compareUnsigned(lastExt, LAST_EXTENDED_LEAF) < 0) {
            throw c.failWithDetail("TDX_CPUID_LEAF_NOT_SUPPORTED", Integer.toUnsignedLong(LAST_EXTENDED_LEAF),
                    String.format("CPUID(0x80000000).EAX = 0x%X: the CPU must support extended leaves up to 0x%X",
                            lastExt, LAST_EXTENDED_LEAF));
        }
        for (CpuidLookupEntry e : c.profile.cpuidLookup()) {
            boolean supported = Integer.compareUnsigned(e.leaf(), lastBase) <= 0
                    || (Integer.compareUnsigned(e.leaf(), 0x80000000) >= 0
                    && Integer.compareUnsigned(e.leaf(), lastExt) <= 0);
            CpuidRegs v = supported ? p.cpuid(e.leaf(), e.subleaf()) : CpuidRegs.ZERO;
            CpuidRegs mask = e.verifyMask();
            CpuidRegs want = e.verifyValue();
            if (!v.and(mask).equals(want)) {
                setVerifyRegs(c, e.leaf(), e.subleaf(), pack(mask.eax(), mask.ebx()), pack(mask.ecx(), mask.edx()),
                        pack(want.eax(), want.ebx()), pack(want.ecx(), want.edx()));
                throw c.fail("TDX_INCORRECT_CPUID_VALUE", String.format(
                        "native CPUID 0x%X%s = %s does not match the module's verify mask %s / value %s",
                        e.leaf(), e.subleafNa() ? "" : "." + e.subleaf(), v, mask, want));
            }
            if (e.leaf() == LAST_EXTENDED_LEAF && !c.m.is10()) {
                // LA_BITS must match LA57 ([M1.5.01] tdh_sys_init.c; abi §8)
                int laBits = v.eax() >>> 8 & 0xFF;
                int expect = p.la57() ? 57 : 48;
                if (laBits != expect) {
                    setVerifyRegs(c, e.leaf(), e.subleaf(), 0xFF00L, 0, (long) expect << 8, 0);
                    throw c.fail("TDX_INCORRECT_CPUID_VALUE", String.format(
                            "CPUID(0x80000008).EAX[15:8] (linear-address bits) is %d but LA57 is %s, so it must be %d",
                            laBits, p.la57() ? "supported" : "not supported", expect));
                }
            }
        }
    }

    private static long pack(int lo, int hi) {
        return Integer.toUnsignedLong(lo) | (long) hi << 32;
    }

    /** RCX = leaf/subleaf, RDX/R8 = verify mask, R9/R10 = expected value (abi §1.1 TDH.SYS.INIT). */
    private static void setVerifyRegs(Call c, int leaf, int subleaf, long maskLow, long maskHigh, long valLow,
                                      long valHigh) {
        c.rcx = Integer.toUnsignedLong(leaf) | (long) subleaf << 32;
        c.rdx = maskLow;
        c.r8 = maskHigh;
        c.r9 = valLow;
        c.r10 = valHigh;
    }

    /** {@code check_key_management_config}: private HKID max < MAX_HKIDS (abi §7.4). */
    private static void checkKeyManagement(Call c) {
        int max = c.m.privateHkidMax();
        int maxHkids = c.m.maxHkids();
        if (max >= maxHkids) {
            throw c.failWithDetail("TDX_NUM_ACTIVATED_HKIDS_NOT_SUPPORTED", maxHkids, String.format(
                    "the platform's private HKID range ends at %d; this module supports HKIDs below MAX_HKIDS %d",
                    max, maxHkids));
        }
    }

    // ---------------------------------------------------------------- TDH.SYS.LP.INIT

    /** TDH.SYS.LP.INIT: once per LP after TDH.SYS.INIT (abi §7.1). */
    static void lpInit(Call c) {
        c.rcx = 0;
        c.rdx = 0;
        c.r8 = 0;
        TdxModule m = c.m;
        c.reach(FaultPoint.SYS_LP_INIT_GLOBAL_LOCK);
        if (!c.tryLock(m.globalLock(), SharexLock.Mode.SHARED)) {
            throw c.fail("TDX_SYS_BUSY", "the module's global lock is held by a concurrent SEAMCALL");
        }
        if (m.sysState() != SysState.SYSINIT_DONE) {
            throw c.fail("TDX_SYS_LP_INIT_NOT_PENDING", "TDH.SYS.LP.INIT needs module state SYSINIT_DONE, it is "
                    + m.sysState());
        }
        if (!m.markLpInit(c.lp)) {
            throw c.fail("TDX_SYS_LP_INIT_DONE", "TDH.SYS.LP.INIT already ran on LP " + c.lp);
        }
    }

    // ---------------------------------------------------------------- TDH.SYS.CONFIG

    /**
     * TDH.SYS.CONFIG: RCX = PA of an array of TDMR_INFO PAs, RDX = count, R8 = global private HKID
     * (abi §1.1, §7.1, §7.4). The global HKID is marked RESERVED in the KOT before the TDMRs are checked,
     * as the module does.
     */
    static void sysConfig(Call c) {
        TdxModule m = c.m;
        c.reach(FaultPoint.SYS_CONFIG_GLOBAL_LOCK);
        if (!c.tryLock(m.globalLock(), SharexLock.Mode.EXCLUSIVE)) {
            throw c.fail("TDX_SYS_BUSY", "the module's global lock is held by a concurrent SEAMCALL");
        }
        if (m.sysState() != SysState.SYSINIT_DONE) {
            throw c.fail("TDX_SYS_CONFIG_NOT_PENDING", "TDH.SYS.CONFIG needs module state SYSINIT_DONE, it is "
                    + m.sysState());
        }
        if (m.numInitLps() < m.platformView().numLps()) {
            throw c.fail("TDX_SYS_CONFIG_NOT_PENDING", "TDH.SYS.LP.INIT has run on " + m.numInitLps() + " of "
                    + m.platformView().numLps() + " logical processors");
        }
        Checks.sharedHpaCheck(c, c.in.rcx(), TDMR_INFO_ALIGN, "RCX", "TDMR_INFO PA array");
        long n = c.in.rdx();
        long maxTdmrs = m.constant("MAX_TDMRS", 64);
        if (Long.compareUnsigned(n, maxTdmrs) > 0 || n < 1) {
            throw c.fail("TDX_OPERAND_INVALID", "RDX", "number of TDMRs " + Long.toUnsignedString(n)
                    + " is not in 1.." + maxTdmrs);
        }
        long hkidArg = c.in.r8();
        if (!Checks.hkidReservedClear(hkidArg) || !m.isPrivateHkid((int) hkidArg)) {
            throw c.fail("TDX_OPERAND_INVALID", "R8", "global private HKID " + Call.hex(hkidArg)
                    + " is not in the private range " + m.privateHkidMin() + ".." + m.privateHkidMax());
        }
        int hkid = (int) hkidArg;
        m.kot().set(hkid, KotState.HKID_RESERVED);
        m.setGlobalHkid(hkid);
        List<Pamt.Tdmr> tdmrs = new ArrayList<>();
        HostMemory mem = m.memory();
        for (int i = 0; i < n; i++) {
            long infoPa = mem.readLong(c.in.rcx() + 8L * i);
            Checks.sharedHpaCheck(c, infoPa, TDMR_INFO_ALIGN, "RCX", "TDMR_INFO[" + i + "]");
            tdmrs.add(checkTdmr(c, i, mem.read(infoPa, TDMR_INFO_SIZE), tdmrs));
        }
        m.pamt().configure(tdmrs);
        m.setPkgConfigBitmap(0);
        m.setSysState(SysState.SYSCONFIG_DONE);
    }

    private static long u64(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | (b[off + i] & 0xFF);
        }
        return v;
    }

    /**
     * A subset of {@code check_and_set_tdmrs} ([M1.5.01] tdh_sys_config.c): TDMR base/size 1 GiB
     * granular and addressable (TDX_INVALID_TDMR), ascending (TDX_NON_ORDERED_TDMR), non-reserved part
     * inside the CMR (TDX_TDMR_OUTSIDE_CMRS), reserved areas 4 KiB granular, ascending and inside the
     * TDMR (TDX_INVALID/NON_ORDERED_RESERVED_IN_TDMR), each PAMT level 4 KiB aligned and large enough
     * (TDX_INVALID_PAMT), inside the CMR (TDX_PAMT_OUTSIDE_CMRS) and not overlapping a TDMR's
     * non-reserved part (TDX_PAMT_OVERLAP). Detail bytes in bits 31:0 as
     * {@code api_error_with_multiple_info}: TDMR index, then level / area index.
     */
    private static Pamt.Tdmr checkTdmr(Call c, int i, byte[] info, List<Pamt.Tdmr> previous) {
        HostMemory mem = c.m.memory();
        long base = u64(info, 0);
        long size = u64(info, 8);
        if (base % GIB != 0 || size % GIB != 0 || size == 0) {
            throw c.failWithDetail("TDX_INVALID_TDMR", i, "TDMR " + i + " base " + Call.hex(base) + " / size "
                    + Call.hex(size) + " must be non-zero multiples of 1 GiB");
        }
        long end = base + size - 1;
        if (!mem.belowMaxPa(base) || !mem.belowMaxPa(end) || mem.hkidOf(base) != 0 || mem.hkidOf(end) != 0) {
            throw c.failWithDetail("TDX_INVALID_TDMR", i, "TDMR " + i + " is beyond MAX_PA or overlaps HKID bits");
        }
        if (!previous.isEmpty()) {
            Pamt.Tdmr prev = previous.get(previous.size() - 1);
            if (base < prev.base + prev.size) {
                throw c.failWithDetail("TDX_NON_ORDERED_TDMR", i, "TDMR " + i + " does not start after TDMR "
                        + (i - 1));
            }
        }
        List<long[]> reserved = new ArrayList<>();
        long prevEnd = 0;
        for (int j = 0; j < 16; j++) {
            long off = u64(info, 64 + 16 * j);
            long sz = u64(info, 72 + 16 * j);
            if (sz == 0) {
                break;
            }
            long detail = i | (long) j << 8;
            if (off % 4096 != 0 || sz % 4096 != 0 || Long.compareUnsigned(off + sz, size) > 0) {
                throw c.failWithDetail("TDX_INVALID_RESERVED_IN_TDMR", detail, "TDMR " + i + " reserved area " + j
                        + " is not 4 KiB granular or exceeds the TDMR");
            }
            if (off < prevEnd) {
                throw c.failWithDetail("TDX_NON_ORDERED_RESERVED_IN_TDMR", detail, "TDMR " + i
                        + " reserved area " + j + " overlaps or precedes the previous one");
            }
            prevEnd = off + sz;
            reserved.add(new long[] {off, sz});
        }
        Pamt.Tdmr t = new Pamt.Tdmr(base, size, reserved);
        if (base + size > mem.cmrSize() && !coveredByReserved(t, Math.max(base, mem.cmrSize()), base + size)) {
            throw c.failWithDetail("TDX_TDMR_OUTSIDE_CMRS", i, "TDMR " + i + " extends beyond the CMR end "
                    + Call.hex(mem.cmrSize()) + " outside its reserved areas");
        }
        // PAMT levels: 1G (16 B per GiB), 2M (16 B per 2 MiB), 4K (16 B per 4 KiB), rounded up to 4 KiB
        long[][] levels = {
                {u64(info, 16), u64(info, 24), size / GIB, 2},
                {u64(info, 32), u64(info, 40), size / (2L << 20), 1},
                {u64(info, 48), u64(info, 56), size / 4096, 0}};
        long entrySize = c.m.constant("PAMT_ENTRY_SIZE_IN_BYTES", 16);
        List<Pamt.Tdmr> all = new ArrayList<>(previous);
        all.add(t);
        for (long[] lv : levels) {
            long pBase = lv[0];
            long pSize = lv[1];
            long need = (lv[2] * entrySize + 4095) & ~4095L;
            long detail = i | lv[3] << 8;
            if (pBase % 4096 != 0 || pSize % 4096 != 0 || Long.compareUnsigned(pSize, need) < 0
                    || !mem.belowMaxPa(pBase + pSize - 1)) {
                throw c.failWithDetail("TDX_INVALID_PAMT", detail, "TDMR " + i + " PAMT level " + lv[3]
                        + " at " + Call.hex(pBase) + " size " + Call.hex(pSize) + " must be 4 KiB aligned and at least "
                        + Call.hex(need) + " bytes");
            }
            if (pBase + pSize > mem.cmrSize()) {
                throw c.failWithDetail("TDX_PAMT_OUTSIDE_CMRS", detail, "TDMR " + i + " PAMT level " + lv[3]
                        + " is outside the CMR");
            }
            for (int k = 0; k < all.size(); k++) {
                Pamt.Tdmr o = all.get(k);
                long lo = Math.max(pBase, o.base);
                long hi = Math.min(pBase + pSize, o.base + o.size);
                if (lo < hi && !coveredByReserved(o, lo, hi)) {
                    throw c.failWithDetail("TDX_PAMT_OVERLAP", detail | (long) k << 16, "TDMR " + i
                            + " PAMT level " + lv[3] + " overlaps TDMR " + k + " outside its reserved areas");
                }
            }
        }
        return t;
    }

    /** True if every byte of {@code [from, to)} lies in one of the TDMR's (ascending) reserved areas. */
    static boolean coveredByReserved(Pamt.Tdmr t, long from, long to) {
        long cursor = from;
        for (long[] r : t.reserved) {
            long lo = t.base + r[0];
            long hi = lo + r[1];
            if (lo <= cursor && hi > cursor) {
                cursor = hi;
            }
        }
        return cursor >= to;
    }

    // ---------------------------------------------------------------- TDH.SYS.KEY.CONFIG

    /** TDH.SYS.KEY.CONFIG on this LP's package; READY after the last package (abi §1.1, §7.1). */
    static void sysKeyConfig(Call c) {
        TdxModule m = c.m;
        c.reach(FaultPoint.SYS_KEY_CONFIG_GLOBAL_LOCK);
        if (!c.tryLock(m.globalLock(), SharexLock.Mode.EXCLUSIVE)) {
            throw c.fail("TDX_SYS_BUSY", "the module's global lock is held by a concurrent SEAMCALL");
        }
        if (m.sysState() != SysState.SYSCONFIG_DONE) {
            throw c.fail("TDX_SYS_KEY_CONFIG_NOT_PENDING", "TDH.SYS.KEY.CONFIG needs module state SYSCONFIG_DONE, it is "
                    + m.sysState());
        }
        int pkg = c.pkg();
        if ((m.pkgConfigBitmap() >>> pkg & 1) != 0) {
            throw c.fail("TDX_KEY_CONFIGURED", "package " + pkg + " already has the global private key");
        }
        // PCONFIG of the global key: busy engine or no entropy, retry allowed (abi §1.1).
        c.reach(FaultPoint.SYS_KEY_CONFIG_KET);
        c.reach(FaultPoint.SYS_KEY_CONFIG_ENTROPY);
        m.setPkgConfigBitmap(m.pkgConfigBitmap() | 1L << pkg);
        if (Long.bitCount(m.pkgConfigBitmap()) == m.platformView().numPackages()) {
            m.setSysState(SysState.SYS_READY);
        }
    }

    // ---------------------------------------------------------------- TDH.SYS.TDMR.INIT

    /**
     * TDH.SYS.TDMR.INIT: initialises the next {@value #TDMR_INIT_CHUNK}-byte part of the PAMT of the
     * TDMR at RCX; RDX = last initialised address rounded down to 1 GiB (abi §1.1).
     */
    static void tdmrInit(Call c) {
        c.rdx = 0;
        long base = c.in.rcx();
        HostMemory mem = c.m.memory();
        if (base % GIB != 0 || !mem.belowMaxPa(base) || mem.hkidOf(base) != 0) {
            throw c.fail("TDX_OPERAND_INVALID", "RCX", "TDMR base " + Call.hex(base)
                    + " must be 1 GiB aligned, below MAX_PA and without HKID bits");
        }
        Pamt.Tdmr t = c.m.pamt().tdmrAt(base).orElseThrow(() -> c.fail("TDX_OPERAND_INVALID", "RCX",
                "no configured TDMR starts at " + Call.hex(base)));
        if (!c.tryLock(t.lock, SharexLock.Mode.EXCLUSIVE)) {
            throw c.fail("TDX_OPERAND_BUSY", "RCX", "TDMR " + Call.hex(base) + " is being initialised on another LP");
        }
        if (t.fullyInitialized()) {
            throw c.fail("TDX_TDMR_ALREADY_INITIALIZED", "TDMR " + Call.hex(base) + " is fully initialised");
        }
        long last = t.lastInitialized.addAndGet(TDMR_INIT_CHUNK);
        c.rdx = last & ~(GIB - 1);
    }

    // ---------------------------------------------------------------- TDH.SYS.INFO

    /**
     * TDH.SYS.INFO: writes TDSYSINFO_STRUCT (1 KiB, abi §8 offsets) at RCX and the CMR_INFO array
     * (MAX_CMR entries of {base, size}) at R8; outputs RDX = 1024, R9 = MAX_CMR ([M1.5.01] tdh_sys_info.c).
     */
    static void sysInfo(Call c) {
        TdxModule m = c.m;
        c.rdx = 0;
        c.r9 = 0;
        if (!m.lpInitDone(c.lp)) {
            throw c.fail("TDX_SYS_LP_INIT_NOT_DONE", "TDH.SYS.LP.INIT has not run on LP " + c.lp);
        }
        Checks.sharedHpaCheck(c, c.in.rcx(), 1024, "RCX", "TDSYSINFO_STRUCT buffer");
        if (Long.compareUnsigned(c.in.rdx(), 1024) < 0) {
            throw c.fail("TDX_OPERAND_INVALID", "RDX", "buffer size " + Long.toUnsignedString(c.in.rdx())
                    + " is below sizeof(TDSYSINFO_STRUCT) = 1024");
        }
        long maxCmr = m.constant("MAX_CMR", 32);
        m.memory().write(c.in.rcx(), new byte[1024]);
        Checks.sharedHpaCheck(c, c.in.r8(), maxCmr * 16, "R8", "CMR_INFO array");
        if (Long.compareUnsigned(c.in.r9(), maxCmr) < 0) {
            throw c.fail("TDX_OPERAND_INVALID", "R9", "CMR_INFO entries " + Long.toUnsignedString(c.in.r9())
                    + " is below MAX_CMR " + maxCmr);
        }
        m.memory().write(c.in.rcx(), SysInfoStruct.build(m));
        byte[] cmr = new byte[(int) maxCmr * 16];
        long size = m.memory().cmrSize();
        for (int i = 0; i < 8; i++) {
            cmr[8 + i] = (byte) (size >>> (8 * i)); // CMR 0 = [0, cmrSize)
        }
        m.memory().write(c.in.r8(), cmr);
        c.rdx = 1024;
        c.r9 = maxCmr;
    }

    // ---------------------------------------------------------------- TDH.SYS.RD

    /**
     * TDH.SYS.RD (1.5+): RDX = field id; outputs R8 = value and RDX = next readable id (−1 after the
     * last); the null id returns TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT with RDX = first id (abi §6.2).
     */
    static void sysRd(Call c) {
        c.rdx = MetadataFieldId.NULL_ID;
        c.r8 = 0;
        TdxModule m = c.m;
        if (!m.lpInitDone(c.lp)) {
            throw c.fail("TDX_SYS_LP_INIT_NOT_DONE", "TDH.SYS.RD needs TDH.SYS.LP.INIT on LP " + c.lp);
        }
        long id = MetadataFieldId.withContext(c.in.rdx(), MetadataFieldId.CONTEXT_SYS);
        var table = m.sysMetadata().table();
        if (MetadataFieldId.isNull(id)) {
            c.rdx = table.first(false);
            throw c.fail("TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT", "null field id: RDX holds the first SYS field id");
        }
        if (!MetadataFieldId.decode(id).isValidSingleElementId()) {
            throw c.fail("TDX_METADATA_FIELD_ID_INCORRECT", "field id " + Call.hex(c.in.rdx())
                    + " has reserved, LAST_ELEMENT_IN_FIELD or LAST_FIELD_IN_SEQUENCE bits set");
        }
        MetadataResult r = table.read(id, false, m.sysMetadata());
        switch (r) {
            case MetadataResult.Value v -> {
                c.r8 = v.value();
                c.rdx = table.next(id, false);
            }
            case MetadataResult.Failure f -> throw c.fail(f.error().statusName(), f.why());
        }
    }

    // ---------------------------------------------------------------- TDH.SYS.RDALL

    /**
     * Size of the metadata list buffer TDH.SYS.RDALL fills: one 4 KiB page ({@code _4KB} passed to
     * {@code md_dump_list} in [M1.5.01] {@code src/vmm_dispatcher/api_calls/tdh_sys_rdall.c} at commit
     * 72d8cffb; the same in [M2.0] at commit 1666adc4), not in the digest.
     */
    static final int RDALL_LIST_SIZE = 4096;

    /**
     * TDH.SYS.RDALL (1.5+, leaf 37): RDX = PA of a 4 KiB list buffer, R8 = first field id (null id = from
     * the first readable SYS field); output R8 = next field id. Order and statuses of [M1.5.01]
     * {@code tdh_sys_rdall.c} (72d8cffb; identical in [M2.0] 1666adc4), not in the digest beyond the
     * registers (abi §1.1): default R8 = −1; TDH.SYS.LP.INIT not done on this LP →
     * TDX_SYS_LP_INIT_NOT_DONE; {@code shared_hpa_check_with_pwr_2_alignment(RDX, 4 KiB)} →
     * TDX_OPERAND_INVALID|RDX; then CONTEXT_CODE is forced to SYS and {@code md_dump_list} (host read,
     * production qualifier) fills the page ({@link MetadataTable#dumpList} has the list format) and its
     * status is returned: TDX_SUCCESS with R8 = −1 when every remaining field is in the list,
     * TDX_METADATA_LIST_OVERFLOW with R8 = the first field not dumped (pass it as R8 of the next call),
     * TDX_METADATA_FIELD_ID_INCORRECT with R8 = −1 for an id that is not a SYS field start with the
     * table's element size. Unlike TDH.SYS.RD, the null id does not return FIRST_FIELD_ID_IN_CONTEXT.
     */
    static void sysRdall(Call c) {
        c.r8 = MetadataFieldId.NULL_ID;
        TdxModule m = c.m;
        if (!m.lpInitDone(c.lp)) {
            throw c.fail("TDX_SYS_LP_INIT_NOT_DONE", "TDH.SYS.RDALL needs TDH.SYS.LP.INIT on LP " + c.lp);
        }
        long pa = c.in.rdx();
        Checks.sharedHpaCheck(c, pa, RDALL_LIST_SIZE, "RDX", "metadata list buffer");
        byte[] page = m.memory().read(pa, RDALL_LIST_SIZE);
        var r = m.sysMetadata().table().dumpList(c.in.r8(), page, false, m.sysMetadata());
        m.memory().write(pa, page);
        c.r8 = r.nextId();
        if (r.status() != org.tdxsim.module.metadata.MetadataTable.DumpStatus.SUCCESS) {
            throw c.fail(r.status().statusName(), r.why());
        }
    }
}
