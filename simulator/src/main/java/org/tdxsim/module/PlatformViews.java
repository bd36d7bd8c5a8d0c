package org.tdxsim.module;

import org.tdxsim.module.cpuid.CpuidRegs;
import org.tdxsim.module.platform.PlatformProfile;

/** Adapts a {@link PlatformProfile} to the engine's {@link PlatformView}. */
final class PlatformViews {

    private PlatformViews() {
    }

    static PlatformView of(PlatformProfile p) {
        return new PlatformView() {
            @Override
            public String name() {
                return p.name();
            }

            @Override
            public CpuidRegs cpuid(int leaf, int subleaf) {
                return p.cpuid(leaf, subleaf);
            }

            @Override
            public int maxPa() {
                return p.maxPhysAddr();
            }

            @Override
            public boolean la57() {
                return p.la57();
            }

            @Override
            public boolean ept5Level() {
                return p.ept5Level();
            }

            @Override
            public long xcr0Supported() {
                return p.supportedXcr0();
            }

            @Override
            public long xssSupported() {
                return p.supportedXss();
            }

            @Override
            public int numPackages() {
                return Math.max(1, p.packages());
            }

            @Override
            public int numLps() {
                return Math.max(numPackages(), p.logicalProcessors());
            }

            @Override
            public int numMktmeKids() {
                return p.numMktmeKids();
            }

            @Override
            public int numTdxPrivKids() {
                return p.numTdxPrivKids();
            }

            /** Smallest KeyID width that holds the largest HKID (the profile has no TME_ACTIVATE MSR). */
            @Override
            public int keyIdBits() {
                int max = p.maxPrivateHkid();
                return max <= 0 ? 0 : 32 - Integer.numberOfLeadingZeros(max);
            }

            @Override
            public boolean limitCpuidMaxval() {
                return p.miscEnableLimitCpuidMaxval();
            }

            @Override
            public long nativeTscHz() {
                return p.tscHz();
            }
        };
    }
}
