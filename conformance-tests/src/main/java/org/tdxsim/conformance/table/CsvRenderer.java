package org.tdxsim.conformance.table;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import org.tdxsim.conformance.table.DecisionMatrix.Row;

/** The decision table in long form: one CSV line per combination (RFC 4180 quoting). */
public final class CsvRenderer {

    public static final String HEADER = "policy,module,base_platform,host_maxphyaddr,host_ept_5level,host_la57,"
            + "eax_7_0,guest_phys_bits,outcome,label,errno,hw_error,gpaw,ept_levels,shared_bit,"
            + "readback_guest_phys_bits,readback_maxphyaddr,reason";

    private CsvRenderer() {
    }

    public static void write(DecisionMatrix m, Writer out) {
        try {
            out.write(HEADER);
            out.write('\n');
            StringBuilder line = new StringBuilder(256);
            for (Row r : m.rows()) {
                for (int g = 0; g < InputSpace.GUEST_PHYS_BITS_VALUES; g++) {
                    line.setLength(0);
                    Outcome o = r.at(g);
                    line.append(r.policy()).append(',').append(r.module()).append(',')
                            .append(r.host().basePlatform()).append(',').append(r.host().maxPhysAddr()).append(',')
                            .append(r.host().ept5Level()).append(',').append(r.host().la57()).append(',')
                            .append(r.eax70()).append(',').append(g).append(',')
                            .append(o.kind()).append(',').append(quote(o.shortLabel())).append(',');
                    switch (o) {
                        case Outcome.Accepted a -> line.append(",,").append(a.gpaw()).append(',')
                                .append(a.eptLevels().map(String::valueOf).orElse("")).append(',')
                                .append(a.sharedBit()).append(',').append(a.guestPhysBitsReadBack()).append(',')
                                .append(a.maxPhysAddrReadBack()).append(',');
                        case Outcome.KvmRejected k -> line.append(k.errnoName()).append(",,,,,,,");
                        case Outcome.ModuleRejected mr -> line.append(mr.errnoName()).append(',')
                                .append(String.format("0x%016X", mr.status())).append(",,,,,,");
                        case Outcome.TdxUnavailable u -> line.append(",,,,,,,");
                    }
                    line.append(quote(o.reason())).append('\n');
                    out.append(line);
                }
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String quote(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
