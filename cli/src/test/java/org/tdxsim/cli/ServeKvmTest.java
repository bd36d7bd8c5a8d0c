package org.tdxsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tdxsim.kvm.Kvm;
import org.tdxsim.kvm.KvmException;
import org.tdxsim.kvm.VcpuFd;
import org.tdxsim.kvm.VmFd;
import org.tdxsim.kvm.sim.SimulatedKernel;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.kvm.uapi.KvmTdxInitVm;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.profile.ModuleProfiles;

/** The KVM-level part of the serve protocol gives the answers of the typed client on a simulated kernel. */
class ServeKvmTest {

    private static List<JsonNode> serve(String... lines) {
        CliRun r = CliRun.withStdin(String.join("\n", lines) + "\n", "serve", "--stdio");
        assertThat(r.rc()).as(r.toString()).isZero();
        List<JsonNode> rs = r.jsonLines();
        assertThat(rs).hasSize(lines.length);
        return rs;
    }

    private static KvmException expectFailure(Runnable r) {
        try {
            r.run();
        } catch (KvmException e) {
            return e;
        }
        throw new AssertionError("expected a KvmException");
    }

    /** kvm-tdx-uapi §3.3: CAPABILITIES -E2BIG below num_cpuid_config; INIT_VM GPAW rule; GET_CPUID -E2BIG reports nent. */
    @Test
    void tdFlowMatchesTheTypedClient() {
        var module = ModuleProfiles.builtIn("1.5.06");
        var platform = PlatformProfiles.defaultPlatform();
        KvmException caps;
        KvmException gpaw;
        KvmException getCpuid;
        try (SimulatedKernel k = SimulatedKernel.create(module, platform); Kvm kvm = Kvm.open(k);
                VmFd vm = kvm.createVm(KvmConstants.KVM_X86_TDX_VM)) {
            caps = expectFailure(() -> vm.tdxCapabilities(2));
            gpaw = expectFailure(() -> vm.tdxInitVm(KvmTdxInitVm.of(1L << 28, 3,
                    KvmCpuid2.of(List.of(new KvmCpuidEntry2(0x8000_0008, 0, 0, 46 << 16, 0, 0, 0))))));
            vm.tdxInitVm(KvmTdxInitVm.of(1L << 28, 3, KvmCpuid2.of(List.of(new KvmCpuidEntry2(0x8000_0008, 0, 0, 48 << 16, 0, 0, 0)))));
            vm.enableSplitIrqchip(24);
            try (VcpuFd v = vm.createVcpu(0)) {
                getCpuid = expectFailure(() -> v.tdxGetCpuid(1));
            }
        }
        List<JsonNode> rs = serve(
                "{\"id\":1,\"op\":\"kvm.open\",\"module\":\"1.5.06\",\"handle\":\"k\"}",
                "{\"id\":2,\"op\":\"ioctl\",\"fd\":\"k\",\"ioctl\":\"KVM_CREATE_VM\",\"type\":5,\"handle\":\"vm\"}",
                "{\"id\":3,\"op\":\"ioctl\",\"fd\":\"vm\",\"ioctl\":\"KVM_TDX_CAPABILITIES\",\"nent\":2}",
                "{\"id\":4,\"op\":\"ioctl\",\"fd\":\"vm\",\"ioctl\":\"KVM_TDX_INIT_VM\",\"attributes\":\"0x10000000\",\"xfam\":3,"
                        + "\"cpuid\":[{\"function\":\"0x80000008\",\"index\":0,\"flags\":0,\"eax\":\"0x002E0000\"}]}",
                "{\"id\":5,\"op\":\"ioctl\",\"fd\":\"vm\",\"ioctl\":\"KVM_TDX_INIT_VM\",\"attributes\":\"0x10000000\",\"xfam\":3,"
                        + "\"cpuid\":[{\"function\":\"0x80000008\",\"index\":0,\"flags\":0,\"eax\":\"0x00300000\"}]}",
                "{\"id\":6,\"op\":\"ioctl\",\"fd\":\"vm\",\"ioctl\":\"KVM_ENABLE_CAP\",\"ioapic_pins\":24}",
                "{\"id\":7,\"op\":\"ioctl\",\"fd\":\"vm\",\"ioctl\":\"KVM_CREATE_VCPU\",\"vcpu_id\":0,\"handle\":\"cpu0\"}",
                "{\"id\":8,\"op\":\"ioctl\",\"fd\":\"cpu0\",\"ioctl\":\"KVM_TDX_GET_CPUID\",\"nent\":1}",
                "{\"id\":9,\"op\":\"ioctl\",\"fd\":\"cpu0\",\"ioctl\":\"KVM_TDX_GET_CPUID\"}");
        assertThat(rs).allSatisfy(r -> assertThat(r.get("ok").asBoolean()).as(r.toString()).isTrue());
        assertThat(rs.get(0).get("tdx_enabled").asBoolean()).isTrue();
        assertFailure(rs.get(2), caps);
        assertFailure(rs.get(3), gpaw);
        assertThat(rs.get(4).get("result").asLong()).isZero();
        assertFailure(rs.get(7), getCpuid);
        assertThat(rs.get(7).get("nent").asInt()).isEqualTo(getCpuid.error().neededEntries().orElseThrow());
        assertThat(rs.get(8).get("cpuid")).hasSize(getCpuid.error().neededEntries().orElseThrow());
    }

    private static void assertFailure(JsonNode r, KvmException e) {
        assertThat(r.get("result").asLong()).isEqualTo(-e.errno());
        assertThat(r.get("errno_name").asText()).isEqualTo(e.errnoName());
        assertThat(r.get("explanation").asText()).isEqualTo(e.explanation().orElseThrow());
        if (e.hwError().isPresent()) {
            assertThat(r.get("hw_error").asText()).isEqualTo(Numbers.hex64(e.hwError().getAsLong()));
        } else {
            assertThat(r.get("hw_error").isNull()).isTrue();
        }
    }

    @Test
    void checkOpAnswersLikeTheCommand() {
        String cpuid = "[{\"function\":\"0x80000008\",\"index\":0,\"eax\":\"0x00340000\"}]";
        List<JsonNode> rs = serve("{\"id\":1,\"op\":\"check\",\"module\":\"2.0.08\",\"cpuid\":" + cpuid + "}");
        CliRun cmd = CliRun.withStdin(cpuid, "check", "--module", "2.0.08", "-", "--json");
        JsonNode expected = cmd.json();
        assertThat(rs.get(0).get("init_vm")).isEqualTo(expected.get("init_vm"));
        assertThat(rs.get(0).get("guest_cpuid")).isEqualTo(expected.get("guest_cpuid"));
    }

    @Test
    void badKvmRequestsAreProtocolErrors() {
        List<JsonNode> rs = serve(
                "{\"id\":1,\"op\":\"kvm.open\",\"handle\":\"k\"}",
                "{\"id\":2,\"op\":\"ioctl\",\"fd\":\"k\",\"ioctl\":\"KVM_TDX_INIT_VM\"}",
                "{\"id\":3,\"op\":\"ioctl\",\"fd\":\"k\",\"ioctl\":\"KVM_FROBNICATE\"}",
                "{\"id\":4,\"op\":\"ioctl\",\"fd\":\"k\",\"ioctl\":\"KVM_CREATE_VM\",\"handle\":\"vm\"}",
                "{\"id\":5,\"op\":\"ioctl\",\"fd\":\"vm\",\"ioctl\":\"KVM_TDX_INIT_VM\",\"cpuid\":[{\"function\":\"0x1\",\"eax\":\"0x100000000\"}]}",
                "{\"id\":6,\"op\":\"ioctl\",\"fd\":\"vm\",\"ioctl\":\"KVM_TDX_INIT_VM\",\"mrowner\":[1,2]}",
                "{\"id\":7,\"op\":\"check\",\"cpuid\":\"nope\"}",
                "{\"id\":8,\"op\":\"kvm.open\",\"platform\":\"../../etc/passwd\"}");
        assertThat(rs.get(1).at("/error/code").asText()).isEqualTo("bad_handle");
        assertThat(rs.get(2).at("/error/code").asText()).isEqualTo("bad_field");
        assertThat(rs.get(2).at("/error/message").asText()).contains("KVM_TDX_INIT_VM");
        assertThat(rs.get(3).get("ok").asBoolean()).isTrue();
        assertThat(rs.get(4).at("/error/message").asText()).contains("does not fit in 32 bits");
        assertThat(rs.get(5).at("/error/message").asText()).contains("mrowner");
        assertThat(rs.get(6).at("/error/code").asText()).isEqualTo("bad_field");
        assertThat(rs.get(7).at("/error/message").asText()).contains("unknown platform");
    }
}
