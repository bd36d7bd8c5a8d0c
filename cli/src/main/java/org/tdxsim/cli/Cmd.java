package org.tdxsim.cli;

import java.io.InputStream;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Base of every {@code tdxsim} sub-command: gives access to the streams and style chosen by
 * {@link Main#run} (so tests capture output in-process) and fixes the exit-code convention.
 */
abstract class Cmd implements Callable<Integer> {

    /** All went well. */
    static final int OK = 0;
    /** The command ran and its check failed (e.g. KVM_TDX_INIT_VM would be rejected, a conformance check failed). */
    static final int CHECK_FAILED = 1;
    /** Usage error or unusable input. */
    static final int USAGE = 2;

    @Spec
    CommandSpec spec;

    final Main main() {
        return (Main) spec.root().userObject();
    }

    final PrintWriter out() {
        return spec.commandLine().getOut();
    }

    final PrintWriter err() {
        return spec.commandLine().getErr();
    }

    final InputStream in() {
        return main().stdin();
    }

    final Style style() {
        return main().style();
    }

    /** Command path for messages, e.g. {@code tdxsim profiles show}. */
    final String path() {
        return spec.qualifiedName(" ");
    }

    @Override
    public final Integer call() throws Exception {
        int rc = execute();
        out().flush();
        return rc;
    }

    abstract int execute() throws Exception;
}
