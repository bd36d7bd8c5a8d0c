package org.tdxsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tdxsim.cli.serve.OracleServer;

/** The JSON-lines framing of {@code serve --stdio}: every bad line gets one error response and the server keeps serving. */
class ServeFramingTest {

    private static List<JsonNode> serve(String stdin) {
        CliRun r = CliRun.withStdin(stdin, "serve", "--stdio");
        assertThat(r.rc()).as(r.toString()).isZero();
        assertThat(r.err()).isEmpty();
        return r.jsonLines();
    }

    @Test
    void answersInOrderAndEchoesIds() {
        List<JsonNode> rs = serve("{\"id\":1,\"op\":\"hello\"}\n{\"id\":\"two\",\"op\":\"hello\"}\n");
        assertThat(rs).hasSize(2);
        assertThat(rs.get(0).get("id").asInt()).isEqualTo(1);
        assertThat(rs.get(0).get("ok").asBoolean()).isTrue();
        assertThat(rs.get(0).get("protocol").asInt()).isEqualTo(OracleServer.PROTOCOL_VERSION);
        assertThat(rs.get(1).get("id").asText()).isEqualTo("two");
    }

    @Test
    void malformedLinesGetAnErrorAndTheSessionContinues() {
        List<JsonNode> rs = serve(String.join("\n",
                "this is not json",
                "[1,2,3]",
                "{\"id\":1}",
                "{\"id\":2,\"op\":42}",
                "{\"id\":3,\"op\":\"no-such-op\"}",
                "{\"id\":4,\"op\":\"hello\"} {\"id\":5,\"op\":\"hello\"}",
                "{\"id\":6,\"op\":\"hello\"",
                "{\"id\":7,\"op\":\"hello\"}") + "\n");
        assertThat(rs).hasSize(8);
        assertThat(rs.subList(0, 7)).allSatisfy(r -> assertThat(r.get("ok").asBoolean()).isFalse());
        assertThat(rs.get(0).at("/error/code").asText()).isEqualTo("malformed");
        assertThat(rs.get(1).at("/error/code").asText()).isEqualTo("malformed");
        assertThat(rs.get(2).at("/error/code").asText()).isEqualTo("bad_field");
        assertThat(rs.get(2).get("id").asInt()).isEqualTo(1);
        assertThat(rs.get(3).at("/error/code").asText()).isEqualTo("bad_field");
        assertThat(rs.get(4).at("/error/code").asText()).isEqualTo("unknown_op");
        assertThat(rs.get(5).at("/error/code").asText()).isEqualTo("malformed");
        assertThat(rs.get(6).at("/error/code").asText()).isEqualTo("malformed");
        assertThat(rs.get(7).get("ok").asBoolean()).isTrue();
        assertThat(rs.get(7).get("id").asInt()).isEqualTo(7);
    }

    @Test
    void oversizedLineIsRejectedWithoutEndingTheSession() {
        var in = new ByteArrayOutputStream();
        byte[] big = new byte[OracleServer.MAX_LINE_BYTES + 10];
        java.util.Arrays.fill(big, (byte) 'x');
        in.writeBytes(big);
        in.writeBytes("\n{\"id\":9,\"op\":\"hello\"}\n".getBytes(StandardCharsets.UTF_8));
        CliRun r = CliRun.withStdin(in.toByteArray(), "serve", "--stdio");
        assertThat(r.rc()).isZero();
        List<JsonNode> rs = r.jsonLines();
        assertThat(rs).hasSize(2);
        assertThat(rs.get(0).at("/error/code").asText()).isEqualTo("too_long");
        assertThat(rs.get(0).at("/error/message").asText()).contains(String.valueOf(OracleServer.MAX_LINE_BYTES + 10));
        assertThat(rs.get(1).get("ok").asBoolean()).isTrue();
    }

    @Test
    void lineOfExactlyTheLimitIsAccepted() {
        String prefix = "{\"id\":1,\"op\":\"hello\",\"pad\":\"";
        String suffix = "\"}";
        String pad = "a".repeat(OracleServer.MAX_LINE_BYTES - prefix.length() - suffix.length());
        List<JsonNode> rs = serve(prefix + pad + suffix + "\n");
        assertThat(rs).hasSize(1);
        assertThat(rs.get(0).get("ok").asBoolean()).isTrue();
    }

    @Test
    void lastLineWithoutNewlineAndCrLfAreServed() {
        List<JsonNode> rs = serve("{\"id\":1,\"op\":\"hello\"}\r\n\n   \n{\"id\":2,\"op\":\"hello\"}");
        assertThat(rs).extracting(r -> r.get("id").asInt()).containsExactly(1, 2);
    }

    @Test
    void serveWithoutStdioIsAUsageError() {
        CliRun r = CliRun.run("serve");
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("--stdio");
    }
}
