package org.tdxsim.module.profile;

/**
 * A module or platform profile file is malformed. The message names the file, the JSON path (for
 * example {@code $.cpuidConfigurable[3].configDirect.ebx}) and the problem ("missing key",
 * "not a hex string", "out of range"); it never carries a parser stack trace as its message.
 */
public final class ProfileFormatException extends Exception {

    private final String file;
    private final String jsonPath;
    private final String problem;

    public ProfileFormatException(String file, String jsonPath, String problem) {
        super(file + ": " + jsonPath + ": " + problem);
        this.file = file;
        this.jsonPath = jsonPath;
        this.problem = problem;
    }

    /** The file (or built-in resource) the problem is in. */
    public String file() {
        return file;
    }

    /** JSONPath of the offending value, {@code $} for the document itself. */
    public String jsonPath() {
        return jsonPath;
    }

    /** What is wrong, in one phrase. */
    public String problem() {
        return problem;
    }
}
