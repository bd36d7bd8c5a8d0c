package org.tdxsim.cli.serve;

/**
 * A request the server cannot act on (malformed, unknown op, missing or out-of-range field, unknown
 * handle). Answered as {@code {"id":…, "ok":false, "error":{"code":…, "message":…}}}; the session
 * continues. Distinct from a simulated failure (a TDX status or an errno), which is a normal
 * {@code "ok":true} answer carrying that status.
 */
final class ProtocolError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Machine-readable error codes of the protocol. */
    enum Code {
        /** The line is not one JSON object. */
        malformed,
        /** The line exceeds the size limit. */
        too_long,
        /** No such {@code op}. */
        unknown_op,
        /** A field is missing, of the wrong type, or out of range. */
        bad_field,
        /** No such handle in this session, or a handle of the wrong kind. */
        bad_handle,
        /** A session limit (handles) is reached. */
        limit,
        /** The server failed; a bug in tdxsim. */
        internal
    }

    private final Code code;

    ProtocolError(Code code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    Code code() {
        return code;
    }
}
