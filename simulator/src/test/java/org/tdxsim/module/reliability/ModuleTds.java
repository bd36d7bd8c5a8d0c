package org.tdxsim.module.reliability;

import java.util.ArrayList;
import java.util.List;
import org.tdxsim.module.SeamcallResult;
import org.tdxsim.module.TdxModule;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.profile.ModuleProfiles;
import org.tdxsim.module.tdparams.TdParams;

/**
 * Builds and tears down TDs through the module's public SEAMCALL wrappers only, the way a host
 * kernel does (abi §7.2 lifecycle order), remembering every page it gave the module so a test can
 * check that all of them come back.
 */
final class ModuleTds {

    private ModuleTds() {
    }

    /** A module of {@code version} on the default platform, brought up to SYS_READY. */
    static TdxModule ready(String version) {
        TdxModule m = TdxModule.create(ModuleProfiles.builtIn(version), PlatformProfiles.defaultPlatform());
        SeamcallResult r = m.bringUp();
        if (!r.isSuccess()) {
            throw new AssertionError("bring-up failed: " + r);
        }
        return m;
    }

    /** MIN_NUM_TDCS_PAGES of the module's profile (abi §7.3 TD-page counts). */
    static int minTdcs(TdxModule m) {
        return (int) m.profile().constant("MIN_NUM_TDCS_PAGES").orElseThrow();
    }

    static int maxTdcs(TdxModule m) {
        return (int) m.profile().constant("MAX_NUM_TDCS_PAGES").orElseThrow();
    }

    /** MIN_TDVPS_PAGES: TDVPR + (MIN − 1) TDH.VP.ADDCX pages before TDH.VP.INIT (abi §7.3). */
    static int minTdvps(TdxModule m) {
        return (int) m.profile().constant("MIN_TDVPS_PAGES").orElseThrow();
    }

    static int maxTdvps(TdxModule m) {
        return (int) m.profile().constant("MAX_TDVPS_PAGES").orElseThrow();
    }

    /** A valid TD_PARAMS (the codec's defaults: 4-level EPT, XFAM x87|SSE) written to a fresh host page. */
    static long tdParams(TdxModule m, boolean debug, int maxVcpus) {
        long pa = m.memory().allocatePage();
        m.memory().write(pa, TdParams.builder(m.profile()).attributes(debug ? 1 : 0).maxVcpus(maxVcpus).build().encode());
        return pa;
    }

    static SeamcallResult ok(SeamcallResult r, String what) {
        if (!r.isSuccess()) {
            throw new AssertionError(what + ": " + r + " — " + r.explanation());
        }
        return r;
    }

    /** One TD and every page it owns. */
    static final class Td {
        final TdxModule m;
        final long tdr;
        final int hkid;
        final List<Long> tdcs = new ArrayList<>();
        final List<Long> tdvprs = new ArrayList<>();
        final List<Long> vcpuPages = new ArrayList<>();
        final List<Long> septPages = new ArrayList<>();
        final List<Long> privatePages = new ArrayList<>();
        /** LP each vCPU was initialised on (index-aligned with {@link #tdvprs}); −1 = not initialised. */
        final List<Integer> vcpuLp = new ArrayList<>();

        Td(TdxModule m, long tdr, int hkid) {
            this.m = m;
            this.tdr = tdr;
            this.hkid = hkid;
        }

        List<Long> allPages() {
            List<Long> all = new ArrayList<>(tdcs);
            all.addAll(tdvprs);
            all.addAll(vcpuPages);
            all.addAll(septPages);
            all.addAll(privatePages);
            all.add(tdr);
            return all;
        }
    }

    /** CREATE, KEY.CONFIG on every package, MIN_NUM_TDCS_PAGES × ADDCX, TDH.MNG.INIT. */
    static Td initialized(TdxModule m, int hkid, boolean debug, int maxVcpus) {
        Td td = keyed(m, hkid);
        long params = tdParams(m, debug, maxVcpus);
        try {
            ok(m.tdhMngInit(td.tdr, params), "TDH.MNG.INIT");
        } finally {
            m.memory().freePage(params);
        }
        return td;
    }

    static Td keyed(TdxModule m, int hkid) {
        long tdr = m.memory().allocatePage();
        ok(m.tdhMngCreate(tdr, hkid), "TDH.MNG.CREATE");
        Td td = new Td(m, tdr, hkid);
        for (int pkg = 0; pkg < m.numPackages(); pkg++) {
            ok(m.tdhMngKeyConfig(tdr, pkg), "TDH.MNG.KEY.CONFIG");
        }
        for (int i = 0; i < minTdcs(m); i++) {
            long p = m.memory().allocatePage();
            ok(m.tdhMngAddcx(p, tdr), "TDH.MNG.ADDCX");
            td.tdcs.add(p);
        }
        return td;
    }

    /** TDH.VP.CREATE, (MIN_TDVPS_PAGES − 1) × TDH.VP.ADDCX, TDH.VP.INIT on LP 0. */
    static long vcpu(Td td) {
        TdxModule m = td.m;
        long tdvpr = m.memory().allocatePage();
        ok(m.tdhVpCreate(tdvpr, td.tdr), "TDH.VP.CREATE");
        td.tdvprs.add(tdvpr);
        td.vcpuLp.add(-1);
        for (int i = 1; i < minTdvps(m); i++) {
            long p = m.memory().allocatePage();
            ok(m.tdhVpAddcx(p, tdvpr), "TDH.VP.ADDCX");
            td.vcpuPages.add(p);
        }
        ok(m.tdhVpInit(tdvpr, 0), "TDH.VP.INIT");
        td.vcpuLp.set(td.vcpuLp.size() - 1, 0);
        return tdvpr;
    }

    /** TDH.MEM.SEPT.ADD from the root (level 3, 4-level EPT) down to level 1 for {@code gpa}. */
    static void sept(Td td, long gpa) {
        for (int level = 3; level >= 1; level--) {
            long page = td.m.memory().allocatePage();
            long aligned = gpa & -(1L << (12 + 9 * level));
            ok(td.m.tdhMemSeptAdd(aligned | level, td.tdr, page), "TDH.MEM.SEPT.ADD level " + level);
            td.septPages.add(page);
        }
    }

    /** TDH.MEM.PAGE.ADD of {@code content} at {@code gpa} (S-EPT must exist). */
    static long pageAdd(Td td, long gpa, byte[] content) {
        TdxModule m = td.m;
        long src = m.memory().allocatePage();
        long target = m.memory().allocatePage();
        try {
            m.memory().write(src, content);
            ok(m.tdhMemPageAdd(gpa, td.tdr, target, src), "TDH.MEM.PAGE.ADD");
        } finally {
            m.memory().freePage(src);
        }
        td.privatePages.add(target);
        return target;
    }

    /**
     * The host's teardown (abi §7.2; Linux {@code tdx_mmu_release_hkid} then page reclaim): TDH.VP.FLUSH
     * of each initialised vCPU on its LP, TDH.MNG.VPFLUSHDONE, TDH.PHYMEM.CACHE.WB on every package,
     * TDH.MNG.KEY.FREEID, TDH.PHYMEM.PAGE.RECLAIM of every child page and then of the TDR, each page
     * handed back to the host allocator.
     */
    static void teardown(Td td) {
        TdxModule m = td.m;
        for (int i = 0; i < td.tdvprs.size(); i++) {
            if (td.vcpuLp.get(i) >= 0) {
                ok(m.tdhVpFlush(td.vcpuLp.get(i), td.tdvprs.get(i)), "TDH.VP.FLUSH");
            }
        }
        ok(m.tdhMngVpflushdone(td.tdr), "TDH.MNG.VPFLUSHDONE");
        for (int pkg = 0; pkg < m.numPackages(); pkg++) {
            ok(m.tdhPhymemCacheWb(pkg), "TDH.PHYMEM.CACHE.WB");
        }
        ok(m.tdhMngKeyFreeid(td.tdr), "TDH.MNG.KEY.FREEID");
        List<Long> children = td.allPages();
        children.remove(Long.valueOf(td.tdr));
        for (long p : children) {
            ok(m.tdhPhymemPageReclaim(p), "TDH.PHYMEM.PAGE.RECLAIM child");
            m.memory().freePage(p);
        }
        ok(m.tdhPhymemPageReclaim(td.tdr), "TDH.PHYMEM.PAGE.RECLAIM TDR");
        m.memory().freePage(td.tdr);
    }
}
