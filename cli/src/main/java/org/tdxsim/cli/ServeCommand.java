package org.tdxsim.cli;

import org.tdxsim.cli.serve.OracleServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tdxsim serve --stdio}: the JSON-lines oracle protocol (see the README's "Oracle protocol"). */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve the simulator as a test oracle (JSON lines on stdin/stdout).",
            "One request per stdin line, one response per stdout line.",
            "Only the simulator is reachable; no file, process or /dev/kvm access."},
        footer = {"", "Example:", "  echo '{\"id\":1,\"op\":\"explain\",\"status\":\"0xC000010000000045\"}' | tdxsim serve --stdio"})
final class ServeCommand extends Cmd {

    @Option(names = "--stdio", required = true, description = "Use stdin/stdout (the only transport).")
    boolean stdio;

    @Override
    int execute() throws Exception {
        new OracleServer(JsonInput.mapper()).serve(in(), main().rawOut());
        return OK;
    }
}
