package org.tdxsim.kvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tdxsim.kvm.device.DeviceBackend;
import org.tdxsim.kvm.sim.SimulatedKernel;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.profile.ModuleProfiles;

/** Backend selection by name and by -Dtdxsim.backend. */
class BackendsTest {

    private final String saved = System.getProperty(Backends.PROPERTY);

    @AfterEach
    void restoreProperty() {
        if (saved == null) {
            System.clearProperty(Backends.PROPERTY);
        } else {
            System.setProperty(Backends.PROPERTY, saved);
        }
    }

    @Test
    void namesSelectTheTransport() {
        try (KvmBackend sim = Backends.named("sim"); KvmBackend dev = Backends.named(" Device ")) {
            assertThat(sim).isInstanceOf(SimulatedKernel.class);
            assertThat(sim.name()).isEqualTo("sim");
            assertThat(dev).isInstanceOf(DeviceBackend.class);
            assertThat(dev.name()).isEqualTo("device");
        }
        assertThat(Backends.names()).containsExactly("sim", "device");
    }

    @Test
    void systemPropertyDefaultsToTheSimulator() {
        System.clearProperty(Backends.PROPERTY);
        try (KvmBackend b = Backends.fromSystemProperty()) {
            assertThat(b).isInstanceOf(SimulatedKernel.class);
        }
        System.setProperty(Backends.PROPERTY, "device");
        try (KvmBackend b = Backends.fromSystemProperty()) {
            assertThat(b).isInstanceOf(DeviceBackend.class);
        }
    }

    @Test
    void unknownNameIsAOneLineError() {
        System.setProperty(Backends.PROPERTY, "qemu");
        assertThatThrownBy(Backends::fromSystemProperty).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown tdxsim.backend 'qemu': expected one of [sim, device]");
    }

    @Test
    void simulatedWithAModuleAndPlatform() {
        try (SimulatedKernel k = Backends.simulated(ModuleProfiles.latest(),
                PlatformProfiles.builtIn("raptor-lake-core-i9-14900k"))) {
            assertThat(k.config().platform().name()).isEqualTo("raptor-lake-core-i9-14900k");
            assertThat(k.tdxEnabled()).isFalse();
        }
        try (SimulatedKernel k = Backends.simulated(SimulatedKernel.Config.defaults())) {
            assertThat(k.tdxEnabled()).isTrue();
        }
    }
}
