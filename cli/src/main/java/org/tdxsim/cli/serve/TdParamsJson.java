package org.tdxsim.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.tdxsim.module.cpuid.CpuidRegs;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.tdparams.ByteBlock;
import org.tdxsim.module.tdparams.TdParams;
import org.tdxsim.module.tdparams.TdParamsLayout;

/**
 * TD_PARAMS (abi §3) as protocol JSON: fields by their spec names in snake case, or the 1024 bytes as hex.
 * Encoding and decoding are the simulator's {@link TdParams} codec with the module version's layout;
 * unspecified fields keep the codec builder's defaults.
 */
final class TdParamsJson {
    private TdParamsJson() {}

    private static final Set<String> FIELDS = Set.of("attributes", "xfam", "max_vcpus", "num_l2_vms", "msr_config_ctls",
            "eptp_controls", "config_flags", "tsc_frequency", "mrconfigid", "mrowner", "mrownerconfig",
            "ia32_arch_capabilities_config", "cpuid_config");

    /** TD_PARAMS from {@code node}: a hex string of 1024 bytes, or an object of fields. */
    static TdParams parse(ModuleProfile m, String path, JsonNode node) {
        if (node.isTextual()) {
            byte[] b;
            try {
                b = HexFormat.of().parseHex(node.asText().replace(" ", ""));
            } catch (IllegalArgumentException e) {
                throw Request.bad(path, "not an even-length hex string");
            }
            if (b.length != TdParamsLayout.SIZE) {
                throw Request.bad(path, "TD_PARAMS is " + TdParamsLayout.SIZE + " bytes, got " + b.length);
            }
            return TdParams.decode(m, b);
        }
        if (!node.isObject()) {
            throw Request.bad(path, "expected TD_PARAMS fields (an object) or 1024 bytes as hex");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!FIELDS.contains(k)) {
                throw Request.bad(path + "." + k, "unknown TD_PARAMS field; known: " + String.join(", ", new java.util.TreeSet<>(FIELDS)));
            }
        }
        TdParams.Builder b = TdParams.builder(m);
        if (node.has("attributes")) {
            b.attributes(Request.unsigned(path + ".attributes", node.get("attributes"), 64));
        }
        if (node.has("xfam")) {
            b.xfam(Request.unsigned(path + ".xfam", node.get("xfam"), 64));
        }
        if (node.has("max_vcpus")) {
            b.maxVcpus((int) Request.unsigned(path + ".max_vcpus", node.get("max_vcpus"), 16));
        }
        if (node.has("num_l2_vms")) {
            b.numL2Vms((int) Request.unsigned(path + ".num_l2_vms", node.get("num_l2_vms"), 8));
        }
        if (node.has("msr_config_ctls")) {
            b.msrConfigCtls((int) Request.unsigned(path + ".msr_config_ctls", node.get("msr_config_ctls"), 8));
        }
        if (node.has("eptp_controls")) {
            b.eptpControls(Request.unsigned(path + ".eptp_controls", node.get("eptp_controls"), 64));
        }
        if (node.has("config_flags")) {
            b.configFlags(Request.unsigned(path + ".config_flags", node.get("config_flags"), 64));
        }
        if (node.has("tsc_frequency")) {
            b.tscFrequency((int) Request.unsigned(path + ".tsc_frequency", node.get("tsc_frequency"), 16));
        }
        if (node.has("ia32_arch_capabilities_config")) {
            b.ia32ArchCapabilitiesConfig(Request.unsigned(path + ".ia32_arch_capabilities_config",
                    node.get("ia32_arch_capabilities_config"), 64));
        }
        if (node.has("mrconfigid")) {
            b.mrConfigId(sha384(path + ".mrconfigid", node.get("mrconfigid")));
        }
        if (node.has("mrowner")) {
            b.mrOwner(sha384(path + ".mrowner", node.get("mrowner")));
        }
        if (node.has("mrownerconfig")) {
            b.mrOwnerConfig(sha384(path + ".mrownerconfig", node.get("mrownerconfig")));
        }
        if (node.has("cpuid_config")) {
            JsonNode a = node.get("cpuid_config");
            int n = m.maxNumCpuidConfig();
            if (!a.isArray() || a.size() > n) {
                throw Request.bad(path + ".cpuid_config", "expected an array of at most " + n
                        + " {eax, ebx, ecx, edx} values (module " + m.version() + " has " + n + " CPUID_CONFIG slots)");
            }
            List<CpuidRegs> values = new ArrayList<>();
            for (int i = 0; i < a.size(); i++) {
                JsonNode e = a.get(i);
                String p = path + ".cpuid_config[" + i + "]";
                values.add(new CpuidRegs(reg(p, e, "eax"), reg(p, e, "ebx"), reg(p, e, "ecx"), reg(p, e, "edx")));
            }
            b.cpuidConfig(values);
        }
        return b.build();
    }

    private static int reg(String path, JsonNode e, String r) {
        JsonNode v = e.get(r);
        return v == null || v.isNull() ? 0 : (int) Request.unsigned(path + "." + r, v, 32);
    }

    private static ByteBlock sha384(String path, JsonNode node) {
        if (!node.isTextual()) {
            throw Request.bad(path, "expected 48 bytes as hex");
        }
        try {
            byte[] b = HexFormat.of().parseHex(node.asText());
            if (b.length != 48) {
                throw Request.bad(path, "expected 48 bytes (SHA-384), got " + b.length);
            }
            return ByteBlock.of(b);
        } catch (IllegalArgumentException e) {
            throw Request.bad(path, "not an even-length hex string");
        }
    }

    static ObjectNode fields(TdParams p) {
        ObjectNode o = OracleServer.obj();
        o.put("attributes", hex(p.attributes()));
        o.put("xfam", hex(p.xfam()));
        o.put("max_vcpus", p.maxVcpus());
        o.put("num_l2_vms", p.numL2Vms());
        o.put("msr_config_ctls", p.msrConfigCtls());
        o.put("eptp_controls", hex(p.eptpControls()));
        o.put("config_flags", hex(p.configFlags()));
        o.put("tsc_frequency", p.tscFrequency());
        o.put("mrconfigid", HexFormat.of().formatHex(p.mrConfigId().toArray()));
        o.put("mrowner", HexFormat.of().formatHex(p.mrOwner().toArray()));
        o.put("mrownerconfig", HexFormat.of().formatHex(p.mrOwnerConfig().toArray()));
        o.put("ia32_arch_capabilities_config", hex(p.ia32ArchCapabilitiesConfig()));
        ArrayNode c = o.putArray("cpuid_config");
        for (CpuidRegs r : p.cpuidConfig()) {
            ObjectNode e = c.addObject();
            e.put("eax", String.format("0x%08X", r.eax()));
            e.put("ebx", String.format("0x%08X", r.ebx()));
            e.put("ecx", String.format("0x%08X", r.ecx()));
            e.put("edx", String.format("0x%08X", r.edx()));
        }
        o.put("reserved_zero", p.reserved0().isZero() && p.reserved1().isZero() && p.reserved2().isZero() && p.reserved3().isZero());
        return o;
    }

    private static String hex(long v) {
        return String.format("0x%016X", v);
    }
}
