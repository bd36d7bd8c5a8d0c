package org.tdxsim.module.cpuid;

import com.google.common.collect.ImmutableList;
import java.util.OptionalInt;

/**
 * The class of one CPUID bit for a given module, platform and TD_PARAMS.
 *
 * @param kind           the governing mechanism
 * @param xfamBits       XFAM bits that clear this bit when 0 (also listed when they are all 1 and
 *                       the bit follows its table class)
 * @param attributesBit  the ATTRIBUTES bit this bit follows, if any
 * @param reason         one sentence naming the rule (e.g. "CPUID(7,0).ECX[31] := ATTRIBUTES.PKS")
 */
public record CpuidBitClass(CpuidBitKind kind, ImmutableList<Integer> xfamBits, OptionalInt attributesBit,
        String reason) {

    public static CpuidBitClass of(CpuidBitKind kind, String reason) {
        return new CpuidBitClass(kind, ImmutableList.of(), OptionalInt.empty(), reason);
    }

    /** {@code ALLOW_DIRECT}, {@code XFAM_DERIVED (XFAM bits 5-7)}, ... for messages. */
    public String label() {
        String k = switch (kind) {
            case CONFIGURABLE -> "CONFIG_DIRECT";
            case ALLOWED_IF_NATIVE -> "ALLOW_DIRECT";
            default -> kind.name();
        };
        if (kind == CpuidBitKind.XFAM_DERIVED && !xfamBits.isEmpty()) {
            return k + " (XFAM bit" + (xfamBits.size() > 1 ? "s " : " ") + bitList(xfamBits) + ")";
        }
        if (kind == CpuidBitKind.ATTRIBUTES_DERIVED && attributesBit.isPresent()) {
            return k + " (ATTRIBUTES bit " + attributesBit.getAsInt() + ")";
        }
        return k;
    }

    static String bitList(ImmutableList<Integer> bits) {
        // 5,6,7 -> "5-7"
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < bits.size()) {
            int j = i;
            while (j + 1 < bits.size() && bits.get(j + 1) == bits.get(j) + 1) {
                j++;
            }
            if (sb.length() > 0) {
                sb.append(",");
            }
            sb.append(bits.get(i));
            if (j > i) {
                sb.append(j == i + 1 ? "," : "-").append(bits.get(j));
            }
            i = j + 1;
        }
        return sb.toString();
    }
}
