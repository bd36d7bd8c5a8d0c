package org.tdxsim.module;

import java.util.Optional;
import org.tdxsim.module.profile.TdFieldScheme10;

/**
 * TDX 1.0's TDH.MNG.RD/WR field scheme (abi §6.2 last bullet; module-data {@code tdFieldScheme1_0}):
 * exact 64-bit field codes (arrays by range), unknown code → {@code TDX_OPERAND_INVALID | RDX},
 * access violations → {@code TDX_FIELD_NOT_READABLE / TDX_FIELD_NOT_WRITABLE}, values masked to the
 * field width; CPUID values one 32-bit register per field at {@code 0x9100000000000400 + 4·lookupIndex
 * + reg}. Only NOTIFY_ENABLES bit 0 is writable, for debug TDs.
 */
final class Legacy10Fields {

    private Legacy10Fields() {
    }

    /** A resolved field and element index. */
    record Hit(TdFieldScheme10.Field field, int index) {
    }

    static Optional<Hit> find(TdFieldScheme10 scheme, long code) {
        for (TdFieldScheme10.Field f : scheme.fields()) {
            if (Long.compareUnsigned(code, f.fieldCode()) >= 0
                    && Long.compareUnsigned(code - f.fieldCode(), f.count()) < 0) {
                return Optional.of(new Hit(f, (int) (code - f.fieldCode())));
            }
        }
        return Optional.empty();
    }

    static long value(TdxModule m, Td td, Hit h) {
        TdSettings s = td.settings;
        int i = h.index();
        return switch (h.field().name()) {
            case "TDR.INIT" -> td.init10 ? 1 : 0;
            case "TDR.FATAL" -> td.fatal ? 1 : 0;
            case "TDR.NUM_TDCX" -> td.numTdcx();
            case "TDR.CHLDCNT" -> td.chldcnt.get();
            case "TDR.LIFECYCLE_STATE" -> td.lifecycle.value();
            case "TDR.TDCX_PA" -> i < td.numTdcx() ? m.memory().withHkid(td.tdcxPa.get(i), td.hkid) : 0;
            case "TDR.HKID" -> td.hkid;
            case "TDR.PKG_CONFIG_BITMAP" -> td.pkgConfigBitmap;
            case "TDCS.FINALIZED" -> td.finalized10 ? 1 : 0;
            case "TDCS.NUM_VCPUS" -> td.numVcpus.get();
            case "TDCS.NUM_ASSOC_VCPUS" -> td.numAssocVcpus.get();
            case "TDCS.ATTRIBUTES" -> s == null ? 0 : s.attributes();
            case "TDCS.XFAM" -> s == null ? 0 : s.xfam();
            case "TDCS.MAX_VCPUS" -> s == null ? 0 : s.maxVcpus();
            case "TDCS.GPAW" -> s != null && s.gpaw() ? 1 : 0;
            case "TDCS.EPTP" -> s == null ? 0 : s.eptp();
            case "TDCS.TSC_OFFSET" -> s == null ? 0 : s.tscOffset();
            case "TDCS.TSC_MULTIPLIER" -> s == null ? 0 : s.tscMultiplier();
            case "TDCS.TSC_FREQUENCY" -> s == null ? 0 : s.tscFrequency();
            case "TDCS.NOTIFY_ENABLES" -> td.notifyEnables;
            case "TDCS.CPUID_VALUES" -> {
                int lookup = i / 4;
                int reg = i % 4;
                if (s == null || lookup >= s.cpuidValues().size()) {
                    yield 0;
                }
                long[] v = s.cpuidValues().get(lookup);
                long pair = v[reg / 2];
                yield reg % 2 == 0 ? pair & 0xFFFF_FFFFL : pair >>> 32;
            }
            case "TDCS.TD_EPOCH" -> td.tdEpoch;
            case "TDCS.MRTD" -> td.measurement == null ? 0 : td.measurement.mrtdElement(i);
            case "TDCS.MRCONFIGID" -> s == null ? 0 : s.mrConfigId()[i];
            case "TDCS.MROWNER" -> s == null ? 0 : s.mrOwner()[i];
            case "TDCS.MROWNERCONFIG" -> s == null ? 0 : s.mrOwnerConfig()[i];
            default -> 0;
        };
    }
}
