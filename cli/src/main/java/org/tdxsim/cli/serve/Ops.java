package org.tdxsim.cli.serve;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import org.tdxsim.cli.Profiles;
import org.tdxsim.cli.explain.ErrnoExplainer;
import org.tdxsim.cli.explain.ExplainJson;
import org.tdxsim.cli.explain.StatusExplainer;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.profile.ModuleProfiles;

/** Registers the protocol's domain operations (SEAMCALL level, KVM level, explain/check). */
final class Ops {
    private Ops() {}

    static void registerAll(OracleServer server, Session session) {
        server.register("profiles", r -> {
            ObjectNode o = OracleServer.obj();
            var ms = o.putArray("modules");
            ModuleProfiles.versions().forEach(ms::add);
            var ps = o.putArray("platforms");
            PlatformProfiles.names().forEach(ps::add);
            o.put("default_module", Profiles.defaultModule());
            o.put("default_platform", Profiles.defaultPlatform());
            return o;
        });
        server.register("explain", Ops::explain);
        SeamOps.register(server, session);
        KvmOps.register(server, session);
        server.register("close", r -> {
            session.remove(r.string("handle"));
            return OracleServer.obj();
        });
    }

    /** {@code {"op":"explain","status":"0x…"[,"module":"1.5.06"]}} or {@code {"op":"explain","errno":"EINVAL"[,"ioctl":…]}}. */
    private static ObjectNode explain(Request r) {
        if (r.has("status") == r.has("errno")) {
            throw Request.bad("status", "give exactly one of status or errno");
        }
        if (r.has("status")) {
            long v = r.unsigned("status", 64);
            var m = r.optString("module").map(x -> Profiles.builtInModule("module", x));
            return ExplainJson.status(StatusExplainer.explain(v, m));
        }
        var e = ErrnoExplainer.parseErrno("errno", r.node("errno").asText());
        Optional<String> i = r.optString("ioctl").map(x -> ErrnoExplainer.parseIoctl("ioctl", x));
        return ExplainJson.errno(ErrnoExplainer.explain(e, i));
    }
}
