package org.tdxsim.module.profile;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.tdxsim.module.cpuid.CpuidReg;
import org.tdxsim.module.cpuid.CpuidRegs;

/**
 * A position in a profile JSON document (Jackson tree model) that knows its file and JSON path,
 * so every accessor can fail with a {@link ProfileFormatException} naming exactly what is wrong.
 * Shared by the module and platform profile loaders; not meant for other uses.
 */
public final class JsonCursor {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String file;
    private final String path;
    private final JsonNode node;

    private JsonCursor(String file, String path, JsonNode node) {
        this.file = file;
        this.path = path;
        this.node = node;
    }

    /** Parses a whole document; syntax errors name the line and column, not a stack trace. */
    public static JsonCursor parse(String file, InputStream in) throws ProfileFormatException {
        try {
            JsonNode root = MAPPER.readTree(in);
            if (root == null || root.isMissingNode()) {
                throw new ProfileFormatException(file, "$", "empty document");
            }
            return new JsonCursor(file, "$", root);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            throw new ProfileFormatException(file, "$", "not valid JSON" + where + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ProfileFormatException(file, "$", "cannot read: " + e.getMessage());
        }
    }

    public String file() {
        return file;
    }

    public String path() {
        return path;
    }

    public ProfileFormatException error(String problem) {
        return new ProfileFormatException(file, path, problem);
    }

    private JsonCursor child(String key, JsonNode n) {
        return new JsonCursor(file, path + "." + key, n);
    }

    /** Child object/value that must be present and non-null. */
    public JsonCursor get(String key) throws ProfileFormatException {
        requireObject();
        JsonNode n = node.get(key);
        if (n == null) {
            throw new ProfileFormatException(file, path + "." + key, "missing key");
        }
        if (n.isNull()) {
            throw new ProfileFormatException(file, path + "." + key, "must not be null");
        }
        return child(key, n);
    }

    /** Child that may be absent or null. */
    public Optional<JsonCursor> opt(String key) throws ProfileFormatException {
        requireObject();
        JsonNode n = node.get(key);
        return n == null || n.isNull() ? Optional.empty() : Optional.of(child(key, n));
    }

    public boolean has(String key) {
        JsonNode n = node.get(key);
        return n != null && !n.isNull();
    }

    public boolean isNull() {
        return node.isNull();
    }

    private void requireObject() throws ProfileFormatException {
        if (!node.isObject()) {
            throw error("expected an object, found " + kind());
        }
    }

    private String kind() {
        return node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }

    public List<JsonCursor> elements() throws ProfileFormatException {
        if (!node.isArray()) {
            throw error("expected an array, found " + kind());
        }
        List<JsonCursor> out = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            out.add(new JsonCursor(file, path + "[" + i + "]", node.get(i)));
        }
        return out;
    }

    /** Object entries in document order. */
    public List<Map.Entry<String, JsonCursor>> fields() throws ProfileFormatException {
        requireObject();
        List<Map.Entry<String, JsonCursor>> out = new ArrayList<>();
        var it = node.fields();
        while (it.hasNext()) {
            var e = it.next();
            out.add(Map.entry(e.getKey(), child(e.getKey(), e.getValue())));
        }
        return out;
    }

    public String text() throws ProfileFormatException {
        if (!node.isTextual()) {
            throw error("expected a string, found " + kind());
        }
        return node.textValue();
    }

    public boolean bool() throws ProfileFormatException {
        if (!node.isBoolean()) {
            throw error("expected true or false, found " + kind());
        }
        return node.booleanValue();
    }

    /** A JSON integer within [min, max]. */
    public long integer(long min, long max) throws ProfileFormatException {
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw error("expected an integer, found " + kind());
        }
        long v = node.longValue();
        if (v < min || v > max) {
            throw error("out of range: " + v + " not in [" + min + ", " + max + "]");
        }
        return v;
    }

    public int int32(int min, int max) throws ProfileFormatException {
        return (int) integer(min, max);
    }

    /** A "0x..." hex string of at most {@code bits} bits (value returned as raw bits). */
    public long hex(int bits) throws ProfileFormatException {
        if (!node.isTextual()) {
            throw error("not a hex string (expected \"0x...\", found " + kind() + ")");
        }
        String s = node.textValue();
        if (!(s.startsWith("0x") || s.startsWith("0X")) || s.length() < 3 || s.length() > 2 + 16) {
            throw error("not a hex string: \"" + s + "\"");
        }
        long v;
        try {
            v = Long.parseUnsignedLong(s.substring(2), 16);
        } catch (NumberFormatException e) {
            throw error("not a hex string: \"" + s + "\"");
        }
        if (bits < 64 && (v >>> bits) != 0) {
            throw error("out of range: " + s + " does not fit in " + bits + " bits");
        }
        return v;
    }

    public int hex32() throws ProfileFormatException {
        return (int) hex(32);
    }

    public long hex64() throws ProfileFormatException {
        return hex(64);
    }

    /** Optional 64-bit hex value: absent or null gives empty. */
    public OptionalLong optHex64(String key) throws ProfileFormatException {
        Optional<JsonCursor> c = opt(key);
        return c.isPresent() ? OptionalLong.of(c.get().hex64()) : OptionalLong.empty();
    }

    public Optional<String> optText(String key) throws ProfileFormatException {
        Optional<JsonCursor> c = opt(key);
        return c.isPresent() ? Optional.of(c.get().text()) : Optional.empty();
    }

    /** An object with the four keys eax, ebx, ecx, edx as 32-bit hex strings. */
    public CpuidRegs regs() throws ProfileFormatException {
        int[] v = new int[4];
        for (CpuidReg r : CpuidReg.values()) {
            v[r.ordinal()] = get(r.jsonKey()).hex32();
        }
        return new CpuidRegs(v[0], v[1], v[2], v[3]);
    }

    public ImmutableList<String> textList() throws ProfileFormatException {
        ImmutableList.Builder<String> b = ImmutableList.builder();
        for (JsonCursor c : elements()) {
            b.add(c.text());
        }
        return b.build();
    }

    /** Raw rendering of a scalar, for free-form fields such as sysInfo entries. */
    public String rawText() {
        return node.isTextual() ? node.textValue() : node.toString();
    }

    public boolean isTextual() {
        return node.isTextual();
    }

    public boolean isIntegral() {
        return node.isIntegralNumber();
    }
}
