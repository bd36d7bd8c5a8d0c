package org.tdxsim.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code tdxsim} command. Exit codes: 0 ok, 1 a check failed, 2 usage or input error. */
@Command(name = "tdxsim", mixinStandardHelpOptions = true, version = "tdxsim 0.1.0",
        description = "Simulator of the Intel TDX module and Linux KVM's TDX ioctl layer.")
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (tests call this instead of {@link #main}). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        // picocli's default for invalid input is already 2 (ExitCode.USAGE). An unexpected exception is
        // a bug in tdxsim, but the user still gets one line, not a stack trace.
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            cmd.getErr().println("tdxsim: internal error: " + ex);
            return 2;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
