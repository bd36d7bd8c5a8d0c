package org.tdxsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tdxsim.module.SeamcallResult;
import org.tdxsim.module.TdxModule;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.profile.ModuleProfiles;

/** The SEAMCALL-level part of the serve protocol answers exactly what the simulator answers in-process. */
class ServeSeamcallTest {

    private static List<JsonNode> serve(String... lines) {
        CliRun r = CliRun.withStdin(String.join("\n", lines) + "\n", "serve", "--stdio");
        assertThat(r.rc()).as(r.toString()).isZero();
        List<JsonNode> rs = r.jsonLines();
        assertThat(rs).hasSize(lines.length);
        return rs;
    }

    private static TdxModule direct(String module) {
        TdxModule m = TdxModule.create(ModuleProfiles.builtIn(module), PlatformProfiles.defaultPlatform());
        assertThat(m.bringUp().isSuccess()).isTrue();
        return m;
    }

    @Test
    void seamcallResultsMatchTheInProcessModule() {
        for (String v : List.of("1.5.06", "2.0.08")) {
            TdxModule m = direct(v);
            long tdr = m.memory().allocatePage();
            SeamcallResult badHkid = m.tdhMngCreate(tdr, 1);
            SeamcallResult ok = m.tdhMngCreate(tdr, m.privateHkidMin());
            List<JsonNode> rs = serve(
                    "{\"id\":1,\"op\":\"module.new\",\"module\":\"" + v + "\",\"handle\":\"m\"}",
                    "{\"id\":2,\"op\":\"memory.alloc_page\",\"handle\":\"m\"}",
                    "{\"id\":3,\"op\":\"seamcall\",\"handle\":\"m\",\"leaf\":\"TDH.MNG.CREATE\",\"rcx\":\"" + Numbers.hex64(tdr) + "\",\"rdx\":1}",
                    "{\"id\":4,\"op\":\"seamcall\",\"handle\":\"m\",\"leaf\":9,\"rcx\":\"" + Numbers.hex64(tdr) + "\",\"rdx\":" + m.privateHkidMin() + "}");
            assertThat(rs).allSatisfy(x -> assertThat(x.get("ok").asBoolean()).as(x.toString()).isTrue());
            assertThat(rs.get(0).get("ready").asBoolean()).isTrue();
            assertThat(rs.get(1).get("pa").asText()).isEqualTo(Numbers.hex64(tdr));
            assertThat(rs.get(2).get("status").asText()).isEqualTo(badHkid.status().hex());
            assertThat(rs.get(2).get("status_name").asText()).isEqualTo(badHkid.status().describe(m.profile()));
            assertThat(rs.get(2).at("/explanation/summary").asText()).isEqualTo(badHkid.explanation().summary());
            assertThat(rs.get(3).get("status").asText()).isEqualTo(ok.status().hex());
            assertThat(rs.get(3).get("success").asBoolean()).isEqualTo(ok.isSuccess());
        }
    }

    /** TD_PARAMS fields → bytes is the simulator's own codec (abi §3.1 layout of the requested version). */
    @Test
    void tdParamsEncodeDecodeUseTheSimulatorCodec() {
        for (String v : ModuleProfiles.versions()) {
            var m = ModuleProfiles.builtIn(v);
            byte[] expected = org.tdxsim.module.tdparams.TdParams.builder(m).attributes(1L << 28).xfam(0xE7).maxVcpus(8)
                    .tscFrequency(120).cpuidConfig(0, new org.tdxsim.module.cpuid.CpuidRegs(0, 0xFF0000, 0, 0)).build().encode();
            List<JsonNode> rs = serve(
                    "{\"id\":1,\"op\":\"td_params.encode\",\"module\":\"" + v + "\",\"fields\":{\"attributes\":\"0x10000000\","
                            + "\"xfam\":\"0xE7\",\"max_vcpus\":8,\"tsc_frequency\":120,\"cpuid_config\":[{\"ebx\":\"0xFF0000\"}]}}",
                    "{\"id\":2,\"op\":\"td_params.decode\",\"module\":\"" + v + "\",\"hex\":\""
                            + java.util.HexFormat.of().formatHex(expected) + "\"}",
                    "{\"id\":3,\"op\":\"td_params.encode\",\"module\":\"" + v + "\",\"fields\":{\"atributes\":1}}",
                    "{\"id\":4,\"op\":\"td_params.decode\",\"module\":\"" + v + "\",\"hex\":\"00ff\"}");
            assertThat(rs.get(0).get("hex").asText()).isEqualTo(java.util.HexFormat.of().formatHex(expected));
            JsonNode f = rs.get(1).get("fields");
            assertThat(f.get("max_vcpus").asInt()).isEqualTo(8);
            assertThat(f.get("tsc_frequency").asInt()).isEqualTo(120);
            assertThat(f.get("cpuid_config")).hasSize(m.maxNumCpuidConfig());
            assertThat(f.at("/cpuid_config/0/ebx").asText()).isEqualTo("0x00FF0000");
            assertThat(rs.get(2).at("/error/message").asText()).contains("unknown TD_PARAMS field");
            assertThat(rs.get(3).at("/error/message").asText()).contains("1024 bytes");
        }
    }

    @Test
    void memoryRoundTripAndLimits() {
        List<JsonNode> rs = serve(
                "{\"id\":1,\"op\":\"module.new\",\"handle\":\"m\",\"bring_up\":false}",
                "{\"id\":2,\"op\":\"memory.write\",\"handle\":\"m\",\"pa\":\"0x40001000\",\"hex\":\"deadbeef\"}",
                "{\"id\":3,\"op\":\"memory.read\",\"handle\":\"m\",\"pa\":\"0x40001000\",\"length\":4}",
                "{\"id\":4,\"op\":\"memory.write\",\"handle\":\"m\",\"pa\":\"0x7FFFFFFFFFFFFFFF\",\"hex\":\"00\"}",
                "{\"id\":5,\"op\":\"memory.write\",\"handle\":\"m\",\"pa\":0,\"hex\":\"abc\"}",
                "{\"id\":6,\"op\":\"memory.read\",\"handle\":\"m\",\"pa\":0,\"length\":99999999}");
        assertThat(rs.get(2).get("hex").asText()).isEqualTo("deadbeef");
        assertThat(rs.subList(3, 6)).allSatisfy(x -> {
            assertThat(x.get("ok").asBoolean()).isFalse();
            assertThat(x.at("/error/code").asText()).isEqualTo("bad_field");
        });
    }

    @Test
    void badRequestsAreAnsweredAndTheSessionGoesOn() {
        List<JsonNode> rs = serve(
                "{\"id\":1,\"op\":\"seamcall\",\"handle\":\"nope\",\"leaf\":\"TDH.SYS.RD\"}",
                "{\"id\":2,\"op\":\"module.new\",\"module\":\"/etc/passwd\"}",
                "{\"id\":3,\"op\":\"module.new\",\"platform\":\"pentium-pro\"}",
                "{\"id\":4,\"op\":\"module.new\",\"handle\":\"m\"}",
                "{\"id\":5,\"op\":\"module.new\",\"handle\":\"m\"}",
                "{\"id\":6,\"op\":\"seamcall\",\"handle\":\"m\",\"leaf\":\"TDH.FROB\"}",
                "{\"id\":7,\"op\":\"seamcall\",\"handle\":\"m\",\"leaf\":\"TDH.SYS.RD\",\"lp\":100000}",
                "{\"id\":8,\"op\":\"seamcall\",\"handle\":\"m\",\"leaf\":\"TDH.SYS.RD\",\"rcx\":\"0x1FFFFFFFFFFFFFFFF\"}",
                "{\"id\":9,\"op\":\"seamcall\",\"handle\":\"m\",\"rax\":\"0xFFFF\"}",
                "{\"id\":10,\"op\":\"close\",\"handle\":\"m\"}",
                "{\"id\":11,\"op\":\"seamcall\",\"handle\":\"m\",\"leaf\":\"TDH.SYS.RD\"}");
        assertThat(rs.get(0).at("/error/code").asText()).isEqualTo("bad_handle");
        assertThat(rs.get(1).at("/error/code").asText()).isEqualTo("bad_field");
        assertThat(rs.get(1).at("/error/message").asText()).contains("unknown module version").doesNotContain("root");
        assertThat(rs.get(2).at("/error/message").asText()).contains("unknown platform 'pentium-pro'");
        assertThat(rs.get(3).get("ok").asBoolean()).isTrue();
        assertThat(rs.get(4).at("/error/code").asText()).isEqualTo("bad_handle");
        assertThat(rs.get(5).at("/error/message").asText()).contains("unknown SEAMCALL 'TDH.FROB'");
        assertThat(rs.get(6).at("/error/message").asText()).startsWith("lp:");
        assertThat(rs.get(7).at("/error/message").asText()).contains("does not fit in 64 bits");
        // An unknown leaf is not a protocol error: the module answers TDX_OPERAND_INVALID|RAX (abi §1, dispatcher default).
        assertThat(rs.get(8).get("ok").asBoolean()).isTrue();
        TdxModule m = direct(Profiles.defaultModule());
        SeamcallResult unknown = m.seamcall(0, org.tdxsim.module.Registers.ZERO.withRax(0xFFFF));
        assertThat(unknown.status().name(m.profile())).contains("TDX_OPERAND_INVALID");
        assertThat(rs.get(8).get("status").asText()).isEqualTo(unknown.status().hex());
        assertThat(rs.get(9).get("ok").asBoolean()).isTrue();
        assertThat(rs.get(10).at("/error/code").asText()).isEqualTo("bad_handle");
    }
}
