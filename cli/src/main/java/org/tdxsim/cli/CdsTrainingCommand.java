package org.tdxsim.cli;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;

/**
 * Hidden: the launcher's AppCDS training run. Runs the common commands in-process with output
 * discarded, so the class-data archive written at exit holds the classes they load (picocli, Jackson,
 * the profiles, the simulated kernel), and later cold starts map them instead of loading them.
 */
@Command(name = "cds-training", hidden = true, description = "Internal: AppCDS training run of the launcher.")
final class CdsTrainingCommand extends Cmd {

    static final String[][] RUNS = {
        {"explain", "0xC000010000000045"},
        {"explain", "--errno", "EINVAL", "--ioctl", "KVM_TDX_INIT_VM", "--json"},
        {"profiles", "list"},
    };

    /** A one-leaf CPUID table (GuestPhysBits 48): enough to run the whole INIT_VM path once. */
    static final String CHECK_INPUT = "[{\"function\":\"0x80000008\",\"index\":0,\"eax\":\"0x00300000\"}]";

    static final String SERVE_INPUT = String.join("\n",
            "{\"id\":1,\"op\":\"hello\"}",
            "{\"id\":2,\"op\":\"explain\",\"status\":\"0xC000010000000045\"}",
            "{\"id\":3,\"op\":\"module.new\",\"handle\":\"m\"}",
            "{\"id\":4,\"op\":\"seamcall\",\"handle\":\"m\",\"leaf\":\"TDH.SYS.RD\",\"rdx\":\"0x8800000200000000\"}") + "\n";

    @Override
    int execute() {
        for (String[] args : RUNS) {
            Main.run(InputStreamNull.INSTANCE, OutputStream.nullOutputStream(), OutputStream.nullOutputStream(), args);
        }
        Main.run(new ByteArrayInputStream(CHECK_INPUT.getBytes(StandardCharsets.UTF_8)), OutputStream.nullOutputStream(),
                OutputStream.nullOutputStream(), "check", "-");
        Main.run(new ByteArrayInputStream(SERVE_INPUT.getBytes(StandardCharsets.UTF_8)), OutputStream.nullOutputStream(),
                OutputStream.nullOutputStream(), "serve", "--stdio");
        return OK;
    }

    private static final class InputStreamNull {
        static final java.io.InputStream INSTANCE = java.io.InputStream.nullInputStream();
    }
}
