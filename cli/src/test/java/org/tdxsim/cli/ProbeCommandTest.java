package org.tdxsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.tdxsim.kvm.device.HostProbe;
import org.tdxsim.kvm.device.TdxSupport;

/** {@code tdxsim probe} reports what the device backend's HostProbe finds on this host (any host: the probe never fails). */
class ProbeCommandTest {

    @Test
    void jsonVerdictMatchesHostProbeAndRequireTdxSetsTheExitCode() {
        HostProbe direct = HostProbe.probe();
        boolean tdx = direct.tdx() instanceof TdxSupport.Supported;
        CliRun r = CliRun.run("probe", "--json");
        assertThat(r.rc()).as(r.toString()).isZero();
        JsonNode j = r.json();
        assertThat(j.get("tdx_available").asBoolean()).isEqualTo(tdx);
        assertThat(j.get("tdx").asText()).isEqualTo(direct.tdx().describe());
        assertThat(j.get("access").asText()).isEqualTo(direct.access().describe());
        CliRun req = CliRun.run("probe", "--require-tdx");
        assertThat(req.rc()).isEqualTo(tdx ? 0 : 1);
        assertThat(req.out()).contains(direct.tdx().describe()).doesNotContain("\u001b[");
    }
}
