package org.tdxsim.cli;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Entry point of the {@code tdxsim} command. Exit codes: 0 ok, 1 a check failed, 2 usage or input error.
 *
 * <p>Start-up matters (the command is run in loops by scripts and CI), so sub-commands keep their
 * static initialisation empty and load module/platform profiles only when they need them.
 */
@Command(name = "tdxsim", mixinStandardHelpOptions = true, version = "tdxsim 0.1.0",
        description = "Simulator of the Intel TDX module and Linux KVM's TDX ioctl layer.",
        footer = {"", "Exit codes: 0 ok, 1 a check failed, 2 usage or input error."})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--color", defaultValue = "auto", paramLabel = "WHEN",
            description = "Colour human output: auto (only on a terminal), always, never. Default: ${DEFAULT-VALUE}.")
    ColorMode color = ColorMode.auto;

    /** {@code --color} values. */
    enum ColorMode { auto, always, never }

    private final InputStream stdin;
    private final OutputStream rawOut;
    private final boolean systemOut;

    private Main(InputStream stdin, OutputStream rawOut, boolean systemOut) {
        this.stdin = stdin;
        this.rawOut = rawOut;
        this.systemOut = systemOut;
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line on the process's streams and returns the exit code. */
    public static int run(String... args) {
        return run(System.in, System.out, System.err, true, args);
    }

    /**
     * Runs the command line on the given streams (tests capture output this way) and returns the
     * exit code. Colour is off unless {@code --color=always}.
     */
    public static int run(InputStream in, OutputStream out, OutputStream err, String... args) {
        return run(in, out, err, false, args);
    }

    /**
     * The sub-commands, in help order. picocli builds a command's model by reflection, which is a large
     * part of start-up; so only the sub-command being run is registered, unless the top-level help (or
     * an unknown name) needs them all.
     */
    private static final LinkedHashMap<String, Class<?>> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("conformance", ConformanceCommand.class);
        COMMANDS.put("check", CheckCommand.class);
        COMMANDS.put("explain", ExplainCommand.class);
        COMMANDS.put("profiles", ProfilesCommand.class);
        COMMANDS.put("decision-table", DecisionTableCommand.class);
        COMMANDS.put("probe", ProbeCommand.class);
        COMMANDS.put("capture-host", CaptureHostCommand.class);
        COMMANDS.put("serve", ServeCommand.class);
        COMMANDS.put("cds-training", CdsTrainingCommand.class);
    }

    private static int run(InputStream in, OutputStream out, OutputStream err, boolean systemOut, String... args) {
        Main main = new Main(in, out, systemOut);
        CommandLine cl = new CommandLine(main);
        String first = firstCommandWord(args);
        if (first != null && COMMANDS.containsKey(first)) {
            cl.addSubcommand(first, COMMANDS.get(first));
        } else {
            COMMANDS.forEach(cl::addSubcommand);
            cl.addSubcommand("help", new CommandLine.HelpCommand());
        }
        cl.setOut(writer(out));
        cl.setErr(writer(err));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // One line per user error, naming the input and the problem; never a stack trace.
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println(cmd.getCommandSpec().qualifiedName(" ") + ": " + JsonInput.firstLine(ex.getMessage())
                    + " (see '" + cmd.getCommandSpec().qualifiedName(" ") + " --help')");
            cmd.getErr().flush();
            return Cmd.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            String who = cmd.getCommandSpec().qualifiedName(" ");
            if (ex instanceof BadInput bad) {
                cmd.getErr().println(who + ": " + bad.getMessage());
            } else {
                // A bug in tdxsim, not the user's fault; still one line unless asked for the trace.
                cmd.getErr().println(who + ": internal error (please report): " + ex);
                if (System.getenv("TDXSIM_DEBUG") != null) {
                    ex.printStackTrace(cmd.getErr());
                }
            }
            cmd.getErr().flush();
            return Cmd.USAGE;
        });
        int rc = cl.execute(args);
        cl.getOut().flush();
        cl.getErr().flush();
        return rc;
    }

    /** The first argument that is not a top-level option ({@code --color=never check ...} → {@code check}). */
    private static String firstCommandWord(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--color")) {
                i++;
            } else if (!a.startsWith("-")) {
                return a;
            }
        }
        return null;
    }

    private static PrintWriter writer(OutputStream s) {
        return new PrintWriter(new OutputStreamWriter(s, StandardCharsets.UTF_8), true);
    }

    InputStream stdin() {
        return stdin;
    }

    /** The unwrapped stdout, for protocols that frame their own output (serve). */
    OutputStream rawOut() {
        return rawOut;
    }

    Style style() {
        return Style.forMode(color.name(), systemOut);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
