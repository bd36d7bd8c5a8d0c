package org.tdxsim.cli.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code tdxsim serve --stdio}: the simulator as an oracle for test suites in any language. One JSON
 * request per input line, one JSON response per output line, in order. The protocol only reaches the
 * simulator: no request can open a file, start a process or touch the network, and {@code /dev/kvm} is
 * never used (the device backend is not offered here).
 *
 * <p>Framing rules: a line longer than {@link #MAX_LINE_BYTES} or that is not a JSON object gets an
 * error response and the server reads the next line; end of input ends the session. Responses echo the
 * request's {@code id} (any JSON value; {@code null} when the line could not be parsed).
 */
public final class OracleServer {

    /** Protocol version reported by {@code hello}; bumped on incompatible changes. */
    public static final int PROTOCOL_VERSION = 1;

    /** Largest accepted request line (a KVM_TDX_INIT_VM with 256 CPUID entries is about 40 KiB). */
    public static final int MAX_LINE_BYTES = 1 << 20;

    private final ObjectMapper mapper;
    private final Session session;
    private final Map<String, Function<Request, ObjectNode>> ops = new LinkedHashMap<>();

    public OracleServer(ObjectMapper mapper) {
        this.mapper = mapper;
        this.session = new Session();
        register("hello", this::hello);
        register("ops", r -> {
            ObjectNode o = obj();
            var arr = o.putArray("ops");
            ops.keySet().forEach(arr::add);
            return o;
        });
        Ops.registerAll(this, session);
    }

    void register(String op, Function<Request, ObjectNode> handler) {
        ops.put(op, handler);
    }

    static ObjectNode obj() {
        return JsonNodeFactory.instance.objectNode();
    }

    private ObjectNode hello(Request r) {
        ObjectNode o = obj();
        o.put("server", "tdxsim");
        o.put("protocol", PROTOCOL_VERSION);
        o.put("max_line_bytes", MAX_LINE_BYTES);
        return o;
    }

    /** Serves until end of input; returns the number of requests answered. */
    public long serve(InputStream in, OutputStream out) throws IOException {
        LineReader reader = new LineReader(in, MAX_LINE_BYTES);
        long answered = 0;
        try (session) {
            while (true) {
                LineReader.Line line = reader.next();
                ObjectNode response = switch (line) {
                    case LineReader.Line.End end -> null;
                    case LineReader.Line.TooLong t -> error(NullNode.instance, new ProtocolError(ProtocolError.Code.too_long,
                            "request line of " + t.length() + " bytes exceeds the limit of " + MAX_LINE_BYTES + " bytes"));
                    case LineReader.Line.Text text -> isBlank(text.bytes()) ? obj() : handle(text.bytes());
                };
                if (response == null) {
                    return answered;
                }
                if (response.isEmpty()) {
                    continue; // blank lines are ignored, as in most line protocols
                }
                out.write(mapper.writeValueAsBytes(response));
                out.write('\n');
                out.flush();
                answered++;
            }
        }
    }

    /** Answers one request line (exposed for in-process tests and for clients that embed the server). */
    public ObjectNode handle(byte[] line) {
        JsonNode tree;
        try (var parser = mapper.createParser(line)) {
            // Floats as BigDecimal: an id such as 1e400 is echoed as the same number, not as "Infinity".
            tree = mapper.readerFor(JsonNode.class).with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                    .readTree(parser);
            if (tree != null && parser.nextToken() != null) {
                return error(NullNode.instance, new ProtocolError(ProtocolError.Code.malformed,
                        "more than one JSON value on the line; send one request per line"));
            }
        } catch (JsonProcessingException e) {
            return error(NullNode.instance, new ProtocolError(ProtocolError.Code.malformed,
                    "not JSON: " + firstLine(e.getOriginalMessage())));
        } catch (IOException e) {
            return error(NullNode.instance, new ProtocolError(ProtocolError.Code.malformed, "unreadable line"));
        } catch (NumberFormatException e) {
            return error(NullNode.instance, new ProtocolError(ProtocolError.Code.malformed,
                    "a number on the line is out of range: " + firstLine(e.getMessage())));
        }
        if (!(tree instanceof ObjectNode body)) {
            return error(NullNode.instance, new ProtocolError(ProtocolError.Code.malformed,
                    "a request must be one JSON object per line"));
        }
        JsonNode id = body.has("id") ? body.get("id") : NullNode.instance;
        JsonNode opNode = body.get("op");
        if (opNode == null || !opNode.isTextual()) {
            return error(id, new ProtocolError(ProtocolError.Code.bad_field, "op: missing (expected a string; try {\"op\":\"ops\"})"));
        }
        var handler = ops.get(opNode.asText());
        if (handler == null) {
            return error(id, new ProtocolError(ProtocolError.Code.unknown_op,
                    "unknown op '" + opNode.asText() + "' (try {\"op\":\"ops\"})"));
        }
        try {
            ObjectNode result = handler.apply(new Request(id, opNode.asText(), body));
            ObjectNode response = obj();
            response.set("id", id);
            response.put("ok", true);
            response.setAll(result);
            return response;
        } catch (ProtocolError e) {
            return error(id, e);
        } catch (org.tdxsim.cli.BadInput e) {
            return error(id, new ProtocolError(ProtocolError.Code.bad_field, e.getMessage()));
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            return error(id, new ProtocolError(ProtocolError.Code.internal, "internal error (please report): " + e));
        }
    }

    private static ObjectNode error(JsonNode id, ProtocolError e) {
        ObjectNode response = obj();
        response.set("id", id);
        response.put("ok", false);
        ObjectNode err = response.putObject("error");
        err.put("code", e.code().name());
        err.put("message", e.getMessage());
        return response;
    }

    private static boolean isBlank(byte[] b) {
        for (byte x : b) {
            if (x != ' ' && x != '\t') {
                return false;
            }
        }
        return true;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "malformed";
        }
        int nl = s.indexOf('\n');
        String l = nl < 0 ? s : s.substring(0, nl);
        return l.length() > 200 ? l.substring(0, 197) + "..." : l;
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
