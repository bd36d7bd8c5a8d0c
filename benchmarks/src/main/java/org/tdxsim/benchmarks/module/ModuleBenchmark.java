package org.tdxsim.benchmarks.module;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.tdxsim.module.SeamcallResult;
import org.tdxsim.module.TdxModule;
import org.tdxsim.module.cpuid.CpuidClassifier;
import org.tdxsim.module.cpuid.CpuidLeaf;
import org.tdxsim.module.cpuid.CpuidRegs;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.ModuleProfiles;
import org.tdxsim.module.tdparams.PlatformRuntime;
import org.tdxsim.module.tdparams.TdParams;
import org.tdxsim.module.tdparams.TdParamsCheckResult;
import org.tdxsim.module.tdparams.TdhMngInitChecks;

/**
 * Issue #7 target 6: the simulator's hottest pure decisions, in operations per second.
 *
 * <ul>
 *   <li>{@link #tdhMngInitChecks}: {@code TdhMngInitChecks.check} (abi §4.1 rows 8-26) on an
 *       accepted, already decoded TD_PARAMS;
 *   <li>{@link #tdhMngInitChecksUncached}: the same with a different TD_PARAMS each call, so the
 *       memoized CPUID computation misses (a VMM's first TD of a configuration);
 *   <li>{@link #tdhMngInitChecksFromBytes}: the same from the 1024-byte image (decode + check), as
 *       the SEAMCALL sees it;
 *   <li>{@link #tdhMngInitSeamcall}: {@code TdxModule.tdhMngInit} on a TD in TD_KEYS_CONFIGURED
 *       with its TDCS pages (rows 1-26 and the TDCS writes); each call gets a fresh TD, built and
 *       torn down outside the measurement;
 *   <li>{@link #cpuidClassify}: {@code CpuidClassifier.classify} of the host-derived request (every
 *       bit of the lookup table classified, the TD's CPUID computed).
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ModuleBenchmark {

    /** Distinct TD_PARAMS for {@link #tdhMngInitChecksUncached}: twice the memo's 64 entries. */
    static final int DISTINCT = 128;

    /** Profiles and an accepted TD_PARAMS. */
    @State(Scope.Benchmark)
    public static class Data {
        @Param("2.0.08")
        public String module;
        @Param(PlatformProfiles.DEFAULT)
        public String platform;

        ModuleProfile m;
        PlatformProfile p;
        TdParams params;
        byte[] image;
        int numTdcx;
        Map<CpuidLeaf, CpuidRegs> request;
        long xfam;
        /** {@link #DISTINCT} accepted TD_PARAMS differing only in TSC_FREQUENCY, cycled by the uncached benchmark. */
        TdParams[] distinct;
        int next;

        @Setup(Level.Trial)
        public void setUp() {
            m = ModuleProfiles.builtIn(module);
            p = PlatformProfiles.builtIn(platform);
            numTdcx = Inputs.minTdcsPages(m);
            params = Inputs.acceptedParams(m, p, numTdcx);
            image = params.encode();
            request = Inputs.cpuidRequest(m, p);
            xfam = Inputs.xfam(p);
            distinct = new TdParams[DISTINCT];
            for (int i = 0; i < DISTINCT; i++) {
                distinct[i] = params.toBuilder().tscFrequency(100 + i).build();
                if (!(TdhMngInitChecks.check(m, p, PlatformRuntime.STEADY, distinct[i], numTdcx)
                        instanceof TdParamsCheckResult.Accepted)) {
                    throw new IllegalStateException("TSC_FREQUENCY " + (100 + i) + " rejected by " + module);
                }
            }
        }
    }

    /** A brought-up module and, per invocation, a fresh keyed TD with its TDCS pages. */
    @State(Scope.Thread)
    public static class KeyedTd {
        TdxModule module;
        long paramsPa;
        long tdr;
        long[] tdcx;
        int hkid;

        @Setup(Level.Trial)
        public void bringUp(Data d) {
            module = TdxModule.create(d.m, d.p);
            SeamcallResult r = module.bringUp();
            expect(r, "module bring-up");
            paramsPa = module.memory().allocatePage();
            module.memory().write(paramsPa, d.image);
            hkid = module.privateHkidMin() + 1; // the first private HKID is the global one (bringUp)
            tdcx = new long[d.numTdcx];
        }

        @Setup(Level.Invocation)
        public void createKeyedTd() {
            tdr = module.memory().allocatePage();
            expect(module.tdhMngCreate(tdr, hkid), "TDH.MNG.CREATE");
            for (int pkg = 0; pkg < module.numPackages(); pkg++) {
                expect(module.tdhMngKeyConfig(tdr, pkg), "TDH.MNG.KEY.CONFIG");
            }
            for (int i = 0; i < tdcx.length; i++) {
                tdcx[i] = module.memory().allocatePage();
                expect(module.tdhMngAddcx(tdcx[i], tdr), "TDH.MNG.ADDCX");
            }
        }

        /** Teardown of a TD without vCPUs (abi §7.2): VPFLUSHDONE, CACHE.WB, KEY.FREEID, reclaim. */
        @TearDown(Level.Invocation)
        public void destroyTd() {
            expect(module.tdhMngVpflushdone(tdr), "TDH.MNG.VPFLUSHDONE");
            for (int pkg = 0; pkg < module.numPackages(); pkg++) {
                expect(module.tdhPhymemCacheWb(pkg), "TDH.PHYMEM.CACHE.WB");
            }
            expect(module.tdhMngKeyFreeid(tdr), "TDH.MNG.KEY.FREEID");
            for (long page : tdcx) {
                expect(module.tdhPhymemPageReclaim(page), "TDH.PHYMEM.PAGE.RECLAIM(TDCX)");
                module.memory().freePage(page);
            }
            expect(module.tdhPhymemPageReclaim(tdr), "TDH.PHYMEM.PAGE.RECLAIM(TDR)");
            module.memory().freePage(tdr);
        }

        private static void expect(SeamcallResult r, String what) {
            if (!r.isSuccess()) {
                throw new IllegalStateException(what + " failed: " + r + " — " + r.explanation());
            }
        }
    }

    @Benchmark
    public TdParamsCheckResult tdhMngInitChecks(Data d) {
        return TdhMngInitChecks.check(d.m, d.p, PlatformRuntime.STEADY, d.params, d.numTdcx);
    }

    /**
     * The same checks with a different TD_PARAMS every call, cycling through {@link #DISTINCT} of them:
     * more than the 64 distinct CPUID inputs {@code CpuidVirtualization} memoizes, so every call computes
     * the TD's CPUID afresh — the cost of a VMM's first TD with a given configuration.
     */
    @Benchmark
    public TdParamsCheckResult tdhMngInitChecksUncached(Data d) {
        TdParams t = d.distinct[d.next];
        d.next = (d.next + 1) % DISTINCT;
        return TdhMngInitChecks.check(d.m, d.p, PlatformRuntime.STEADY, t, d.numTdcx);
    }

    @Benchmark
    public TdParamsCheckResult tdhMngInitChecksFromBytes(Data d) {
        return TdhMngInitChecks.check(d.m, d.p, PlatformRuntime.STEADY, TdParams.decode(d.m, d.image), d.numTdcx);
    }

    @Benchmark
    public SeamcallResult tdhMngInitSeamcall(KeyedTd td) {
        SeamcallResult r = td.module.tdhMngInit(td.tdr, td.paramsPa);
        if (!r.isSuccess()) {
            throw new IllegalStateException("TDH.MNG.INIT failed: " + r + " — " + r.explanation());
        }
        return r;
    }

    @Benchmark
    public CpuidClassifier.Report cpuidClassify(Data d) {
        return CpuidClassifier.classify(d.m, d.p, d.request, Inputs.ATTR_SEPT_VE_DISABLE, d.xfam, 0, 100);
    }
}
