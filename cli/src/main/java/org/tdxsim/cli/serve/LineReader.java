package org.tdxsim.cli.serve;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads newline-terminated lines with a hard size limit. A line longer than the limit is consumed
 * up to its newline and reported as {@link Line.TooLong}, so one oversized request costs the client
 * one error response, not the session (and never the server's memory).
 */
final class LineReader {

    /** One framed input line. */
    sealed interface Line {
        /** A complete line (without the terminator; a trailing CR is removed too). */
        record Text(byte[] bytes) implements Line {}

        /** A line that exceeded the limit; {@code length} is how many bytes it had. */
        record TooLong(long length) implements Line {}

        /** End of input. */
        record End() implements Line {}
    }

    private final InputStream in;
    private final int limit;
    private final byte[] buf = new byte[8192];
    private int pos;
    private int len;

    LineReader(InputStream in, int limit) {
        this.in = in;
        this.limit = limit;
    }

    Line next() throws IOException {
        byte[] line = new byte[256];
        int n = 0;
        long total = 0;
        boolean tooLong = false;
        while (true) {
            if (pos == len) {
                len = in.read(buf, 0, buf.length);
                pos = 0;
                if (len <= 0) {
                    len = 0;
                    if (total == 0) {
                        return new Line.End();
                    }
                    break; // last line without a newline
                }
            }
            byte b = buf[pos++];
            if (b == '\n') {
                break;
            }
            total++;
            if (tooLong) {
                continue;
            }
            if (n == limit) {
                tooLong = true;
                line = null;
                continue;
            }
            if (n == line.length) {
                line = Arrays.copyOf(line, Math.min(limit, line.length * 2));
            }
            line[n++] = b;
        }
        if (tooLong) {
            return new Line.TooLong(total);
        }
        if (n > 0 && line[n - 1] == '\r') {
            n--;
        }
        return new Line.Text(Arrays.copyOf(line, n));
    }
}
