package org.tdxsim.kvm.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void defaultFlow() {
        SimulatedKernel k = SimulatedKernel.create();
        System.out.println("tdx enabled " + k.tdxEnabled() + " " + k.tdxDisabledReason());
        try (QemuFlow f = new QemuFlow(k)) {
            f.all(2);
        }
        System.out.println(k.teardownLog().entries());
        assertThat(k.keyidsInUse()).isZero();
    }
}
