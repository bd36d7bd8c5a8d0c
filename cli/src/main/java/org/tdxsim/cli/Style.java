package org.tdxsim.cli;

/**
 * ANSI styling for human output. Enabled only when stdout is a terminal (and {@code NO_COLOR} is
 * unset, {@code TERM} is not {@code dumb}), or when the user asks with {@code --color=always}; so
 * pipes, files, tests and {@code --json} output never contain escape codes.
 */
public record Style(boolean enabled) {

    public static final Style PLAIN = new Style(false);

    /** Whether colour should be used for {@code mode} (auto|always|never) when writing to System.out. */
    static Style forMode(String mode, boolean outIsSystemOut) {
        return switch (mode) {
            case "always" -> new Style(true);
            case "never" -> PLAIN;
            default -> new Style(outIsSystemOut && isTerminal());
        };
    }

    private static boolean isTerminal() {
        if (System.getenv("NO_COLOR") != null || "dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        var console = System.console();
        return console != null && console.isTerminal();
    }

    private String wrap(String code, String s) {
        return enabled ? "\u001b[" + code + "m" + s + "\u001b[0m" : s;
    }

    public String bold(String s) {
        return wrap("1", s);
    }

    public String dim(String s) {
        return wrap("2", s);
    }

    public String red(String s) {
        return wrap("31", s);
    }

    public String green(String s) {
        return wrap("32", s);
    }

    public String yellow(String s) {
        return wrap("33", s);
    }

    public String cyan(String s) {
        return wrap("36", s);
    }

    /** "ok"/"FAIL" coloured by outcome. */
    public String verdict(boolean ok, String text) {
        return ok ? green(text) : red(text);
    }
}
