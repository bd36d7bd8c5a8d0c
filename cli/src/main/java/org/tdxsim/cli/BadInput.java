package org.tdxsim.cli;

/**
 * A user error: an input the command cannot use. Rendered as one line naming the input and the
 * problem ({@code tdxsim check: cpuid.json: [3].eax: 0x1ffffffff does not fit in 32 bits}); exit 2.
 * Never carries a stack trace to the user.
 */
public final class BadInput extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String input;
    private final String problem;

    /** @param input what the user gave (a file name, an option, a JSON path); @param problem why it is unusable */
    public BadInput(String input, String problem) {
        super(input + ": " + problem, null, false, false);
        this.input = input;
        this.problem = problem;
    }

    public String input() {
        return input;
    }

    public String problem() {
        return problem;
    }

    /** The same problem, with the input named inside a bigger one (e.g. the file around a JSON path). */
    public BadInput within(String outer) {
        return new BadInput(outer + ": " + input, problem);
    }
}
