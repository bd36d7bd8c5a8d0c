package org.tdxsim.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.abort;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.TdxFeatures0;

/**
 * Whether TDX comes up on a simulated module × platform, as the uapi shows it (KVM_CAP_VM_TYPES bit 5),
 * against the bring-up rules of the spec. Simulator only: a device's module and platform are fixed.
 */
@DisplayName("BringUpChecks")
public class BringUpChecks extends TargetedChecks {

    /** TDX_FEATURES0 bits KVM requires at bring-up: NO_RBP_MOD (18), TOPOLOGY_ENUM (20) (abi §6.4, uapi §4.4). */
    static final long KVM_REQUIRED_FEATURES0 = 1L << 18 | 1L << 20;

    @Test
    @DisplayName("TDX is offered exactly when the platform runs TDX, TDH.SYS.INIT accepts it and KVM accepts the module (abi §5.5, §6.4; uapi §1)")
    void tdxAvailabilityFollowsBringUpRules() {
        if (!target.simulated()) {
            abort("bring-up rules compare the module's and the platform's data; a device's are fixed");
        }
        ModuleProfile m = target.module().orElseThrow();
        PlatformProfile p = target.platform().orElseThrow();
        List<String> reasons = new ArrayList<>();
        if (!p.tdxCapable()) {
            reasons.add("platform " + p.name() + " cannot run the TDX module");
        }
        if ((m.version().is1_0() || !m.version().isAtLeast(1, 5, 6)) && p.maxPhysAddr() != 52) {
            reasons.add("module " + m.version() + " TDH.SYS.INIT requires native MAXPHYADDR 52, platform has "
                    + p.maxPhysAddr() + " (abi §5.5)");
        }
        long features0 = m.tdxFeatures0().map(TdxFeatures0::valueWithAllConditionalBits).orElse(0L);
        if ((features0 & KVM_REQUIRED_FEATURES0) != KVM_REQUIRED_FEATURES0) {
            reasons.add(String.format("module %s TDX_FEATURES0 0x%x lacks NO_RBP_MOD|TOPOLOGY_ENUM, which KVM "
                    + "requires (abi §6.4)", m.version(), features0));
        }
        boolean expected = reasons.isEmpty();
        assertThat(host.hasTdx()).as("TDX offered on module %s × %s; expected %s%s", m.version(), p.name(), expected,
                expected ? "" : " because " + reasons + "; kernel says: " + target.bringUp().orElse("(no reason)"))
                .isEqualTo(expected);
        if (!expected) {
            assertThat(target.bringUp()).as("a refused bring-up is reported with its reason").isPresent();
        }
    }
}
