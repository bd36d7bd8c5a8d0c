package org.tdxsim.cli.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.tdxsim.cli.serve.OracleServer;

/**
 * The JSON-lines server ({@code tdxsim serve --stdio}) accepts only its protocol and survives anything
 * else: random and mutated request lines (truncated, spliced, wrong types, huge and negative numbers,
 * unknown ops and fields, bogus handles, deep nesting, invalid UTF-8, NUL and control bytes), oversized
 * lines, and floods of handles. Checked for every run: exactly one response per non-blank line, in
 * order; every response is one JSON object with {@code ok}; a refused line carries a protocol error
 * code (never {@code internal}, which would be a tdxsim bug) and echoes the request's {@code id} when
 * the line was a JSON object; the session still answers {@code hello} at the end.
 */
class ServeRobustnessTest {

    static final Set<String> CODES = Set.of("malformed", "too_long", "unknown_op", "bad_field", "bad_handle", "limit");
    static final ObjectMapper JSON = new ObjectMapper();
    /** Numbers read exactly (floats as BigDecimal), as the server reads requests. */
    static final ObjectReader READ = JSON.readerFor(JsonNode.class).with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    /** Well-formed requests of every op (handles m, k, vm, cpu0 are created by the first ones). */
    static final List<String> TEMPLATES = List.of(
            "{\"id\":1,\"op\":\"hello\"}",
            "{\"id\":2,\"op\":\"ops\"}",
            "{\"id\":3,\"op\":\"module.new\",\"module\":\"1.5.06\",\"handle\":\"m\"}",
            "{\"id\":4,\"op\":\"memory.alloc_page\",\"handle\":\"m\"}",
            "{\"id\":5,\"op\":\"seamcall\",\"handle\":\"m\",\"leaf\":\"TDH.MNG.CREATE\",\"rcx\":\"0x40000000\",\"rdx\":17}",
            "{\"id\":6,\"op\":\"seamcall\",\"handle\":\"m\",\"leaf\":9,\"rcx\":\"0x40001000\",\"rdx\":18}",
            "{\"id\":7,\"op\":\"seamcall\",\"handle\":\"m\",\"leaf\":\"TDH.SYS.RD\",\"rdx\":\"0x0800000200000000\"}",
            "{\"id\":8,\"op\":\"memory.write\",\"handle\":\"m\",\"pa\":\"0x40001000\",\"hex\":\"deadbeef\"}",
            "{\"id\":9,\"op\":\"memory.read\",\"handle\":\"m\",\"pa\":\"0x40001000\",\"length\":4}",
            "{\"id\":10,\"op\":\"td_params.encode\",\"module\":\"1.5.06\",\"fields\":{\"attributes\":\"0x10000000\",\"max_vcpus\":1}}",
            "{\"id\":11,\"op\":\"td_params.decode\",\"module\":\"1.5.06\",\"hex\":\"00ff\"}",
            "{\"id\":12,\"op\":\"kvm.open\",\"module\":\"2.0.08\",\"handle\":\"k\"}",
            "{\"id\":13,\"op\":\"ioctl\",\"fd\":\"k\",\"ioctl\":\"KVM_CREATE_VM\",\"type\":5,\"handle\":\"vm\"}",
            "{\"id\":14,\"op\":\"ioctl\",\"fd\":\"vm\",\"ioctl\":\"KVM_TDX_CAPABILITIES\",\"nent\":64}",
            "{\"id\":15,\"op\":\"ioctl\",\"fd\":\"vm\",\"ioctl\":\"KVM_ENABLE_CAP\",\"ioapic_pins\":24}",
            "{\"id\":16,\"op\":\"ioctl\",\"fd\":\"vm\",\"ioctl\":\"KVM_TDX_INIT_VM\",\"attributes\":\"0x10000000\",\"xfam\":3}",
            "{\"id\":17,\"op\":\"ioctl\",\"fd\":\"vm\",\"ioctl\":\"KVM_CREATE_VCPU\",\"vcpu_id\":0,\"handle\":\"cpu0\"}",
            "{\"id\":18,\"op\":\"ioctl\",\"fd\":\"cpu0\",\"ioctl\":\"KVM_TDX_GET_CPUID\"}",
            "{\"id\":19,\"op\":\"check\",\"module\":\"2.0.08\",\"cpuid\":[{\"function\":\"0x7\",\"index\":0,\"ebx\":\"0x10000\"}]}",
            "{\"id\":20,\"op\":\"explain\",\"status\":\"0xC000010000000045\"}",
            "{\"id\":21,\"op\":\"profiles\"}",
            "{\"id\":22,\"op\":\"close\",\"handle\":\"cpu0\"}");

    @Test
    void survivesTwentyThousandMutatedLines() throws IOException {
        System.out.println("[rel] serve fuzz: " + fuzz(20_000, 7));
    }

    @Test
    @Tag("long")
    void survivesFiveHundredThousandMutatedLines() throws IOException {
        System.out.println("[rel] serve fuzz (long): " + fuzz(500_000, 8));
    }

    /** Oversized lines of every kind in one session: just above the limit, 8× the limit, an endless one at EOF. */
    @Test
    void oversizedLinesCostOneErrorEach() throws IOException {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        List<byte[]> lines = new ArrayList<>();
        lines.add(TEMPLATES.get(0).getBytes(StandardCharsets.UTF_8));
        byte[] justOver = new byte[OracleServer.MAX_LINE_BYTES + 1];
        java.util.Arrays.fill(justOver, (byte) '{');
        lines.add(justOver);
        lines.add(("{\"id\":\"big\",\"op\":\"hello\",\"pad\":\"" + "x".repeat(8 * OracleServer.MAX_LINE_BYTES) + "\"}")
                .getBytes(StandardCharsets.UTF_8));
        lines.add("{\"id\":\"after\",\"op\":\"hello\"}".getBytes(StandardCharsets.UTF_8));
        for (byte[] l : lines) {
            in.writeBytes(l);
            in.write('\n');
        }
        in.writeBytes(justOver); // last line, no newline, too long
        List<JsonNode> rs = run(in.toByteArray());
        assertThat(rs).hasSize(5);
        assertThat(rs.get(1).at("/error/code").asText()).isEqualTo("too_long");
        assertThat(rs.get(2).at("/error/code").asText()).isEqualTo("too_long");
        assertThat(rs.get(3).get("ok").asBoolean()).isTrue();
        assertThat(rs.get(3).get("id").asText()).isEqualTo("after");
        assertThat(rs.get(4).at("/error/code").asText()).isEqualTo("too_long");
    }

    /**
     * Regression (found by the fuzzer): a request id that is a float is echoed as the same JSON number
     * (it came back as the string "Infinity" for 1e400), and a number no decoder can hold makes the line
     * malformed instead of reaching the session.
     */
    @Test
    void numericIdsAreEchoedExactly() throws IOException {
        List<JsonNode> rs = run(("{\"id\":1e400,\"op\":\"hello\"}\n{\"id\":0.1,\"op\":\"hello\"}\n"
                + "{\"id\":1844674e073709551616,\"op\":\"hello\"}\n{\"id\":3,\"op\":\"hello\"}\n")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(rs).hasSize(4);
        assertThat(rs.get(0).get("id").isNumber()).as("%s", rs.get(0)).isTrue();
        assertThat(rs.get(0).get("id").decimalValue()).isEqualByComparingTo(new java.math.BigDecimal("1e400"));
        assertThat(rs.get(1).get("id").decimalValue()).isEqualByComparingTo(new java.math.BigDecimal("0.1"));
        assertThat(rs.get(2).at("/error/code").asText()).isEqualTo("malformed");
        assertThat(rs.get(3).get("ok").asBoolean()).isTrue();
    }

    /** More handles than a session may hold: {@code limit} errors, and the session goes on. */
    @Test
    void handleFloodHitsTheLimitNotTheHeap() throws IOException {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        int n = 1100;
        for (int i = 0; i < n; i++) {
            in.writeBytes(("{\"id\":" + i + ",\"op\":\"td_params.decode\",\"module\":\"1.5.06\",\"hex\":\"00\"}\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        for (int i = 0; i < 40; i++) {
            in.writeBytes(("{\"id\":\"kvm" + i + "\",\"op\":\"kvm.open\",\"handle\":\"k" + i + "\"}\n").getBytes(StandardCharsets.UTF_8));
        }
        in.writeBytes("{\"id\":\"end\",\"op\":\"hello\"}\n".getBytes(StandardCharsets.UTF_8));
        List<JsonNode> rs = run(in.toByteArray());
        assertThat(rs).hasSize(n + 41);
        assertThat(rs).allSatisfy(ServeRobustnessTest::wellFormed);
        assertThat(rs.subList(n, n + 40)).anySatisfy(r -> assertThat(r.at("/error/code").asText()).isEqualTo("limit"));
        assertThat(rs.getLast().get("ok").asBoolean()).isTrue();
    }

    // ---------------------------------------------------------------- fuzzer

    static List<JsonNode> run(byte[] input) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new OracleServer(JSON).serve(new ByteArrayInputStream(input), out);
        List<JsonNode> rs = new ArrayList<>();
        for (String l : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!l.isEmpty()) {
                rs.add(READ.readTree(l));
            }
        }
        return rs;
    }

    static void wellFormed(JsonNode r) {
        assertThat(r.isObject()).as("%s", r).isTrue();
        assertThat(r.has("id")).as("%s", r).isTrue();
        assertThat(r.get("ok").isBoolean()).as("%s", r).isTrue();
        if (!r.get("ok").asBoolean()) {
            assertThat(r.at("/error/code").asText()).as("%s", r).isIn(CODES);
            assertThat(r.at("/error/message").asText()).as("%s", r).isNotBlank();
        }
    }

    static String fuzz(int lines, long seed) throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed);
        int batch = 2_000;
        long refused = 0;
        long answered = 0;
        for (int done = 0; done < lines; done += batch) {
            List<byte[]> sent = new ArrayList<>();
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            // a session that first sets its handles up, then gets mutated traffic
            for (String t : TEMPLATES) {
                sent.add(t.getBytes(StandardCharsets.UTF_8));
            }
            for (int i = 0; i < Math.min(batch, lines - done); i++) {
                sent.add(line(rnd));
            }
            sent.add("{\"id\":\"end\",\"op\":\"hello\"}".getBytes(StandardCharsets.UTF_8));
            List<byte[]> expectAnswer = new ArrayList<>();
            for (byte[] l : sent) {
                in.writeBytes(l);
                in.write('\n');
                if (!blank(l)) {
                    expectAnswer.add(l);
                }
            }
            List<JsonNode> rs = run(in.toByteArray());
            assertThat(rs).as("one response per non-blank line").hasSize(expectAnswer.size());
            for (int i = 0; i < rs.size(); i++) {
                JsonNode r = rs.get(i);
                String req = new String(expectAnswer.get(i), StandardCharsets.UTF_8);
                wellFormed(r);
                JsonNode parsed = tryParse(expectAnswer.get(i));
                if (parsed != null && parsed.isObject() && parsed.has("id")) {
                    assertThat(r.get("id")).as("id echoed for %s", req).isEqualTo(parsed.get("id"));
                }
                refused += r.get("ok").asBoolean() ? 0 : 1;
            }
            assertThat(rs.getLast().get("id").asText()).isEqualTo("end");
            assertThat(rs.getLast().get("ok").asBoolean()).as("the session survives").isTrue();
            answered += rs.size();
        }
        return lines + " mutated lines, " + answered + " responses (" + refused + " protocol errors, 0 internal)";
    }

    static JsonNode tryParse(byte[] l) {
        try (var p = JSON.createParser(l)) {
            JsonNode n = READ.readTree(p);
            return p.nextToken() == null ? n : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static boolean blank(byte[] l) {
        int n = l.length;
        if (n > 0 && l[n - 1] == '\r') {
            n--;
        }
        for (int i = 0; i < n; i++) {
            if (l[i] != ' ' && l[i] != '\t') {
                return false;
            }
        }
        return true;
    }

    static final String[] VALUES = {"0", "-1", "1e308", "-9223372036854775809", "18446744073709551616", "\"0x\"",
        "\"0xFFFFFFFFFFFFFFFFFF\"", "\"../../etc/passwd\"", "null", "true", "[]", "{}", "\"\"", "\"m\"", "\"vm\"",
        "\"cpu0\"", "\"KVM_RUN\"", "\"TDH.MNG.INIT\"", "4096", "\"\\u0000\"", "[1,[2,[3]]]", "0.5"};
    static final String[] FIELDS = {"op", "id", "handle", "fd", "ioctl", "leaf", "rcx", "rdx", "r8", "pa", "length",
        "hex", "module", "platform", "nent", "vcpu_id", "type", "fields", "cpuid", "status", "attributes"};

    /** One request line: a template mutated at byte or JSON level, or garbage. Never contains '\n'. */
    static byte[] line(SplittableRandom rnd) {
        String t = TEMPLATES.get(rnd.nextInt(TEMPLATES.size()));
        String s = switch (rnd.nextInt(10)) {
            case 0 -> t.substring(0, rnd.nextInt(t.length()));
            case 1 -> t + TEMPLATES.get(rnd.nextInt(TEMPLATES.size()));
            case 2 -> "[".repeat(rnd.nextInt(1, 5000)) + "]".repeat(rnd.nextInt(0, 5000));
            case 3, 4 -> t.replaceFirst(":[^,}]+([,}])", ":" + VALUES[rnd.nextInt(VALUES.length)] + "$1");
            case 5 -> t.substring(0, t.length() - 1) + ",\"" + FIELDS[rnd.nextInt(FIELDS.length)] + "\":"
                    + VALUES[rnd.nextInt(VALUES.length)] + "}";
            case 6 -> "{\"id\":" + rnd.nextInt(1000) + ",\"op\":\"" + new String[] {"open", "exec", "file.read", "shell",
                "module.new", "ioctl", "seamcall", "close", ""}[rnd.nextInt(9)] + "\",\""
                    + FIELDS[rnd.nextInt(FIELDS.length)] + "\":" + VALUES[rnd.nextInt(VALUES.length)] + "}";
            default -> t;
        };
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (rnd.nextInt(3) == 0) {
            int n = 1 + rnd.nextInt(6);
            for (int i = 0; i < n && b.length > 0; i++) {
                b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            }
        }
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\n') {
                b[i] = ' ';
            }
        }
        return b;
    }
}
