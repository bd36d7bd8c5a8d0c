package org.tdxsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.ModuleProfiles;

class ExplainCommandTest {

    /** abi §2.2 / §2.3: TDX_OPERAND_INVALID | CPUID_CONFIG(69), the status of field-notes P5. */
    @Test
    void operandInvalidCpuidConfigIsNamedByEveryVersion() {
        ModuleProfile latest = ModuleProfiles.latest();
        long v = latest.status("TDX_OPERAND_INVALID", "CPUID_CONFIG");
        CliRun r = CliRun.run("explain", Numbers.hex64(v), "--json");
        assertThat(r.rc()).as(r.toString()).isZero();
        JsonNode j = r.json();
        assertThat(j.get("status").asText()).isEqualTo(Numbers.hex64(v));
        assertThat(j.get("error").asBoolean()).isTrue();
        assertThat(j.get("non_recoverable").asBoolean()).isTrue();
        assertThat(j.get("operand").asLong()).isEqualTo(latest.operandId("CPUID_CONFIG"));
        List<String> modules = new ArrayList<>();
        for (JsonNode n : j.get("versions")) {
            modules.add(n.get("module").asText());
            ModuleProfile p = ModuleProfiles.builtIn(n.get("module").asText());
            assertThat(p.status("TDX_OPERAND_INVALID") | p.operandId("CPUID_CONFIG")).isEqualTo(v);
            assertThat(n.get("name").asText()).isEqualTo("TDX_OPERAND_INVALID");
            assertThat(n.get("operand_name").asText()).isEqualTo("CPUID_CONFIG");
        }
        assertThat(modules).containsExactlyInAnyOrderElementsOf(ModuleProfiles.versions());
        assertThat(j.get("consistent_across_versions").asBoolean()).isTrue();
        // kvm-tdx-uapi §3.2: TDH.MNG.INIT OPERAND_INVALID becomes -EINVAL with hw_error.
        assertThat(j.get("notes").toString()).contains("-EINVAL").contains("hw_error");
    }

    /** abi §2.2: TDX_TD_FATAL is 0xC000060400000000 in 1.0 but 0xE000060400000000 in 1.5/2.0. */
    @Test
    void versionDifferencesAreShown() {
        long v10 = ModuleProfiles.builtIn("1.0").status("TDX_TD_FATAL");
        long v15 = ModuleProfiles.builtIn("1.5.01").status("TDX_TD_FATAL");
        assertThat(v10).isNotEqualTo(v15);
        JsonNode j = CliRun.run("explain", Numbers.hex64(v10), "--json").json();
        assertThat(j.get("consistent_across_versions").asBoolean()).isFalse();
        for (JsonNode n : j.get("versions")) {
            ModuleProfile p = ModuleProfiles.builtIn(n.get("module").asText());
            assertThat(n.get("name").isNull()).isEqualTo(p.statusName(v10).isEmpty());
        }
        CliRun human = CliRun.run("explain", Numbers.hex64(v10));
        assertThat(human.out()).contains("versions differ").contains("unknown to this version");
    }

    @Test
    void requestedModuleComesFirst() {
        JsonNode j = CliRun.run("explain", "0xC000010000000045", "--module", "1.0", "--json").json();
        assertThat(j.get("versions").get(0).get("module").asText()).isEqualTo("1.0");
        assertThat(j.get("versions")).hasSize(ModuleProfiles.versions().size());
    }

    @Test
    void humanOutputShowsTheBitFields() {
        CliRun r = CliRun.run("explain", "0x8000020000000000");
        assertThat(r.rc()).isZero();
        assertThat(r.out()).contains("TDX_OPERAND_BUSY").contains("recoverable").contains("-EBUSY");
    }

    /** kvm-tdx-uapi §3.3: KVM_TDX_INIT_VM's EINVAL checks, including the GPAW rule of setup_tdparams_eptp_controls. */
    @Test
    void errnoFromInitVmListsTheKernelChecksInOrder() {
        CliRun r = CliRun.run("explain", "--errno", "EINVAL", "--ioctl", "KVM_TDX_INIT_VM", "--json");
        assertThat(r.rc()).as(r.toString()).isZero();
        JsonNode j = r.json();
        assertThat(j.get("number").asInt()).isEqualTo(22);
        List<Integer> steps = new ArrayList<>();
        List<String> functions = new ArrayList<>();
        for (JsonNode c : j.get("checks")) {
            assertThat(c.get("errno").asText()).isEqualTo("EINVAL");
            assertThat(c.get("ioctl").asText()).isEqualTo("KVM_TDX_INIT_VM");
            steps.add(c.get("step").asInt());
            functions.add(c.get("function").asText());
        }
        assertThat(steps).isSorted();
        assertThat(functions).contains("setup_tdparams", "setup_tdparams_eptp_controls", "setup_tdparams_cpuids", "__tdx_td_init");
        // §3.1: the hw_error-must-be-0 check of the dispatch applies to every sub-command.
        assertThat(j.get("dispatch_checks").toString()).contains("hw_error");
    }

    @Test
    void errnoNumbersAndAliasesAreAccepted() {
        JsonNode a = CliRun.run("explain", "--errno", "-7", "--ioctl", "tdx_capabilities", "--json").json();
        assertThat(a.get("errno").asText()).isEqualTo("E2BIG");
        assertThat(a.get("ioctl").asText()).isEqualTo("KVM_TDX_CAPABILITIES");
        assertThat(a.get("checks")).hasSize(1);
        assertThat(a.at("/checks/0/condition").asText()).contains("NOT updated");
    }

    @Test
    void errnoTheIoctlNeverReturnsSaysSoAndListsWhatItReturns() {
        CliRun r = CliRun.run("explain", "--errno", "E2BIG", "--ioctl", "KVM_TDX_INIT_VCPU");
        assertThat(r.rc()).isZero();
        assertThat(r.out()).contains("does not return E2BIG").contains("EINVAL");
    }

    @Test
    void errnoWithoutIoctlListsEveryIoctl() {
        JsonNode j = CliRun.run("explain", "--errno", "EBUSY", "--json").json();
        List<String> ioctls = new ArrayList<>();
        j.get("checks").forEach(c -> ioctls.add(c.get("ioctl").asText()));
        assertThat(ioctls).contains("KVM_TDX_INIT_VM", "KVM_TDX_FINALIZE_VM", "KVM_TDX_INIT_MEM_REGION");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "explain 0xZZZ|STATUS",
        "explain 0x1FFFFFFFFFFFFFFFF|does not fit in 64 bits",
        "explain -5|STATUS",
        "explain 0xC000010000000045 --module 9.9|unknown module version '9.9'",
        "explain 0xC000010000000045 --module /nonexistent/profile.json|no such file",
        "explain --errno EWHAT|unknown errno 'EWHAT'",
        "explain --errno EINVAL --ioctl KVM_FROB|unknown ioctl 'KVM_FROB'",
        "explain 0x1 --errno EINVAL|not both",
        "explain|nothing to explain",
        "explain 0x1 --ioctl KVM_TDX_INIT_VM|only applies with --errno",
    })
    void badInputIsOneLineAndExitTwo(String args, String expected) {
        CliRun r = CliRun.run(args.split(" "));
        assertThat(r.rc()).as(r.toString()).isEqualTo(2);
        assertThat(r.errLines()).as(r.toString()).hasSize(1);
        assertThat(r.err()).contains(expected).doesNotContain("Exception").startsWith("tdxsim explain: ");
        assertThat(r.out()).isEmpty();
    }
}
