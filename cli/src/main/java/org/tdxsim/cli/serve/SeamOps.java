package org.tdxsim.cli.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HexFormat;
import java.util.Locale;
import org.tdxsim.cli.Profiles;
import org.tdxsim.module.HostMemory;
import org.tdxsim.module.Leaf;
import org.tdxsim.module.Registers;
import org.tdxsim.module.SeamcallResult;
import org.tdxsim.module.TdxModule;
import org.tdxsim.module.status.Explanation;

/**
 * SEAMCALL-level operations: a {@link TdxModule} per named handle, raw SEAMCALLs with registers in and
 * out, and the module's host memory (to place TD_PARAMS, TDMR info and page contents).
 */
final class SeamOps {
    private SeamOps() {}

    /** Largest memory read/write per request. */
    static final int MAX_MEMORY_BYTES = 256 * 1024;

    static void register(OracleServer server, Session session) {
        server.register("module.new", r -> moduleNew(r, session));
        server.register("seamcall", r -> seamcall(r, session));
        server.register("td_params.encode", r -> {
            var m = Profiles.builtInModule("module", r.optString("module").orElse(Profiles.defaultModule()));
            if (!r.has("fields")) {
                throw Request.missing("fields", "an object of TD_PARAMS fields");
            }
            ObjectNode o = OracleServer.obj();
            o.put("hex", HexFormat.of().formatHex(TdParamsJson.parse(m, "fields", r.node("fields")).encode()));
            return o;
        });
        server.register("td_params.decode", r -> {
            var m = Profiles.builtInModule("module", r.optString("module").orElse(Profiles.defaultModule()));
            ObjectNode o = OracleServer.obj();
            o.set("fields", TdParamsJson.fields(TdParamsJson.parse(m, "hex", r.node("hex"))));
            return o;
        });
        server.register("memory.alloc_page", r -> {
            TdxModule m = session.get(r.string("handle"), TdxModule.class, "a module (from module.new)");
            var pa = m.memory().tryAllocatePage();
            if (pa.isEmpty()) {
                throw new ProtocolError(ProtocolError.Code.limit, "host memory exhausted: every TDMR page is allocated");
            }
            ObjectNode o = OracleServer.obj();
            o.put("pa", hex64(pa.getAsLong()));
            return o;
        });
        server.register("memory.write", r -> {
            TdxModule m = session.get(r.string("handle"), TdxModule.class, "a module (from module.new)");
            long pa = r.unsigned("pa", 64);
            byte[] data = hexBytes(r, "hex");
            if (!m.memory().write(pa, data)) {
                throw Request.bad("pa", hex64(pa) + " + " + data.length + " bytes lies outside the CMR (0 .. "
                        + hex64(m.memory().cmrSize()) + ") or in a TD-private page, which the host cannot write");
            }
            return OracleServer.obj();
        });
        server.register("memory.read", r -> {
            TdxModule m = session.get(r.string("handle"), TdxModule.class, "a module (from module.new)");
            long pa = r.unsigned("pa", 64);
            long len = r.unsigned("length", 32);
            if (len > MAX_MEMORY_BYTES) {
                throw Request.bad("length", len + " exceeds the per-request limit of " + MAX_MEMORY_BYTES);
            }
            ObjectNode o = OracleServer.obj();
            o.put("hex", HexFormat.of().formatHex(m.memory().read(pa, (int) len)));
            return o;
        });
    }

    /** {@code {"op":"module.new","module":"1.5.06","platform":P,"bring_up":true,"handle":"m"}}. */
    private static ObjectNode moduleNew(Request r, Session session) {
        var mp = Profiles.builtInModule("module", r.optString("module").orElse(Profiles.defaultModule()));
        var pp = Profiles.builtInPlatform("platform", r.optString("platform").orElse(Profiles.defaultPlatform()));
        TdxModule m = TdxModule.create(mp, pp);
        ObjectNode o = OracleServer.obj();
        if (r.bool("bring_up", true)) {
            SeamcallResult br = m.bringUp();
            o.set("bring_up", result(br, m));
            if (!br.isSuccess()) {
                // Keep the handle: a failing bring-up (e.g. a platform without TDX) is a legitimate oracle answer.
                o.put("ready", false);
            } else {
                o.put("ready", true);
            }
        }
        o.put("handle", session.put("module", r.optString("handle"), m));
        o.put("module", mp.version().label());
        o.put("platform", pp.name());
        o.put("logical_processors", m.numLps());
        o.put("private_hkid_min", m.privateHkidMin());
        o.put("private_hkid_max", m.privateHkidMax());
        o.put("packages", m.numPackages());
        // TDCS pages TDH.MNG.ADDCX must add before TDH.MNG.INIT (abi §4.1 row 5; 1.0: exactly MAX_NUM_TDCS_PAGES, §4.2)
        var tdcs = mp.version().is1_0() ? mp.constant("MAX_NUM_TDCS_PAGES") : mp.constant("MIN_NUM_TDCS_PAGES");
        tdcs.ifPresent(v -> o.put("tdcs_pages", v));
        o.put("tdmr_base", hex64(m.memory().tdmrBase()));
        o.put("tdmr_size", hex64(m.memory().tdmrSize()));
        return o;
    }

    /**
     * {@code {"op":"seamcall","handle":"m","leaf":"TDH.MNG.CREATE","version":0,"lp":0,"rcx":…,"rdx":…}};
     * {@code leaf} is an Intel name or a number, or {@code rax} gives RAX verbatim.
     */
    private static ObjectNode seamcall(Request r, Session session) {
        TdxModule m = session.get(r.string("handle"), TdxModule.class, "a module (from module.new)");
        long rax;
        if (r.has("rax")) {
            if (r.has("leaf")) {
                throw Request.bad("rax", "give leaf (+ version) or rax, not both");
            }
            rax = r.unsigned("rax", 64);
        } else {
            int leaf = leafNumber(r, m);
            long version = r.unsigned("version", 8, 0);
            rax = Registers.raxFor(leaf, (int) version);
        }
        long lp = r.unsigned("lp", 32, 0);
        // TD_PARAMS given inline (fields or hex): placed in a fresh host page (or at td_params_pa), RDX points to it.
        long tdParamsPa = -1;
        if (r.has("td_params")) {
            byte[] bytes = TdParamsJson.parse(m.profile(), "td_params", r.node("td_params")).encode();
            if (r.has("td_params_pa")) {
                tdParamsPa = r.unsigned("td_params_pa", 64);
            } else {
                var page = m.memory().tryAllocatePage();
                if (page.isEmpty()) {
                    throw new ProtocolError(ProtocolError.Code.limit, "host memory exhausted: no page for TD_PARAMS");
                }
                tdParamsPa = page.getAsLong();
            }
            if (!m.memory().write(tdParamsPa, bytes)) {
                throw Request.bad("td_params_pa", hex64(tdParamsPa) + " lies outside the CMR");
            }
        }
        if (lp >= m.numLps()) {
            throw Request.bad("lp", lp + " is not a logical processor of the platform (0.." + (m.numLps() - 1) + ")");
        }
        long rdx = r.has("rdx") || tdParamsPa < 0 ? r.unsigned("rdx", 64, 0) : tdParamsPa;
        Registers in = new Registers(rax, r.unsigned("rcx", 64, 0), rdx, r.unsigned("r8", 64, 0),
                r.unsigned("r9", 64, 0), r.unsigned("r10", 64, 0), r.unsigned("r11", 64, 0));
        ObjectNode o = result(m.seamcall((int) lp, in), m);
        if (tdParamsPa >= 0) {
            o.put("td_params_pa", hex64(tdParamsPa));
        }
        return o;
    }

    private static int leafNumber(Request r, TdxModule m) {
        if (!r.has("leaf")) {
            throw Request.missing("leaf", "a SEAMCALL name such as \"TDH.MNG.INIT\" or its number");
        }
        var n = r.node("leaf");
        if (n.isTextual()) {
            String name = n.asText().toUpperCase(Locale.ROOT).replace('_', '.');
            var byProfile = m.profile().findLeafNumber(name);
            if (byProfile.isPresent()) {
                return byProfile.getAsInt();
            }
            for (Leaf l : Leaf.values()) {
                if (l.specName().equals(name)) {
                    return l.number();
                }
            }
            if (!name.matches("(0X)?[0-9A-F]+")) {
                throw Request.bad("leaf", "unknown SEAMCALL '" + n.asText() + "' in module " + m.profile().version());
            }
        }
        return (int) r.unsigned("leaf", 16);
    }

    static ObjectNode result(SeamcallResult res, TdxModule m) {
        ObjectNode o = OracleServer.obj();
        o.put("status", hex64(res.status().value()));
        o.put("status_name", res.status().describe(m.profile()));
        o.put("success", res.isSuccess());
        ObjectNode regs = o.putObject("regs");
        Registers out = res.out();
        regs.put("rax", hex64(out.rax()));
        regs.put("rcx", hex64(out.rcx()));
        regs.put("rdx", hex64(out.rdx()));
        regs.put("r8", hex64(out.r8()));
        regs.put("r9", hex64(out.r9()));
        regs.put("r10", hex64(out.r10()));
        regs.put("r11", hex64(out.r11()));
        o.set("explanation", explanation(res.explanation()));
        return o;
    }

    static ObjectNode explanation(Explanation e) {
        ObjectNode o = OracleServer.obj();
        o.put("summary", e.summary());
        ArrayNode d = o.putArray("details");
        e.details().forEach(d::add);
        return o;
    }

    static byte[] hexBytes(Request r, String field) {
        String s = r.string(field).replace(" ", "");
        if (s.length() > 2 * MAX_MEMORY_BYTES) {
            throw Request.bad(field, "more than " + MAX_MEMORY_BYTES + " bytes");
        }
        try {
            return HexFormat.of().parseHex(s);
        } catch (IllegalArgumentException e) {
            throw Request.bad(field, "not an even-length hex string");
        }
    }

    static String hex64(long v) {
        return String.format("0x%016X", v);
    }

    static int pageSize() {
        return HostMemory.PAGE_SIZE;
    }
}
