package org.tdxsim.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads user-supplied JSON (files or {@code -} for stdin) into a tree, turning every I/O or syntax
 * problem into a one-line {@link BadInput}: {@code cpuid.json: line 4, column 9: unexpected character '}'}.
 */
public final class JsonInput {
    private JsonInput() {}

    /** Upper bound on a JSON input file; a CPUID table or a captured host is a few tens of KiB. */
    static final long MAX_FILE_BYTES = 16L << 20;

    private static final class Holder {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    /** The shared mapper (created on first use; Jackson's start-up cost is paid only by commands that need it). */
    public static ObjectMapper mapper() {
        return Holder.MAPPER;
    }

    /** Reads {@code name} ({@code -} = {@code stdin}) and parses it as one JSON document. */
    public static JsonNode readFile(String name, InputStream stdin) {
        byte[] bytes;
        try {
            if ("-".equals(name)) {
                bytes = stdin.readNBytes((int) MAX_FILE_BYTES + 1);
            } else {
                Path p = Path.of(name);
                if (Files.isDirectory(p)) {
                    throw new BadInput(name, "is a directory, expected a JSON file");
                }
                if (Files.size(p) > MAX_FILE_BYTES) {
                    throw new BadInput(name, "larger than " + (MAX_FILE_BYTES >> 20) + " MiB; not a CPUID/profile file");
                }
                bytes = Files.readAllBytes(p);
            }
        } catch (NoSuchFileException e) {
            throw new BadInput(name, "no such file");
        } catch (AccessDeniedException e) {
            throw new BadInput(name, "permission denied");
        } catch (IOException | java.nio.file.InvalidPathException e) {
            throw new BadInput(name, "cannot read: " + e.getMessage());
        }
        if (bytes.length > MAX_FILE_BYTES) {
            throw new BadInput(name, "larger than " + (MAX_FILE_BYTES >> 20) + " MiB");
        }
        return parse(name, bytes);
    }

    /** Parses {@code bytes} as exactly one JSON document. */
    public static JsonNode parse(String name, byte[] bytes) {
        try (var parser = mapper().createParser(bytes)) {
            JsonNode node = mapper().readTree(parser);
            if (node == null || node.isMissingNode()) {
                throw new BadInput(name, "empty, expected JSON");
            }
            if (parser.nextToken() != null) {
                JsonLocation loc = parser.currentLocation();
                throw new BadInput(name, where(loc) + "unexpected content after the JSON value");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new BadInput(name, where(e.getLocation()) + "malformed JSON: " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new BadInput(name, "cannot read: " + e.getMessage());
        }
    }

    private static String where(JsonLocation loc) {
        return loc == null || loc.getLineNr() < 0 ? "" : "line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ": ";
    }

    static String firstLine(String s) {
        if (s == null) {
            return "unknown problem";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 160 ? line.substring(0, 157) + "..." : line;
    }
}
