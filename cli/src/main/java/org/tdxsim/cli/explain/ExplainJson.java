package org.tdxsim.cli.explain;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** JSON form of the explain reports, shared by {@code explain --json} and the serve protocol. */
public final class ExplainJson {
    private ExplainJson() {}

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    public static ObjectNode status(StatusReport r) {
        ObjectNode o = F.objectNode();
        o.put("status", String.format("0x%016X", r.value()));
        o.put("error", r.error());
        o.put("non_recoverable", r.nonRecoverable());
        o.put("fatal", r.fatal());
        o.put("host_recoverability_hint", r.hostRecoverabilityHint());
        o.put("recoverable", r.recoverable());
        o.put("class", r.classCode());
        o.put("details_l1", r.detailsL1());
        o.put("operand", Integer.toUnsignedLong(r.operand()));
        ArrayNode vs = o.putArray("versions");
        for (StatusReport.VersionName v : r.versions()) {
            ObjectNode n = vs.addObject();
            n.put("module", v.module());
            v.name().ifPresentOrElse(x -> n.put("name", x), () -> n.putNull("name"));
            v.operandName().ifPresentOrElse(x -> n.put("operand_name", x), () -> n.putNull("operand_name"));
            n.put("describe", v.describe());
        }
        o.put("consistent_across_versions", r.consistent());
        ArrayNode notes = o.putArray("notes");
        r.notes().forEach(notes::add);
        return o;
    }

    public static ObjectNode errno(ErrnoReport r) {
        ObjectNode o = F.objectNode();
        o.put("errno", r.errno());
        o.put("number", r.number());
        o.put("message", r.message());
        if (r.ioctl().isEmpty()) {
            o.putNull("ioctl");
        } else {
            o.put("ioctl", r.ioctl());
        }
        checks(o.putArray("dispatch_checks"), r.dispatch());
        checks(o.putArray("checks"), r.checks());
        ArrayNode ret = o.putArray("ioctl_errnos");
        r.returnedByIoctl().forEach(ret::add);
        return o;
    }

    private static void checks(ArrayNode a, Iterable<KernelCheck> ks) {
        for (KernelCheck k : ks) {
            ObjectNode n = a.addObject();
            n.put("ioctl", k.ioctl());
            n.put("step", k.step());
            n.put("errno", k.errno());
            n.put("condition", k.condition());
            n.put("function", k.function());
            n.put("since", k.since());
            n.put("source", "kvm-tdx-uapi.md " + k.source());
        }
    }
}
