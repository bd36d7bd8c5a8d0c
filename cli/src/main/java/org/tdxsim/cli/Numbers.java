package org.tdxsim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;

/**
 * Parsing of the numbers users type or put in JSON: {@code 0x}-prefixed hex or decimal, as text or as
 * a JSON number, range-checked against the width of the field they land in. Every failure is a
 * {@link BadInput} naming the input.
 */
public final class Numbers {
    private Numbers() {}

    private static final BigInteger U64_LIMIT = BigInteger.ONE.shiftLeft(64);

    /** An unsigned value of {@code bits} width (1..64), returned in a long (two's complement above 2^63). */
    public static long unsigned(String input, String text, int bits) {
        String t = text.strip().replace("_", "");
        BigInteger v;
        try {
            if (t.startsWith("0x") || t.startsWith("0X")) {
                v = new BigInteger(t.substring(2), 16);
            } else {
                v = new BigInteger(t, 10);
            }
        } catch (NumberFormatException e) {
            throw new BadInput(input, "'" + text + "' is not a number (use decimal or 0x-prefixed hex)");
        }
        return checkWidth(input, v, text, bits);
    }

    /** Same as {@link #unsigned(String, String, int)} for a JSON node (a number, or a string holding one). */
    public static long unsigned(String input, JsonNode node, int bits) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            throw new BadInput(input, "missing (expected a " + bits + "-bit number)");
        }
        if (node.isTextual()) {
            return unsigned(input, node.asText(), bits);
        }
        if (node.isIntegralNumber()) {
            return checkWidth(input, node.bigIntegerValue(), node.asText(), bits);
        }
        if (node.isNumber()) {
            throw new BadInput(input, node.asText() + " is not an integer");
        }
        throw new BadInput(input, "expected a number or a hex string, found " + kind(node));
    }

    /** A decimal or hex int within {@code [min, max]}. */
    public static int intInRange(String input, String text, int min, int max) {
        long v = unsigned(input, text, 32);
        if (v < min || v > max) {
            throw new BadInput(input, text + " is out of range [" + min + ", " + max + "]");
        }
        return (int) v;
    }

    private static long checkWidth(String input, BigInteger v, String text, int bits) {
        if (v.signum() < 0) {
            throw new BadInput(input, text + " is negative");
        }
        if (v.bitLength() > bits || v.compareTo(U64_LIMIT) >= 0) {
            throw new BadInput(input, text + " does not fit in " + bits + " bits");
        }
        return v.longValue();
    }

    /** {@code 0x%08X} for 32-bit quantities (CPUID registers, leaves). */
    public static String hex32(long v) {
        return String.format("0x%08X", v & 0xFFFF_FFFFL);
    }

    /** {@code 0x%016X} for 64-bit quantities (statuses, masks). */
    public static String hex64(long v) {
        return String.format("0x%016X", v);
    }

    /** Short hex without padding, for leaves and bit masks in prose. */
    public static String hex(long v) {
        return "0x" + Long.toHexString(v).toUpperCase(java.util.Locale.ROOT);
    }

    static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT, POJO -> "an object";
            case STRING -> "a string";
            case BOOLEAN -> "a boolean";
            case NUMBER -> "a number";
            case NULL, MISSING -> "nothing";
            case BINARY -> "binary data";
        };
    }
}
