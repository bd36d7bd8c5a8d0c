package org.tdxsim.cli;

import java.util.Optional;
import org.tdxsim.cli.explain.ErrnoExplainer;
import org.tdxsim.cli.explain.ErrnoReport;
import org.tdxsim.cli.explain.ExplainJson;
import org.tdxsim.cli.explain.KernelCheck;
import org.tdxsim.cli.explain.StatusExplainer;
import org.tdxsim.cli.explain.StatusReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tdxsim explain STATUS} and {@code tdxsim explain --errno E --ioctl NAME}. */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = {"Decode a TDX status, or say why a KVM TDX ioctl returned an errno.",
            "A status is named per module version (differences shown); an errno is traced to the kernel checks",
            "that return it, in the kernel's order (kvm-tdx-uapi.md §3)."},
        footer = {"", "Examples:", "  tdxsim explain 0xC000010000000045", "  tdxsim explain 0xC000010000000045 --module 1.0",
            "  tdxsim explain --errno EINVAL --ioctl KVM_TDX_INIT_VM"})
final class ExplainCommand extends Cmd {

    @Parameters(arity = "0..1", paramLabel = "STATUS", description = "64-bit TDX status, hex (0x...) or decimal.")
    String status;

    @Option(names = "--module", paramLabel = "V", description = "Module version to name the status with first (default: all).")
    String module;

    @Option(names = "--errno", paramLabel = "E", description = "errno name or number (EINVAL, 22, -22).")
    String errno;

    @Option(names = "--ioctl", paramLabel = "NAME", description = "ioctl or TDX sub-command (KVM_TDX_INIT_VM).")
    String ioctl;

    @Option(names = "--json", description = "Machine-readable output.")
    boolean json;

    @Override
    int execute() throws Exception {
        if (status != null && errno != null) {
            throw new BadInput("explain", "give either a STATUS or --errno, not both");
        }
        if (status == null && errno == null) {
            throw new BadInput("explain", "nothing to explain: give a STATUS (0xC000010000000045) or --errno E");
        }
        if (status != null) {
            if (ioctl != null) {
                throw new BadInput("--ioctl", "only applies with --errno");
            }
            long v = Numbers.unsigned("STATUS", status, 64);
            var m = Optional.ofNullable(module).map(x -> Profiles.module("--module", x));
            StatusReport r = StatusExplainer.explain(v, m);
            if (json) {
                out().println(JsonInput.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(ExplainJson.status(r)));
            } else {
                printStatus(r);
            }
            return OK;
        }
        if (module != null) {
            throw new BadInput("--module", "only applies to a STATUS, not to --errno");
        }
        var e = ErrnoExplainer.parseErrno("--errno", errno);
        var i = Optional.ofNullable(ioctl).map(x -> ErrnoExplainer.parseIoctl("--ioctl", x));
        ErrnoReport r = ErrnoExplainer.explain(e, i);
        if (json) {
            out().println(JsonInput.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(ExplainJson.errno(r)));
        } else {
            printErrno(r);
        }
        return OK;
    }

    private void printStatus(StatusReport r) {
        var s = style();
        var o = out();
        String head = r.versions().getFirst().describe();
        o.println(s.bold(Numbers.hex64(r.value())) + "  " + (r.error() ? s.red(head) : s.green(head)));
        o.printf("  bit 63     error                     %d%n", r.error() ? 1 : 0);
        o.printf("  bit 62     non_recoverable           %d%n", r.nonRecoverable() ? 1 : 0);
        o.printf("  bit 61     fatal                     %d%n", r.fatal() ? 1 : 0);
        o.printf("  bit 60     host_recoverability_hint  %d%n", r.hostRecoverabilityHint() ? 1 : 0);
        o.printf("  bits 47:40 class                     0x%02X%n", r.classCode());
        o.printf("  bits 39:32 details_l1                0x%02X%n", r.detailsL1());
        String opName = r.operand() == 0 ? "" : r.versions().getFirst().operandName().map(n -> " = " + n).orElse("");
        o.printf("  bits 31:0  operand / details         0x%08X (%d)%s%n", r.operand(), Integer.toUnsignedLong(r.operand()), opName);
        String rec;
        if (r.value() == 0) {
            rec = "success";
        } else if (!r.error()) {
            rec = "bit 63 clear: the call itself did not fail" + (r.nonRecoverable() ? ", but it reports a non-recoverable state" : "");
        } else if (r.recoverable()) {
            rec = "recoverable: the host may retry (e.g. a BUSY status)";
        } else {
            rec = "not recoverable: the same call with the same inputs fails again";
        }
        o.println("  " + rec + (r.fatal() ? "; FATAL: the TD cannot continue" : ""));
        o.println();
        o.println(s.bold("  per module version") + (r.consistent() ? s.dim("  (all agree)") : s.yellow("  (versions differ)")));
        for (StatusReport.VersionName v : r.versions()) {
            String d = v.name().isPresent() ? v.describe() : s.yellow("unknown to this version");
            o.printf("    %-8s %s%n", v.module(), d);
        }
        if (!r.notes().isEmpty()) {
            o.println();
            for (String n : r.notes()) {
                o.println("  - " + n);
            }
        }
    }

    private void printErrno(ErrnoReport r) {
        var s = style();
        var o = out();
        String what = r.ioctl().isEmpty() ? "any KVM TDX ioctl" : r.ioctl();
        o.println(s.bold(r.errno()) + " (" + r.number() + ", " + r.message() + ") from " + what);
        if (r.dispatch().isEmpty() && r.checks().isEmpty()) {
            o.println("  Linux (6.16 and the later changes in kvm-tdx-uapi.md §8) does not return " + r.errno() + " from " + what
                    + " in any documented check.");
            if (!r.returnedByIoctl().isEmpty()) {
                o.println("  " + r.ioctl() + " returns: " + String.join(", ", r.returnedByIoctl()));
            }
            return;
        }
        o.println("  the kernel returns it when (in its check order):");
        if (!r.dispatch().isEmpty()) {
            o.println(s.bold("  dispatch (KVM_MEMORY_ENCRYPT_OP), before the sub-command runs"));
            r.dispatch().forEach(k -> printCheck(k, r.ioctl().isEmpty()));
        }
        if (!r.checks().isEmpty()) {
            if (!r.ioctl().isEmpty()) {
                o.println(s.bold("  " + r.ioctl()));
            }
            r.checks().forEach(k -> printCheck(k, r.ioctl().isEmpty()));
        }
        if (r.errno().equals("EINVAL") && r.ioctl().equals("KVM_TDX_INIT_VM")) {
            o.println("  If kvm_tdx_cmd.hw_error is non-zero, the TDX module rejected TD_PARAMS: run 'tdxsim explain <hw_error>'.");
            o.println("  'tdxsim check' answers all of these before you create the TD.");
        }
    }

    private void printCheck(KernelCheck k, boolean withIoctl) {
        String since = k.since().equals("6.16") ? "" : " [" + k.since() + "]";
        out().printf("    %d. %s%s%s%n", k.step(), withIoctl ? k.ioctl() + ": " : "", k.condition(), since);
        out().println(style().dim("       " + k.function() + "; kvm-tdx-uapi.md " + k.source()));
    }
}
