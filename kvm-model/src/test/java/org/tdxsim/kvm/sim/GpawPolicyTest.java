package org.tdxsim.kvm.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tdxsim.kvm.sim.KvmAsserts.fails;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import org.junit.jupiter.api.Test;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.ModuleProfiles;

/** The three GPAW decisions (kvm-tdx-uapi.md §4.1, §4.6). */
class GpawPolicyTest {

    static SimulatedKernel kernel(GpawPolicy p, String platform) {
        return SimulatedKernel.create(SimulatedKernel.Config.defaults().withGpawPolicy(p)
                .withPlatform(PlatformProfiles.builtIn(platform)));
    }

    static KvmCpuid2 with80000008Eax(KvmCpuid2 c, int maxpa, int guestPhysBits) {
        return InitVmTest.edit(c, 0x80000008, 0, e -> e.withRegisters((e.eax() & 0xFF00) | maxpa | guestPhysBits << 16,
                e.ebx(), e.ecx(), e.edx()));
    }

    /** UPSTREAM ignores EAX[7:0] and needs EAX[23:16] ∈ {48, 52}; PRE_MERGE keys on EAX[7:0] and ignores [23:16]. */
    @Test
    void upstreamVersusPreMerge() {
        String gnr = "granite-rapids-w-xeon-658x";
        try (SimulatedKernel k = kernel(GpawPolicy.UPSTREAM, gnr); QemuFlow f = InitVmTest.ready(k)) {
            fails(() -> f.vm.tdxInitVm(InitVmTest.withCpuid(f, with80000008Eax(f.initCpuid, 52, 0))), Errno.EINVAL,
                    "GuestPhysBits 0 is not 48 or 52");
            f.vm.tdxInitVm(InitVmTest.withCpuid(f, with80000008Eax(f.initCpuid, 46, 52)));
            assertThat(k.vmView(f.vm.fd()).orElseThrow().sharedBit()).isEqualTo(51);
        }
        try (SimulatedKernel k = kernel(GpawPolicy.PRE_MERGE, gnr); QemuFlow f = InitVmTest.ready(k)) {
            f.vm.tdxInitVm(InitVmTest.withCpuid(f, with80000008Eax(f.initCpuid, 52, 0)));
            assertThat(k.vmView(f.vm.fd()).orElseThrow().sharedBit()).as("MAXPHYADDR 52 > 48 → 5-level").isEqualTo(51);
        }
        try (SimulatedKernel k = kernel(GpawPolicy.PRE_MERGE, gnr); QemuFlow f = InitVmTest.ready(k)) {
            f.vm.tdxInitVm(InitVmTest.withCpuid(f, with80000008Eax(f.initCpuid, 46, 52)));
            assertThat(k.vmView(f.vm.fd()).orElseThrow().sharedBit()).as("MAXPHYADDR 46 → 4-level").isEqualTo(47);
        }
        try (SimulatedKernel k = kernel(GpawPolicy.PRE_MERGE, gnr); QemuFlow f = InitVmTest.ready(k)) {
            KvmCpuid2 none = KvmCpuid2.of(f.initCpuid.entries().stream().filter(e -> e.function() != 0x80000008).toList());
            f.vm.tdxInitVm(InitVmTest.withCpuid(f, none));
            assertThat(k.vmView(f.vm.fd()).orElseThrow().sharedBit()).as("absent leaf → 36 → 4-level").isEqualTo(47);
        }
        try (SimulatedKernel k = kernel(GpawPolicy.PRE_MERGE, "sierra-forest-synthesized"); QemuFlow f = InitVmTest.ready(k)) {
            fails(() -> f.vm.tdxInitVm(InitVmTest.withCpuid(f, with80000008Eax(f.initCpuid, 52, 48))), Errno.EINVAL,
                    "MAXPHYADDR (EAX[7:0]) 52 is above 48 but the host has no 5-level EPT");
        }
    }

    /** PUCK_STRICT with shipped modules never refuses: each allows GPAW 1 (CONFIG_FLAGS_FIXED0 bit 0). */
    @Test
    void puckStrictAcceptsShippedModules() {
        for (String v : Fixtures.KVM_MODULES) {
            SimulatedKernel k = SimulatedKernel.create(SimulatedKernel.Config.defaults().withGpawPolicy(GpawPolicy.PUCK_STRICT)
                    .withModule(ModuleProfiles.builtIn(v)));
            assertThat(k.tdxEnabled()).as(v).isTrue();
        }
    }

    /**
     * A module that only allows GPAW 0 (CONFIG_FLAGS_FIXED0 without bit 0) on a MAXPHYADDR-52, 5-level-EPT
     * host: PUCK_STRICT refuses TDX at bring-up (KVM_CAP_VM_TYPES without TDX); without 5-level EPT there
     * is nothing to refuse; UPSTREAM enables TDX and the conflict surfaces at INIT_VM as the module's
     * EPTP/CONFIG_FLAGS rejection.
     */
    @Test
    void puckStrictRefusesAGpaw0OnlyModule() throws Exception {
        ModuleProfile gpaw0 = gpaw0Only();
        var gnr = PlatformProfiles.builtIn("granite-rapids-w-xeon-658x");
        SimulatedKernel strict = SimulatedKernel.create(SimulatedKernel.Config.defaults().withModule(gpaw0)
                .withPlatform(gnr).withGpawPolicy(GpawPolicy.PUCK_STRICT));
        assertThat(strict.tdxEnabled()).isFalse();
        assertThat(strict.tdxDisabledReason()).get().asString().contains("only allows GPAW 0").contains("0xE");
        SimulatedKernel noEpt5 = SimulatedKernel.create(SimulatedKernel.Config.defaults().withModule(gpaw0)
                .withPlatform(PlatformProfiles.builtIn("sierra-forest-synthesized")).withGpawPolicy(GpawPolicy.PUCK_STRICT));
        assertThat(noEpt5.tdxEnabled()).isTrue();
        try (SimulatedKernel up = SimulatedKernel.create(SimulatedKernel.Config.defaults().withModule(gpaw0)
                .withPlatform(gnr)); QemuFlow f = InitVmTest.ready(up)) {
            assertThat(up.tdxEnabled()).isTrue();
            var e = fails(f::initVm, Errno.EINVAL, "TDH.MNG.INIT rejected TD_PARAMS");
            assertThat(e.hwErrorName()).get().asString().startsWith("TDX_OPERAND_INVALID|");
        }
    }

    /** The 1.5.06 profile with CONFIG_FLAGS_FIXED0 = 0xE (no GPAW bit), as a user-loaded profile would say. */
    static ModuleProfile gpaw0Only() throws Exception {
        ObjectMapper om = new ObjectMapper();
        JsonNode root;
        try (InputStream in = ModuleProfiles.class.getResourceAsStream("/org/tdxsim/modules/tdx-module-1.5.06.json")) {
            root = om.readTree(in);
        }
        ObjectNode c = (ObjectNode) root.get("constants").get("CONFIG_FLAGS_FIXED0");
        c.put("hex", "0x000000000000000E");
        c.put("dec", 14);
        c.putArray("bits").add(1).add(2).add(3);
        for (JsonNode g : root.get("globalFields")) {
            if (g.get("name").asText().equals("CONFIG_FLAGS_FIXED0")) {
                ((ObjectNode) g.get("reported")).put("value", "0x000000000000000E").put("valueDec", 14);
            }
        }
        return ModuleProfiles.load("test: 1.5.06 with GPAW 0 only", new ByteArrayInputStream(om.writeValueAsBytes(root)));
    }
}
