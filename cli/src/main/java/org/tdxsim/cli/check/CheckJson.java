package org.tdxsim.cli.check;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.tdxsim.kvm.KvmError;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.module.cpuid.CpuidBitNames;
import org.tdxsim.module.cpuid.CpuidClassifier;
import org.tdxsim.module.status.Explanation;

/** JSON form of a {@link CheckReport} ({@code check --json} and the serve protocol's {@code check}). */
public final class CheckJson {
    private CheckJson() {}

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    public static ObjectNode of(CheckReport r) {
        ObjectNode o = F.objectNode();
        o.put("module", r.module());
        o.put("platform", r.platform());
        o.put("kernel", r.kernel());
        o.put("method", "KVM_CREATE_VM + KVM_TDX_CAPABILITIES + KVM_TDX_INIT_VM on a throw-away simulated kernel");
        o.put("attributes", hex64(r.attributes()));
        o.put("xfam", hex64(r.xfam()));
        r.supportedAttrs().ifPresent(v -> o.put("supported_attrs", hex64(v)));
        r.supportedXfam().ifPresent(v -> o.put("supported_xfam", hex64(v)));
        ObjectNode init = o.putObject("init_vm");
        init.put("ok", r.succeeded());
        if (r.initVm() instanceof CheckReport.Outcome.Failed(KvmError e)) {
            init.put("ioctl", e.tdxCommand().map(Enum::name).orElse(e.ioctl()));
            init.put("errno", e.errno());
            init.put("errno_name", e.errnoName());
            if (e.hwError().isPresent()) {
                init.put("hw_error", hex64(e.hwError().getAsLong()));
                e.hwErrorName().ifPresent(n -> init.put("hw_error_name", n));
            } else {
                init.putNull("hw_error");
            }
            e.explanation().ifPresentOrElse(x -> init.put("explanation", x), () -> init.putNull("explanation"));
        }
        r.moduleRejection().ifPresentOrElse(x -> o.set("module_rejection", explanation(x)), () -> o.putNull("module_rejection"));
        bits(o.putArray("denied"), r.denied());
        bits(o.putArray("granted_unrequested"), r.granted());
        entries(o.putArray("not_virtualized"), r.notVirtualized());
        o.put("guest_cpuid_source", r.guestCpuidSource());
        entries(o.putArray("guest_cpuid"), r.guestCpuid());
        return o;
    }

    private static void bits(ArrayNode a, List<CpuidClassifier.BitReport> bits) {
        for (var b : bits) {
            ObjectNode n = a.addObject();
            n.put("leaf", hex32(b.leaf().leaf()));
            if (b.leaf().hasSubleaf()) {
                n.put("subleaf", b.leaf().subleaf());
            } else {
                n.putNull("subleaf");
            }
            n.put("reg", b.reg().jsonKey());
            n.put("bit", b.bit());
            CpuidBitNames.name(b.leaf().leaf(), b.leaf().subleaf(), b.reg(), b.bit())
                    .ifPresentOrElse(x -> n.put("name", x), () -> n.putNull("name"));
            n.put("class", b.bitClass().kind().name());
            n.put("label", b.bitClass().label());
            n.put("reason", b.bitClass().reason());
        }
    }

    private static void entries(ArrayNode a, List<KvmCpuidEntry2> es) {
        for (KvmCpuidEntry2 e : es) {
            ObjectNode n = a.addObject();
            n.put("function", hex32(e.function()));
            n.put("index", e.index());
            n.put("flags", e.flags());
            n.put("eax", hex32(e.eax()));
            n.put("ebx", hex32(e.ebx()));
            n.put("ecx", hex32(e.ecx()));
            n.put("edx", hex32(e.edx()));
        }
    }

    static ObjectNode explanation(Explanation e) {
        ObjectNode o = F.objectNode();
        o.put("summary", e.summary());
        ArrayNode d = o.putArray("details");
        e.details().forEach(d::add);
        return o;
    }

    static String hex64(long v) {
        return String.format("0x%016X", v);
    }

    static String hex32(int v) {
        return String.format("0x%08X", v);
    }
}
