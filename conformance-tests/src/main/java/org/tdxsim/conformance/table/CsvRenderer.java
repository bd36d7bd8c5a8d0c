package org.tdxsim.conformance.table;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import org.tdxsim.conformance.table.DecisionMatrix.Row;

/**
 * The decision table as CSV (RFC 4180 quoting): one line per maximal run of consecutive GuestPhysBits
 * values whose outcomes agree in everything but the wording of the reason (kind, label, errno, hw_error,
 * GPAW, EPT levels, shared bit, read-backs). {@code guest_phys_bits_from..to} are inclusive; {@code reason}
 * is the first cell's (the others differ only in the value they quote). A per-cell file would be 590k
 * lines of mostly repeated text; this keeps every distinct outcome with its exact input range.
 */
public final class CsvRenderer {

    public static final String HEADER = "policy,module,base_platform,host_maxphyaddr,host_ept_5level,host_la57,"
            + "eax_7_0,guest_phys_bits_from,guest_phys_bits_to,cells,outcome,label,errno,hw_error,gpaw,ept_levels,"
            + "shared_bit,readback_guest_phys_bits,readback_maxphyaddr,reason";

    private CsvRenderer() {
    }

    public static void write(DecisionMatrix m, Writer out) {
        try {
            out.write(HEADER);
            out.write('\n');
            StringBuilder line = new StringBuilder(256);
            // Cells share interned outcome objects: render each one's columns once.
            Map<Outcome, String> columns = new IdentityHashMap<>();
            for (Row r : m.rows()) {
                int start = 0;
                for (int g = 1; g <= InputSpace.GUEST_PHYS_BITS_VALUES; g++) {
                    if (g < InputSpace.GUEST_PHYS_BITS_VALUES && columns.computeIfAbsent(r.at(g), CsvRenderer::fields)
                            .equals(columns.computeIfAbsent(r.at(start), CsvRenderer::fields))) {
                        continue;
                    }
                    line.setLength(0);
                    Outcome o = r.at(start);
                    line.append(r.policy()).append(',').append(r.module()).append(',')
                            .append(r.host().basePlatform()).append(',').append(r.host().maxPhysAddr()).append(',')
                            .append(r.host().ept5Level()).append(',').append(r.host().la57()).append(',')
                            .append(r.eax70()).append(',').append(start).append(',').append(g - 1).append(',')
                            .append(g - start).append(',').append(columns.computeIfAbsent(o, CsvRenderer::fields)).append(',')
                            .append(quote(o.reason())).append('\n');
                    out.append(line);
                    start = g;
                }
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The CSV columns {@code outcome .. readback_maxphyaddr} of one cell (runs merge on equal text). */
    static String fields(Outcome o) {
        String kind = o.kind() + "," + quote(o.shortLabel()) + ",";
        return kind + switch (o) {
            case Outcome.Accepted a -> ",," + a.gpaw() + "," + a.eptLevels().map(String::valueOf).orElse("") + ","
                    + a.sharedBit() + "," + a.guestPhysBitsReadBack() + "," + a.maxPhysAddrReadBack();
            case Outcome.KvmRejected k -> k.errnoName() + ",,,,,,";
            case Outcome.ModuleRejected mr -> mr.errnoName() + "," + String.format("0x%016X", mr.status()) + ",,,,,";
            case Outcome.TdxUnavailable u -> ",,,,,,";
        };
    }

    static String quote(String s) {
        Objects.requireNonNull(s);
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
