package org.tdxsim.module;

import com.google.common.collect.ImmutableList;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.tdxsim.module.cpuid.CpuidRegs;
import org.tdxsim.module.tdparams.ByteBlock;
import org.tdxsim.module.tdparams.TdConfig;
import org.tdxsim.module.tdparams.TdParams;
import org.tdxsim.module.tdparams.TdParamsCheckResult;
import org.tdxsim.module.tdparams.TdhMngInitChecks;

/**
 * Connects TDH.MNG.INIT to the TD_PARAMS checks of {@link TdhMngInitChecks} (rows 8–26 of abi §4.1,
 * the 1.0 order of §4.2) and turns an accepted {@link TdConfig} into what the TDCS stores.
 */
final class TdParamsAdapter {

    private TdParamsAdapter() {
    }

    /** 2^48: TSC_MULTIPLIER is a 16.48 fixed-point ratio (abi §8). */
    private static final BigInteger TWO_48 = BigInteger.ONE.shiftLeft(48);
    /** TSC_FREQUENCY unit: 25 MHz (abi §3.1). */
    private static final BigInteger TSC_UNIT_HZ = BigInteger.valueOf(25_000_000L);
    /** 1.0 TDCS page holding the S-EPT root: the 1.0 tables give no offsets; page 3 as in 1.5 (report). */
    private static final int SEPT_ROOT_PAGE_10 = 3;

    static TdParamsGate create(TdxModule m) {
        return (c, td, bytes, filters) -> {
            TdParams p = TdParams.decode(m.profile(), bytes);
            TdParamsCheckResult r = TdhMngInitChecks.check(m.profile(), m.platform(), m.runtime(), p, td.numTdcx(),
                    filters);
            return switch (r) {
                case TdParamsCheckResult.Rejected rej -> new TdParamsGate.Rejected(rej.status(), rej.rcxExtended(),
                        rej.explanation().summary(), rej.explanation());
                case TdParamsCheckResult.Accepted a -> new TdParamsGate.Accepted(settings(m, td, a.config()));
            };
        };
    }

    /** The TDCS page that holds the S-EPT root: the SEPT_ROOT field's TDCS offset / 4 KiB (abi §6.5 table data). */
    static int septRootPage(TdxModule m) {
        return m.profile().tdField("SEPT_ROOT").map(f -> f.offset() / 4096).orElse(SEPT_ROOT_PAGE_10);
    }

    static TdSettings settings(TdxModule m, Td td, TdConfig cfg) {
        long root = td.tdcxPa.get(Math.min(septRootPage(m), td.numTdcx() - 1));
        long[][] values = new long[cfg.cpuidValues().size()][];
        for (int i = 0; i < values.length; i++) {
            CpuidRegs v = cfg.cpuidValues().get(i);
            values[i] = new long[] {Integer.toUnsignedLong(v.eax()) | (long) v.ebx() << 32,
                    Integer.toUnsignedLong(v.ecx()) | (long) v.edx() << 32};
        }
        long hz = m.platform().tscHz();
        long multiplier = hz == 0 ? 0 : BigInteger.valueOf(cfg.tscFrequency()).multiply(TSC_UNIT_HZ).multiply(TWO_48)
                .divide(BigInteger.valueOf(hz)).longValue();
        return new TdSettings(cfg.attributes(), cfg.xfam(), cfg.maxVcpus(), cfg.numL2Vms(), cfg.gpaw() == 1,
                cfg.eptpControls() | root, cfg.configFlags(), cfg.tscFrequency(), cfg.virtMaxPa().orElse(0),
                ImmutableList.copyOf(values), cfg.cpuidValid(), qwords(cfg.mrConfigId()), qwords(cfg.mrOwner()),
                qwords(cfg.mrOwnerConfig()), multiplier, 0);
    }

    private static long[] qwords(ByteBlock b) {
        byte[] a = b.toArray();
        ByteBuffer bb = ByteBuffer.wrap(a).order(ByteOrder.LITTLE_ENDIAN);
        long[] out = new long[a.length / 8];
        for (int i = 0; i < out.length; i++) {
            out[i] = bb.getLong(i * 8);
        }
        return out;
    }
}
