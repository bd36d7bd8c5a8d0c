package org.tdxsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.platform.PlatformProfiles;

/** {@code tdxsim capture-host} prints a platform profile the simulator loads back, or says why it cannot. */
class CaptureHostCommandTest {

    @Test
    void capturedProfileLoadsAndWorksAsPlatformAndAsCheckInput() throws Exception {
        CliRun r = CliRun.run("capture-host", "--name", "test-host");
        if (r.rc() == 1) {
            // a host without /dev/kvm and without /dev/cpu/0/cpuid: the reason is on stderr, stdout stays empty
            assertThat(r.err()).contains("no profile captured");
            assertThat(r.out()).isEmpty();
            return;
        }
        assertThat(r.rc()).as(r.toString()).isZero();
        assertThat(r.err()).contains("captured");
        PlatformProfile p = PlatformProfiles.load("stdout", new ByteArrayInputStream(r.out().getBytes(StandardCharsets.UTF_8)));
        assertThat(p.name()).isEqualTo("test-host");
        // the profile's "cpuid" array is accepted as check input (CpuidInput's {"cpuid": [...]} shape)
        CliRun check = CliRun.withStdin(r.out(), "check", "-", "--json");
        assertThat(check.rc()).as(check.toString()).isIn(0, 1);
        assertThat(check.json().get("init_vm")).isNotNull();
    }

    @Test
    void badNameIsAUsageError() {
        CliRun r = CliRun.run("capture-host", "--name", "../../etc/x");
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("--name");
    }
}
