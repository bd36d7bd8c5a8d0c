package org.tdxsim.module;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;
import org.tdxsim.module.cpuid.CpuidRegs;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.platform.SysInitFacts;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.status.Explanation;
import org.tdxsim.module.status.TdxStatus;
import org.tdxsim.module.tdparams.PlatformRuntime;

/**
 * The stateful TDX-module model: one instance is one module loaded on one platform. Every SEAMCALL
 * goes through {@link #seamcall(int, Registers)}, which decodes RAX like the module's dispatcher
 * ([M1.5.01]/[M2.0] {@code tdx_vmm_dispatcher.c}) and runs the leaf's handler; the typed wrappers
 * ({@link #tdhMngInit} ...) only build registers and call it.
 *
 * <p>Thread-safe: concurrent SEAMCALLs on different logical processors take the module's try-locks
 * (PAMT entries, KOT, OP_STATE, S-EPT tree, the global lock) and get {@code TDX_OPERAND_BUSY | operand}
 * or {@code TDX_SYS_BUSY} on contention, never blocking on one another.
 */
public final class TdxModule {

    /** SYSINIT_PENDING → READY bring-up memory layout (see {@link HostMemory}). */
    static final long CMR_SIZE = 2 * HostMemory.GIB;
    static final long TDMR_BASE = HostMemory.GIB;
    static final long TDMR_SIZE = HostMemory.GIB;
    static final long TDMR_INFO_PA = 0x10_0000L;
    static final long TDMR_INFO_ARRAY_PA = 0x10_1000L;
    static final long PAMT_BASE = 0x400_0000L;

    /**
     * Leaves that accept RAX version > 0 in 1.5.01: TDH.MEM.PAGE.PROMOTE (23), TDH.MEM.SEPT.ADD (3),
     * TDH.MEM.SEPT.REMOVE (30), TDH.MNG.RD (11), TDH.VP.RD (26) (abi §1, [M1.5.01] dispatcher).
     */
    private static final ImmutableSet<Integer> VERSIONED_15 = ImmutableSet.of(23, 3, 30, 11, 26);
    /**
     * 1.5.06: the 1.5.01 list plus TDH.VP.INIT (22): the {@code leaf_opcode.version > 0} switch of
     * {@code src/vmm_dispatcher/tdx_vmm_dispatcher.c} in [M1.5.06] at commit 1e636985, not in the
     * digest. (It also follows from 1.5.06 reporting TDX_FEATURES0.TOPOLOGY_ENUM, abi §6.4: Linux
     * enables TDX only on such modules and always issues TDH.VP.INIT version 1, [LNX] {@code tdh_vp_init}.)
     */
    private static final ImmutableSet<Integer> VERSIONED_1506 = ImmutableSet.of(23, 3, 30, 11, 26, 22);
    /**
     * 2.0.08: the 1.5.06 list plus TDH.SYS.INIT (33) and TDH.MEM.SHARED.SEPT.WR (163): the same switch
     * in {@code src/vmm_dispatcher/tdx_vmm_dispatcher.c} of [M2.0] at commit 1666adc4 (leaf numbers from
     * {@code include/tdx_api_defs.h}, same commit), not in the digest.
     */
    private static final ImmutableSet<Integer> VERSIONED_20 = ImmutableSet.of(23, 3, 30, 11, 26, 22, 33, 163);

    /** Leaves the dispatcher lets through before SYS_READY (abi §6.2; 1.0 lacks SYS.RD/RDALL/UPDATE). */
    private static final ImmutableSet<Integer> BEFORE_READY_15 = ImmutableSet.of(32, 34, 37, 33, 35, 45, 31, 44, 53);
    private static final ImmutableSet<Integer> BEFORE_READY_10 = ImmutableSet.of(32, 33, 35, 45, 31, 44);

    private final ModuleProfile profile;
    private final PlatformProfile platform;
    private final PlatformView pv;
    private final HostMemory memory;
    private final Pamt pamt = new Pamt();
    private final Kot kot;
    private final SharexLock globalLock = new SharexLock();
    private final SharexLock[] wbtLocks;
    private final ConcurrentHashMap<Long, Td> tds = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Vcpu> vcpus = new ConcurrentHashMap<>();
    private final AtomicLongArray lpInit;
    private final ImmutableMap<Integer, Consumer<Call>> handlers;
    private final SysMetadata sysMetadata;
    private final TdMetadata tdMetadata;
    private volatile TdParamsGate tdParamsGate;
    private final FaultInjector faults = new FaultInjector(this);

    private volatile SysState sysState = SysState.SYSINIT_PENDING;
    private volatile long pkgConfigBitmap;
    private volatile int globalHkid = -1;
    private volatile boolean limitCpuidMaxval;
    private volatile boolean tscAdjustChanged;
    private final SysInitFacts facts;
    /** TDX_SUCCESS named by this profile: one immutable value for every successful SEAMCALL. */
    private final TdxStatus success;
    /** Per-leaf success explanations ("TDH.MNG.INIT: TDX_SUCCESS"), built on first use; immutable values. */
    private final Explanation[] successExplanations = new Explanation[256];
    /** Handler of each leaf number below 256 that this version has and tdxsim models (null: none). */
    private final Consumer<Call>[] handlerByLeaf;
    /** TDCS page-count constants, read once from the immutable profile (checked on every TD SEAMCALL). */
    private final int minTdcsPages;
    private final int maxTdcsPages;

    private TdxModule(ModuleProfile profile, PlatformProfile platform) {
        this.profile = profile;
        this.platform = platform;
        this.pv = PlatformViews.of(platform);
        this.facts = new SysInitFacts(profile, platform);
        this.success = TdxStatus.of(0, profile);
        this.maxTdcsPages = (int) constant("MAX_NUM_TDCS_PAGES", 4);
        this.minTdcsPages = (int) profile.constant("MIN_NUM_TDCS_PAGES").orElse(maxTdcsPages);
        int keyBits = pv.keyIdBits();
        int maxPa = pv.maxPa();
        this.memory = new HostMemory(CMR_SIZE, TDMR_BASE, TDMR_SIZE, maxPa, Math.max(0, maxPa - keyBits));
        this.kot = new Kot(Math.max(maxHkids(), pv.numMktmeKids() + pv.numTdxPrivKids() + 1));
        this.wbtLocks = new SharexLock[pv.numPackages()];
        for (int i = 0; i < wbtLocks.length; i++) {
            wbtLocks[i] = new SharexLock();
        }
        this.lpInit = new AtomicLongArray(pv.numLps());
        this.memory.guardTdPrivatePages(pa -> {
            PageType t = pamt.peekType(pa);
            return t != PageType.PT_NDA && t != PageType.PT_RSVD;
        });
        this.limitCpuidMaxval = pv.limitCpuidMaxval();
        this.sysMetadata = new SysMetadata(this);
        this.tdMetadata = new TdMetadata(this);
        this.tdParamsGate = TdParamsAdapter.create(this);
        this.handlers = ImmutableMap.<Integer, Consumer<Call>>builder()
                .put(Leaf.TDH_SYS_INIT.number(), SysLeaves::sysInit)
                .put(Leaf.TDH_SYS_LP_INIT.number(), SysLeaves::lpInit)
                .put(Leaf.TDH_SYS_CONFIG.number(), SysLeaves::sysConfig)
                .put(Leaf.TDH_SYS_KEY_CONFIG.number(), SysLeaves::sysKeyConfig)
                .put(Leaf.TDH_SYS_TDMR_INIT.number(), SysLeaves::tdmrInit)
                .put(Leaf.TDH_SYS_INFO.number(), SysLeaves::sysInfo)
                .put(Leaf.TDH_SYS_RD.number(), SysLeaves::sysRd)
                .put(Leaf.TDH_SYS_RDALL.number(), SysLeaves::sysRdall)
                .put(Leaf.TDH_SYS_LP_SHUTDOWN.number(), TdxModule::lpShutdown)
                .put(Leaf.TDH_MNG_CREATE.number(), TdLeaves::create)
                .put(Leaf.TDH_MNG_KEY_CONFIG.number(), TdLeaves::keyConfig)
                .put(Leaf.TDH_MNG_ADDCX.number(), TdLeaves::addcx)
                .put(Leaf.TDH_MNG_INIT.number(), TdLeaves::init)
                .put(Leaf.TDH_MNG_RD.number(), TdLeaves::rd)
                .put(Leaf.TDH_MNG_WR.number(), TdLeaves::wr)
                .put(Leaf.TDH_MNG_VPFLUSHDONE.number(), TdLeaves::vpFlushDone)
                .put(Leaf.TDH_MNG_KEY_FREEID.number(), TdLeaves::keyFreeId)
                .put(Leaf.TDH_MNG_KEY_RECLAIMID.number(), TdLeaves::keyReclaimId)
                .put(Leaf.TDH_VP_CREATE.number(), VcpuLeaves::create)
                .put(Leaf.TDH_VP_ADDCX.number(), VcpuLeaves::addcx)
                .put(Leaf.TDH_VP_INIT.number(), VcpuLeaves::init)
                .put(Leaf.TDH_VP_RD.number(), VcpuLeaves::rd)
                .put(Leaf.TDH_VP_FLUSH.number(), VcpuLeaves::flush)
                .put(Leaf.TDH_MEM_SEPT_ADD.number(), MemLeaves::septAdd)
                .put(Leaf.TDH_MEM_PAGE_ADD.number(), MemLeaves::pageAdd)
                .put(Leaf.TDH_MR_EXTEND.number(), MemLeaves::mrExtend)
                .put(Leaf.TDH_MR_FINALIZE.number(), MemLeaves::mrFinalize)
                .put(Leaf.TDH_PHYMEM_PAGE_RECLAIM.number(), PhymemLeaves::pageReclaim)
                .put(Leaf.TDH_PHYMEM_CACHE_WB.number(), PhymemLeaves::cacheWb)
                .buildOrThrow();
        @SuppressWarnings({"unchecked", "rawtypes"}) // generic array of handlers
        Consumer<Call>[] byLeaf = new Consumer[256];
        for (int leaf = 0; leaf < byLeaf.length; leaf++) {
            byLeaf[leaf] = profile.leafName(leaf).isPresent() ? handlers.get(leaf) : null;
        }
        this.handlerByLeaf = byLeaf;
    }

    /** A module in SYSINIT_PENDING on {@code platform}. */
    public static TdxModule create(ModuleProfile module, PlatformProfile platform) {
        return new TdxModule(module, platform);
    }

    public ModuleProfile profile() {
        return profile;
    }

    public PlatformProfile platform() {
        return platform;
    }

    /** Host physical memory (CMR, TDMR, page allocator). */
    public HostMemory memory() {
        return memory;
    }

    public int privateHkidMin() {
        return pv.numMktmeKids() + 1;
    }

    public int privateHkidMax() {
        return pv.numMktmeKids() + pv.numTdxPrivKids();
    }

    /**
     * The module's failure injector: arms statuses the real module returns under contention or
     * entropy exhaustion (see {@link FaultPoint}) so a host's failure paths can be exercised.
     */
    public FaultInjector faults() {
        return faults;
    }

    public SysState sysState() {
        return sysState;
    }

    /** The global private HKID TDH.SYS.CONFIG reserved, or −1 before. */
    public int globalPrivateHkid() {
        return globalHkid;
    }

    /** Number of logical processors SEAMCALLs can be issued on ({@code 0 .. numLps-1}). */
    public int numLps() {
        return pv.numLps();
    }

    public int numPackages() {
        return pv.numPackages();
    }

    /** The first logical processor of {@code pkg} (where the per-package wrappers run). */
    public int firstLpOfPackage(int pkg) {
        for (int lp = 0; lp < pv.numLps(); lp++) {
            if (pv.packageOf(lp) == pkg) {
                return lp;
            }
        }
        return 0;
    }

    /** KOT state of an HKID (abi §7.4). */
    public KotState kotState(int hkid) {
        return hkid >= 0 && hkid < kot.size() ? kot.state(hkid) : KotState.HKID_FREE;
    }

    /** Number of private HKIDs currently not FREE (assigned, flushed or reserved). */
    public int hkidsInUse() {
        int free = kot.count(KotState.HKID_FREE, privateHkidMin(), privateHkidMax());
        return privateHkidMax() - privateHkidMin() + 1 - free;
    }

    /** PAMT page type of a 4 KiB page (PT_NDA outside TDMRs or before TDMR.INIT). */
    public PageType pageType(long hpa) {
        long pa = memory.stripHkid(hpa);
        return pamt.coveringInitialized(pa).map(t -> pamt.entry(pa, t).type).orElse(PageType.PT_NDA);
    }

    /** Count of PAMT pages by type other than PT_NDA/PT_RSVD. */
    public Map<PageType, Long> assignedPages() {
        return pamt.assignedPageCounts();
    }

    /** Number of TDs whose TDR has not been reclaimed. */
    public int liveTds() {
        return tds.size();
    }

    /** TDR.LIFECYCLE_STATE of the TD at {@code tdr}, if one exists. */
    public Optional<TdLifecycle> lifecycle(long tdr) {
        return Optional.ofNullable(tds.get(memory.stripHkid(tdr))).map(t -> t.lifecycle);
    }

    /** TDCS.OP_STATE of the TD at {@code tdr} (1.0: UNINITIALIZED/INITIALIZED/RUNNABLE from its flags). */
    public Optional<OpState> opState(long tdr) {
        return Optional.ofNullable(tds.get(memory.stripHkid(tdr))).map(t -> is10()
                ? (t.finalized10 ? OpState.RUNNABLE : t.init10 ? OpState.INITIALIZED : OpState.UNINITIALIZED)
                : t.opState);
    }

    /** MRTD of the TD at {@code tdr} (48 bytes, zero before TDH.MR.FINALIZE). */
    public Optional<byte[]> mrtd(long tdr) {
        return Optional.ofNullable(tds.get(memory.stripHkid(tdr)))
                .map(t -> t.measurement == null ? new byte[48] : t.measurement.mrtd());
    }

    // ================================================================ dispatcher

    /**
     * One SEAMCALL on logical processor {@code lp}, register in, register out. RAX = leaf | version &lt;&lt; 16
     * (bits 63:24 must be 0 → TDX_OPERAND_INVALID|RAX; 1.0 has no version field, so any RAX that is
     * not exactly a leaf number is an unknown leaf). Order as the dispatcher: RAX reserved bits,
     * version allowed for the leaf, SYS_SHUTDOWN, SYS_NOT_READY (only the platform leaves run before
     * READY), then the leaf; an unknown, absent or unmodelled leaf → TDX_OPERAND_INVALID|RAX.
     *
     * @throws IllegalArgumentException if {@code lp} is not a logical processor of the platform
     */
    public SeamcallResult seamcall(int lp, Registers in) {
        if (lp < 0 || lp >= pv.numLps()) {
            throw new IllegalArgumentException("no logical processor " + lp + " (platform has " + pv.numLps() + ")");
        }
        long rax = in.rax();
        int leaf;
        int version;
        boolean knownShape;
        if (is10()) {
            knownShape = Long.compareUnsigned(rax, 0xFFFF) <= 0;
            leaf = (int) (rax & 0xFFFF);
            version = 0;
        } else {
            knownShape = (rax >>> 24) == 0;
            leaf = (int) (rax & 0xFFFF);
            version = (int) (rax >>> 16 & 0xFF);
        }
        Call c = new Call(this, lp, in, leaf, version);
        try {
            if (!knownShape && !is10()) {
                throw c.fail("TDX_OPERAND_INVALID", "RAX", "RAX " + Call.hex(rax) + " has bits 63:24 set");
            }
            if (version > 0 && !versionedLeaves().contains(leaf)) {
                throw c.fail("TDX_OPERAND_INVALID", "RAX", leafName(leaf) + " has no version " + version);
            }
            if (sysState == SysState.SYS_SHUTDOWN && leaf != Leaf.TDH_SYS_LP_SHUTDOWN.number()) {
                throw c.fail("TDX_SYS_SHUTDOWN", "the module is shut down");
            }
            if (sysState != SysState.SYS_READY && !(knownShape && (is10() ? BEFORE_READY_10 : BEFORE_READY_15).contains(leaf))) {
                throw c.fail("TDX_SYS_NOT_READY", "the module is " + sysState + "; " + (knownShape ? leafName(leaf)
                        : "this leaf") + " needs SYS_READY (bring-up: SYS.INIT, LP.INIT, CONFIG, KEY.CONFIG)");
            }
            Consumer<Call> h = !knownShape ? null : leaf < handlerByLeaf.length ? handlerByLeaf[leaf]
                    : profile.leafName(leaf).isPresent() ? handlers.get(leaf) : null;
            if (h == null) {
                throw c.fail("TDX_OPERAND_INVALID", "RAX", knownShape && profile.leafName(leaf).isPresent()
                        ? leafName(leaf) + " is not modelled by tdxsim"
                        : "module " + profile.version().label() + " has no SEAMCALL leaf " + Call.hex(rax));
            }
            h.accept(c);
            c.releaseAll();
            return new SeamcallResult(success, c.out(0), successExplanation(leaf));
        } catch (Fail f) {
            c.releaseAll();
            TdxStatus st = TdxStatus.of(f.status, profile);
            Explanation ex = f.explanation != null ? f.explanation
                    : Explanation.of(leafName(leaf) + ": " + f.why, st.describe(profile));
            return new SeamcallResult(st, c.out(f.status), ex);
        } finally {
            c.releaseAll();
        }
    }

    /** {@code "<leaf name>: TDX_SUCCESS"}, the note every successful SEAMCALL carries (cached per leaf). */
    private Explanation successExplanation(int leaf) {
        if (leaf < 0 || leaf >= successExplanations.length) {
            return Explanation.of(leafName(leaf) + ": TDX_SUCCESS");
        }
        Explanation e = successExplanations[leaf];
        if (e == null) {
            e = Explanation.of(leafName(leaf) + ": TDX_SUCCESS");
            successExplanations[leaf] = e; // a benign race: every thread builds an equal immutable value
        }
        return e;
    }

    String leafName(int leaf) {
        return profile.leafName(leaf).orElse("leaf " + leaf);
    }

    private static void lpShutdown(Call c) {
        c.m.sysState = SysState.SYS_SHUTDOWN;
        c.m.lpInit.set(c.lp, 0);
    }

    // ================================================================ typed wrappers (LP 0 unless per package)

    private SeamcallResult call(int lp, Leaf leaf, int version, long rcx, long rdx, long r8, long r9) {
        return seamcall(lp, new Registers(Registers.raxFor(leaf.number(), version), rcx, rdx, r8, r9, 0, 0));
    }

    private SeamcallResult call(Leaf leaf, long rcx, long rdx, long r8, long r9) {
        return call(0, leaf, 0, rcx, rdx, r8, r9);
    }

    /** TDH.SYS.INIT with RCX (sys attributes) = 0. */
    public SeamcallResult tdhSysInit() {
        return call(Leaf.TDH_SYS_INIT, 0, 0, 0, 0);
    }

    public SeamcallResult tdhSysLpInit(int lp) {
        return call(lp, Leaf.TDH_SYS_LP_INIT, 0, 0, 0, 0, 0);
    }

    /** TDH.SYS.CONFIG: RCX = PA of the TDMR_INFO PA array, RDX = count, R8 = global private HKID. */
    public SeamcallResult tdhSysConfig(long tdmrInfoArrayPa, int numTdmrs, int globalPrivateHkid) {
        return call(Leaf.TDH_SYS_CONFIG, tdmrInfoArrayPa, numTdmrs, globalPrivateHkid, 0);
    }

    /** TDH.SYS.KEY.CONFIG on the first LP of package {@code pkg}. */
    public SeamcallResult tdhSysKeyConfig(int pkg) {
        return call(firstLpOfPackage(pkg), Leaf.TDH_SYS_KEY_CONFIG, 0, 0, 0, 0, 0);
    }

    public SeamcallResult tdhSysTdmrInit(long base) {
        return call(Leaf.TDH_SYS_TDMR_INIT, base, 0, 0, 0);
    }

    /** TDH.SYS.INFO: TDSYSINFO_STRUCT at {@code sysInfoPa} (1024 B), CMR_INFO array at {@code cmrInfoPa}. */
    public SeamcallResult tdhSysInfo(long sysInfoPa, long sysInfoSize, long cmrInfoPa, long numCmrEntries) {
        return call(Leaf.TDH_SYS_INFO, sysInfoPa, sysInfoSize, cmrInfoPa, numCmrEntries);
    }

    /** TDH.SYS.RD: RDX = field id; result RDX = next id, R8 = value. */
    public SeamcallResult tdhSysRd(long fieldId) {
        return call(Leaf.TDH_SYS_RD, 0, fieldId, 0, 0);
    }

    /**
     * TDH.SYS.RDALL (1.5+): RDX = PA of a 4 KiB metadata list buffer, R8 = first field id (−1 = first
     * SYS field); result R8 = next field id (−1 when the list holds every remaining field). 1.0 has no
     * such leaf (abi §1): TDX_SYS_NOT_READY before READY, TDX_OPERAND_INVALID|RAX after.
     */
    public SeamcallResult tdhSysRdall(long listBufferPa, long fieldId) {
        return call(Leaf.TDH_SYS_RDALL, 0, listBufferPa, fieldId, 0);
    }

    public SeamcallResult tdhMngCreate(long tdr, long hkid) {
        return call(Leaf.TDH_MNG_CREATE, tdr, hkid, 0, 0);
    }

    /** TDH.MNG.KEY.CONFIG on the first LP of package {@code pkg}. */
    public SeamcallResult tdhMngKeyConfig(long tdr, int pkg) {
        return call(firstLpOfPackage(pkg), Leaf.TDH_MNG_KEY_CONFIG, 0, tdr, 0, 0, 0);
    }

    public SeamcallResult tdhMngAddcx(long page, long tdr) {
        return call(Leaf.TDH_MNG_ADDCX, page, tdr, 0, 0);
    }

    public SeamcallResult tdhMngInit(long tdr, long tdParamsPa) {
        return call(Leaf.TDH_MNG_INIT, tdr, tdParamsPa, 0, 0);
    }

    /**
     * TDH.MNG.INIT with 2.0's event-filter operands: RCX = TDR | event-filtering flag (bit 0), R8 =
     * event-filter info (abi §1.1; layout in {@link org.tdxsim.module.tdparams.EventFilterInput}).
     * Before 2.0, RCX bit 0 is part of the TDR address and R8 is ignored.
     */
    public SeamcallResult tdhMngInit(long tdrAndFlags, long tdParamsPa, long eventFilterInfo) {
        return call(Leaf.TDH_MNG_INIT, tdrAndFlags, tdParamsPa, eventFilterInfo, 0);
    }

    public SeamcallResult tdhMngRd(long tdr, long fieldId, int version) {
        return call(0, Leaf.TDH_MNG_RD, version, tdr, fieldId, 0, 0);
    }

    public SeamcallResult tdhMngWr(long tdr, long fieldId, long data, long mask) {
        return call(Leaf.TDH_MNG_WR, tdr, fieldId, data, mask);
    }

    public SeamcallResult tdhVpCreate(long tdvpr, long tdr) {
        return call(Leaf.TDH_VP_CREATE, tdvpr, tdr, 0, 0);
    }

    public SeamcallResult tdhVpAddcx(long page, long tdvpr) {
        return call(Leaf.TDH_VP_ADDCX, page, tdvpr, 0, 0);
    }

    public SeamcallResult tdhVpInit(long tdvpr, long initialRcx) {
        return call(Leaf.TDH_VP_INIT, tdvpr, initialRcx, 0, 0);
    }

    public SeamcallResult tdhVpRd(long tdvpr, long fieldId, int version) {
        return call(0, Leaf.TDH_VP_RD, version, tdvpr, fieldId, 0, 0);
    }

    /** TDH.VP.FLUSH on LP 0 (where the typed wrappers initialise vCPUs). */
    public SeamcallResult tdhVpFlush(long tdvpr) {
        return tdhVpFlush(0, tdvpr);
    }

    public SeamcallResult tdhVpFlush(int lp, long tdvpr) {
        return call(lp, Leaf.TDH_VP_FLUSH, 0, tdvpr, 0, 0, 0);
    }

    public SeamcallResult tdhMemSeptAdd(long gpaAndLevel, long tdrAndFlags, long page) {
        return call(Leaf.TDH_MEM_SEPT_ADD, gpaAndLevel, tdrAndFlags, page, 0);
    }

    public SeamcallResult tdhMemPageAdd(long gpaAndLevel, long tdr, long target, long source) {
        return call(Leaf.TDH_MEM_PAGE_ADD, gpaAndLevel, tdr, target, source);
    }

    public SeamcallResult tdhMrExtend(long gpa, long tdr) {
        return call(Leaf.TDH_MR_EXTEND, gpa, tdr, 0, 0);
    }

    public SeamcallResult tdhMrFinalize(long tdr) {
        return call(Leaf.TDH_MR_FINALIZE, tdr, 0, 0, 0);
    }

    public SeamcallResult tdhMngVpflushdone(long tdr) {
        return call(Leaf.TDH_MNG_VPFLUSHDONE, tdr, 0, 0, 0);
    }

    /** TDH.PHYMEM.CACHE.WB (start command) on the first LP of package {@code pkg}. */
    public SeamcallResult tdhPhymemCacheWb(int pkg) {
        return call(firstLpOfPackage(pkg), Leaf.TDH_PHYMEM_CACHE_WB, 0, PhymemLeaves.CACHEWB_START, 0, 0, 0);
    }

    public SeamcallResult tdhMngKeyFreeid(long tdr) {
        return call(Leaf.TDH_MNG_KEY_FREEID, tdr, 0, 0, 0);
    }

    public SeamcallResult tdhMngKeyReclaimid(long tdr) {
        return call(Leaf.TDH_MNG_KEY_RECLAIMID, tdr, 0, 0, 0);
    }

    public SeamcallResult tdhPhymemPageReclaim(long page) {
        return call(Leaf.TDH_PHYMEM_PAGE_RECLAIM, page, 0, 0, 0);
    }

    // ================================================================ bring-up

    /**
     * Runs the host's bring-up sequence as Linux does it: TDH.SYS.INIT, TDH.SYS.LP.INIT on every LP,
     * TDH.SYS.CONFIG with one TDMR ({@link HostMemory#tdmrBase()}, PAMT in the low host region, global
     * private HKID = the first private HKID), TDH.SYS.KEY.CONFIG on one LP per package, and
     * TDH.SYS.TDMR.INIT until the TDMR is initialised. Returns the first failure, else the last success.
     */
    public SeamcallResult bringUp() {
        SeamcallResult r = tdhSysInit();
        if (!r.isSuccess()) {
            return r;
        }
        for (int lp = 0; lp < pv.numLps(); lp++) {
            r = tdhSysLpInit(lp);
            if (!r.isSuccess()) {
                return r;
            }
        }
        writeTdmrInfo();
        r = tdhSysConfig(TDMR_INFO_ARRAY_PA, 1, privateHkidMin());
        if (!r.isSuccess()) {
            return r;
        }
        for (int pkg = 0; pkg < pv.numPackages(); pkg++) {
            r = tdhSysKeyConfig(pkg);
            if (!r.isSuccess()) {
                return r;
            }
        }
        long end = memory.tdmrBase() + memory.tdmrSize();
        do {
            r = tdhSysTdmrInit(memory.tdmrBase());
            if (!r.isSuccess()) {
                return r;
            }
        } while (r.rdx() < end);
        return r;
    }

    /** One TDMR_INFO entry ([M1.5.01] tdmr_info_entry_t): base, size, PAMT 1G/2M/4K base+size, no reserved areas. */
    void writeTdmrInfo() {
        long size = memory.tdmrSize();
        long pamt1g = PAMT_BASE;
        long size1g = 4096;
        long pamt2m = pamt1g + size1g;
        long size2m = ((size >>> 21) * 16 + 4095) & ~4095L;
        long pamt4k = pamt2m + size2m;
        long size4k = ((size >>> 12) * 16 + 4095) & ~4095L;
        long[] fields = {memory.tdmrBase(), size, pamt1g, size1g, pamt2m, size2m, pamt4k, size4k};
        for (int i = 0; i < fields.length; i++) {
            memory.writeLong(TDMR_INFO_PA + 8L * i, fields[i]);
        }
        memory.write(TDMR_INFO_PA + 64, new byte[256]);
        memory.writeLong(TDMR_INFO_ARRAY_PA, TDMR_INFO_PA);
    }

    // ================================================================ engine internals

    PlatformView platformView() {
        return pv;
    }

    Pamt pamt() {
        return pamt;
    }

    Kot kot() {
        return kot;
    }

    ConcurrentHashMap<Long, Td> tds() {
        return tds;
    }

    ConcurrentHashMap<Long, Vcpu> vcpus() {
        return vcpus;
    }

    SharexLock globalLock() {
        return globalLock;
    }

    SharexLock wbtLock(int pkg) {
        return wbtLocks[Math.min(pkg, wbtLocks.length - 1)];
    }

    SysMetadata sysMetadata() {
        return sysMetadata;
    }

    TdMetadata tdMetadata() {
        return tdMetadata;
    }

    TdParamsGate tdParamsGate() {
        return tdParamsGate;
    }

    void setTdParamsGate(TdParamsGate g) {
        this.tdParamsGate = g;
    }

    void setSysState(SysState s) {
        sysState = s;
    }

    long pkgConfigBitmap() {
        return pkgConfigBitmap;
    }

    void setPkgConfigBitmap(long v) {
        pkgConfigBitmap = v;
    }

    void setGlobalHkid(int hkid) {
        globalHkid = hkid;
    }

    boolean markLpInit(int lp) {
        return lpInit.compareAndSet(lp, 0, 1);
    }

    boolean lpInitDone(int lp) {
        return lpInit.get(lp) != 0;
    }

    int numInitLps() {
        int n = 0;
        for (int i = 0; i < lpInit.length(); i++) {
            n += (int) lpInit.get(i);
        }
        return n;
    }

    boolean isPrivateHkid(int hkid) {
        return hkid >= privateHkidMin() && hkid <= privateHkidMax();
    }

    /** IA32_MISC_ENABLE bit 22 as the module currently sees it. */
    boolean limitCpuidMaxval() {
        return limitCpuidMaxval;
    }

    /** Test hook: the BIOS/host flipping IA32_MISC_ENABLE bit 22 after boot. */
    void setLimitCpuidMaxval(boolean v) {
        limitCpuidMaxval = v;
    }

    /** Test hook: the module marks a TD FATAL after an unrecoverable error (e.g. during TD entry). */
    void markFatal(long tdr) {
        Td td = tds.get(tdr);
        if (td != null) {
            td.fatal = true;
        }
    }

    boolean is10() {
        return profile.version().is1_0();
    }

    private ImmutableSet<Integer> versionedLeaves() {
        if (isV20()) {
            return VERSIONED_20;
        }
        return profile.version().isAtLeast(1, 5, 6) ? VERSIONED_1506 : VERSIONED_15;
    }

    boolean isV20() {
        return profile.version().major() >= 2;
    }

    long constant(String name, long dflt) {
        return profile.constant(name).orElse(dflt);
    }

    /** MAX_HKIDS (abi §7.4: 2048; 1.0: 128; the 2.0.08 data lacks it, so 2048 is used). */
    int maxHkids() {
        return (int) constant("MAX_HKIDS", 2048);
    }

    /** MIN_NUM_TDCS_PAGES (1.0: exactly MAX_NUM_TDCS_PAGES). */
    int minTdcsPages() {
        return minTdcsPages;
    }

    int maxTdcsPages() {
        return maxTdcsPages;
    }

    /** MIN_TDVPS_PAGES (1.0: a fixed TDVPS of MAX_TDVPS_PAGES). */
    int minTdvpsPages() {
        return (int) profile.constant("MIN_TDVPS_PAGES").orElse(maxTdvpsPages());
    }

    int maxTdvpsPages() {
        return (int) constant("MAX_TDVPS_PAGES", 6);
    }

    /** ATTRIBUTES_FIXED0 as TDH.SYS.INIT sets it (abi §3.4; shared with the TD_PARAMS checks). */
    long attributesFixed0() {
        return facts.attributesFixed0();
    }

    /** XFAM_FIXED0 as enforced/reported: TDX_XFAM_FIXED0 & (XCR0 ∪ IA32_XSS supported) (abi §4.1 row 9). */
    long xfamFixed0() {
        return facts.xfamFixed0();
    }

    /** The platform facts TDH.SYS.INIT samples, shared with the TD_PARAMS checks. */
    SysInitFacts facts() {
        return facts;
    }

    /** Run-time MSR facts TDH.MNG.INIT samples (IA32_TSC_ADJUST, abi §4.1 row 17). */
    PlatformRuntime runtime() {
        return new PlatformRuntime(tscAdjustChanged);
    }

    /** Test hook: the host wrote IA32_TSC_ADJUST after TDH.SYS.INIT. */
    void setTscAdjustChanged(boolean v) {
        tscAdjustChanged = v;
    }

    /** Native CPUID with the lookup entry's FIXED0-or-DYNAMIC bits cleared and FIXED1 set (abi §5.2). */
    CpuidRegs adjustedNativeCpuid(int leaf, int subleaf) {
        return profile.lookupEntry(leaf, subleaf).map(facts::adjustedNative).orElse(pv.cpuid(leaf, subleaf));
    }
}
