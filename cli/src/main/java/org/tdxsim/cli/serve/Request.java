package org.tdxsim.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import org.tdxsim.cli.BadInput;
import org.tdxsim.cli.Numbers;

/** One decoded request line, with typed accessors that fail as {@link ProtocolError#bad_field}. */
record Request(JsonNode id, String op, ObjectNode body) {

    JsonNode node(String field) {
        return body.path(field);
    }

    boolean has(String field) {
        JsonNode n = body.get(field);
        return n != null && !n.isNull();
    }

    String string(String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            throw missing(field, "a string");
        }
        if (!n.isTextual()) {
            throw bad(field, "expected a string");
        }
        return n.asText();
    }

    Optional<String> optString(String field) {
        return has(field) ? Optional.of(string(field)) : Optional.empty();
    }

    /** An unsigned number of {@code bits} width, given as a JSON number or a "0x…"/decimal string. */
    long unsigned(String field, int bits) {
        if (!has(field)) {
            throw missing(field, "a " + bits + "-bit number");
        }
        return unsigned(field, body.get(field), bits);
    }

    long unsigned(String field, int bits, long dflt) {
        return has(field) ? unsigned(field, bits) : dflt;
    }

    static long unsigned(String path, JsonNode n, int bits) {
        try {
            return Numbers.unsigned(path, n, bits);
        } catch (BadInput e) {
            throw new ProtocolError(ProtocolError.Code.bad_field, e.getMessage());
        }
    }

    boolean bool(String field, boolean dflt) {
        if (!has(field)) {
            return dflt;
        }
        JsonNode n = body.get(field);
        if (!n.isBoolean()) {
            throw bad(field, "expected true or false");
        }
        return n.booleanValue();
    }

    static ProtocolError missing(String field, String what) {
        return new ProtocolError(ProtocolError.Code.bad_field, field + ": missing (expected " + what + ")");
    }

    static ProtocolError bad(String field, String problem) {
        return new ProtocolError(ProtocolError.Code.bad_field, field + ": " + problem);
    }
}
