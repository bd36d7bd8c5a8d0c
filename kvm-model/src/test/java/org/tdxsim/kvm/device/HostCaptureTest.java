package org.tdxsim.kvm.device;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSortedMap;
import com.google.common.collect.ImmutableSortedSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tdxsim.kvm.Backends;
import org.tdxsim.kvm.sim.SimulatedKernel;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.module.cpuid.CpuidReg;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.profile.ModuleProfiles;

/**
 * Capturing a host as a platform profile: the JSON loads through PlatformProfiles (the simulator's
 * own reader), values visible to the capture are copied, guest-only values are put back to what
 * hardware reports, and everything else is an explicit assumption.
 */
class HostCaptureTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SIG = KvmConstants.KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
    private static final Instant WHEN = Instant.parse("2026-01-02T03:04:05Z");

    @Test
    void thisHostCapturesToALoadableProfile(@TempDir Path dir) throws Exception {
        RealKvm.assumeAccessible();
        HostProbe probe = HostProbe.probe();
        HostCapture.Result r = HostCapture.capture(probe, Optional.of("this-host"), WHEN);
        assertThat(r).isInstanceOf(HostCapture.Captured.class);
        HostCapture.Captured c = (HostCapture.Captured) r;
        PlatformProfile p = c.profile();
        CpuInfo host = probe.cpuInfo().orElseThrow();
        assertThat(p.name()).isEqualTo("this-host");
        assertThat(p.vendor()).isEqualTo(host.vendorId());
        assertThat(new int[] {p.family(), p.model(), p.stepping()}).containsExactly(host.family().orElseThrow(),
                host.model().orElseThrow(), host.stepping().orElseThrow());
        assertThat(p.maxPhysAddr()).isGreaterThanOrEqualTo(host.physicalAddressBits().orElseThrow());
        // 0x80000008 EAX[15:8] is what the kernel prints as "bits virtual" (its 'la57' flag is not: the kernel
        // clears it when it does not itself use 5-level paging, as on this test host)
        assertThat(p.linearAddrBits()).isEqualTo(host.virtualAddressBits().orElseThrow());
        assertThat(p.cpuid(0x8000_0008, 0).eax() >>> 16 & 0xFF).as("GuestPhysBits as hardware reports it").isZero();
        assertThat(p.tdxCapable()).isEqualTo(probe.vmTypes().contains(VmType.TDX) || host.tdxHostPlatform());
        assertThat(c.source()).isEqualTo(probe.rawCpuid().isPresent()
                ? HostCapture.CpuidSource.RAW_DEVICE : HostCapture.CpuidSource.KVM_SUPPORTED_CPUID);
        if (probe.tscKhz().isPresent()) {
            assertThat(p.tscHz()).isEqualTo(probe.tscKhz().getAsLong() * 1000);
        }
        // the file a user would keep loads to the same profile
        Path file = dir.resolve("this-host.json");
        Files.writeString(file, c.json());
        assertThat(PlatformProfiles.load(file)).isEqualTo(p);
        JsonNode root = JSON.readTree(c.json());
        assertThat(root.at("/provenance/capture/capturedAt").asText()).isEqualTo("2026-01-02T03:04:05Z");
        assertThat(root.at("/provenance/unknowable")).hasSizeGreaterThanOrEqualTo(4);
        assertAssumptionsAreMarked(c, root);
    }

    /**
     * The simulator loaded with this host's captured profile answers KVM_CREATE_VM(KVM_X86_TDX_VM) as
     * the host's real KVM does: both accept, or both refuse with EINVAL.
     */
    @Test
    void simulatorWithTheCapturedProfileAgreesWithTheHostOnTdx() {
        RealKvm.assumeAccessible();
        HostProbe probe = HostProbe.probe();
        PlatformProfile captured = captured(probe).profile();
        long real;
        try (DeviceBackend device = new DeviceBackend()) {
            int kvm = device.open(DeviceBackend.DEV_KVM);
            real = device.ioctl(kvm, org.tdxsim.kvm.uapi.Ioctls.KVM_CREATE_VM, KvmConstants.KVM_X86_TDX_VM);
        }
        long simulated;
        try (SimulatedKernel sim = Backends.simulated(ModuleProfiles.latest(), captured)) {
            int kvm = sim.open(DeviceBackend.DEV_KVM);
            simulated = sim.ioctl(kvm, org.tdxsim.kvm.uapi.Ioctls.KVM_CREATE_VM, KvmConstants.KVM_X86_TDX_VM);
        }
        assertThat(simulated < 0).as("simulated %s vs real %s", simulated, real).isEqualTo(real < 0);
        if (real < 0) {
            assertThat(simulated).isEqualTo(real);
        }
    }

    /**
     * An Intel TDX host seen only through KVM (no /dev/cpu, no MSRs): KVM's hypervisor leaves are
     * dropped, the hypervisor bit and GuestPhysBits KVM sets for guests are cleared, 5-level EPT is
     * derived from GuestPhysBits 52 (> 48 only with 5-level TDP, uapi §4.2), the TDX KeyID count comes
     * from the misc cgroup, and the rest is assumed.
     */
    @Test
    void intelTdxHostSeenThroughKvmOnly() throws Exception {
        HostProbe probe = intelProbe(52, "", Map.of(), OptionalLong.of(63));
        HostCapture.Captured c = captured(probe);
        PlatformProfile p = c.profile();
        assertThat(c.source()).isEqualTo(HostCapture.CpuidSource.KVM_SUPPORTED_CPUID);
        assertThat(p.vendor()).isEqualTo(CpuInfo.INTEL);
        assertThat(p.tdxCapable()).isTrue();
        assertThat(p.cpuid().keySet()).noneMatch(k -> (k.leaf() & 0xF000_0000) == 0x4000_0000);
        assertThat(p.cpuid(1, 0).bit(CpuidReg.ECX, 31)).as("hypervisor bit").isFalse();
        assertThat(p.cpuid(0x8000_0008, 0).eax()).isEqualTo(52 | 57 << 8);
        assertThat(p.maxPhysAddr()).isEqualTo(52);
        assertThat(p.la57()).isTrue();
        assertThat(p.ept4Level()).isTrue();
        assertThat(p.ept5Level()).isTrue();
        assertThat(p.knobSources().get("ept5Level")).contains("GuestPhysBits").contains("uapi §4.2");
        assertThat(p.numTdxPrivKids()).isEqualTo(63);
        assertThat(p.numMktmeKids()).isZero();
        assertThat(p.tscHz()).isEqualTo(2_100_000_000L);
        assertThat(p.packages()).isEqualTo(2);
        assertThat(p.logicalProcessors()).isEqualTo(8);
        assertThat(p.supportedXcr0()).isEqualTo(0x602E7L);
        assertThat(p.tsxCtrl()).isTrue();
        assertThat(p.seamVerifyReport()).isTrue();
        assertThat(c.adjustments()).hasSize(2).anyMatch(a -> a.startsWith("CPUID(1).ECX[31]"))
                .anyMatch(a -> a.startsWith("CPUID(0x80000008).EAX[23:16]"));
        assertThat(c.assumptions()).extracting(a -> a.substring(0, a.indexOf(':')))
                .containsExactlyInAnyOrder("numMktmeKids", "tdxConnect", "miscEnableLimitCpuidMaxval", "tsxCtrl",
                        "seamVerifyReport");
        JsonNode root = JSON.readTree(c.json());
        assertThat(root.at("/notes/1").asText()).contains("KVM's filtered view");
        assertAssumptionsAreMarked(c, root);
    }

    /** GuestPhysBits 48 under MAXPHYADDR 52: KVM's TDP has 4 levels, so no 5-level EPT (uapi §4.2). */
    @Test
    void guestPhysBits48MeansNo5LevelEpt() {
        PlatformProfile p = captured(intelProbe(48, "", Map.of(), OptionalLong.empty())).profile();
        assertThat(p.ept5Level()).isFalse();
        assertThat(p.knobSources().get("ept5Level")).contains("fewer than 5 levels");
        // no HKID source on a TDX host: the built-in profiles' split, marked as an assumption
        assertThat(p.numMktmeKids()).isEqualTo(15);
        assertThat(p.numTdxPrivKids()).isEqualTo(48);
        assertThat(p.knobSources().get("numTdxPrivKids")).startsWith("assumption");
    }

    /** KVM without TDP reports GuestPhysBits 0: 5-level EPT cannot be told and is assumed false. */
    @Test
    void noTdpLeaves5LevelEptAnAssumption() {
        HostCapture.Captured c = captured(intelProbe(0, "", Map.of(), OptionalLong.empty()));
        assertThat(c.profile().ept5Level()).isFalse();
        assertThat(c.assumptions()).anyMatch(a -> a.startsWith("ept5Level: assumption: false"));
        assertThat(c.adjustments()).noneMatch(a -> a.contains("GuestPhysBits")); // nothing to clear
    }

    /** The kernel's 'vmx flags' line outranks the GuestPhysBits inference. */
    @Test
    void vmxFlagsLineDecides5LevelEpt() {
        PlatformProfile p = captured(intelProbe(48, "ept ept_ad ept_5level", Map.of(), OptionalLong.empty())).profile();
        assertThat(p.ept5Level()).isTrue();
        assertThat(p.knobSources().get("ept5Level")).contains("'vmx flags'");
    }

    /** Readable MSRs decide EPT levels, HKIDs, TSX_CTRL and LIMIT_CPUID, and are kept in the file. */
    @Test
    void msrsOutrankEverythingAndStayConsistent() {
        long eptCap = 0x00010F0106F34141L; // bit 6 set, bit 7 clear: 4-level only
        long keyIds = (32L << 32) | 31;    // 31 MKTME + 32 TDX private KeyIDs
        HostProbe probe = intelProbe(52, "ept ept_5level", Map.of(0x48C, eptCap, 0x87, keyIds, 0x10A, 0L,
                0x1A0, 1L << 22), OptionalLong.of(63));
        PlatformProfile p = captured(probe).profile();
        assertThat(p.ept4Level()).isTrue();
        assertThat(p.ept5Level()).isFalse();
        assertThat(p.numMktmeKids()).isEqualTo(31);
        assertThat(p.numTdxPrivKids()).isEqualTo(32);
        assertThat(p.minPrivateHkid()).isEqualTo(32);
        assertThat(p.tsxCtrl()).isFalse();
        assertThat(p.miscEnableLimitCpuidMaxval()).isTrue();
        assertThat(p.msr(0x48C)).hasValue(eptCap);
    }

    @Test
    void noCpuidSourceIsNotCaptured() {
        HostProbe none = new HostProbe("/dev/kvm", KvmAccess.of("/dev/kvm", -13), OptionalInt.empty(),
                OptionalLong.empty(), ImmutableMap.of(), Optional.empty(), OptionalLong.empty(), Optional.empty(),
                Optional.empty(), ImmutableSortedMap.of(), ImmutableSortedSet.of(), Optional.empty(), Optional.empty(),
                OptionalInt.empty(), OptionalInt.empty(), OptionalLong.empty(), ImmutableList.of(),
                TdxSupport.decide(KvmAccess.of("/dev/kvm", -13), OptionalLong.empty(), Optional.empty(),
                        Optional.empty(), false, Optional.empty()));
        assertThat(HostCapture.capture(none)).isInstanceOfSatisfying(HostCapture.NotCaptured.class,
                n -> assertThat(n.reason()).contains("EACCES").contains("/dev/cpu/0/cpuid"));
        assertThat(HostCapture.summary(HostCapture.capture(none))).singleElement().asString()
                .startsWith("no profile captured: ");
    }

    // ---- helpers

    private static HostCapture.Captured captured(HostProbe probe) {
        HostCapture.Result r = HostCapture.capture(probe, Optional.empty(), WHEN);
        assertThat(r).isInstanceOf(HostCapture.Captured.class);
        return (HostCapture.Captured) r;
    }

    /** Every assumption is in the file as a knob source starting with "assumption". */
    private static void assertAssumptionsAreMarked(HostCapture.Captured c, JsonNode root) {
        for (String a : c.assumptions()) {
            String knob = a.substring(0, a.indexOf(':'));
            assertThat(root.at("/knobs/" + knob + "/source").asText()).as(knob).startsWith("assumption");
        }
    }

    /**
     * A Sapphire-Rapids-like Intel TDX host as KVM would describe it: KVM_GET_SUPPORTED_CPUID with the
     * hypervisor bit and the given GuestPhysBits, KVM's own 0x40000000 leaf, no raw CPUID.
     */
    private static HostProbe intelProbe(int guestPhysBits, String vmxFlags, Map<Integer, Long> msrs,
            OptionalLong tdxKeyIds) {
        List<KvmCpuidEntry2> e = List.of(
                new KvmCpuidEntry2(0, 0, 0, 0xD, 0x756E6547, 0x6C65746E, 0x49656E69), // GenuineIntel
                new KvmCpuidEntry2(1, 0, 0, 0x000806F8, 0x00000800, 0x80000000 | 0x20, 0x0),
                new KvmCpuidEntry2(7, 0, SIG, 1, 0, 1 << 16, 0),
                new KvmCpuidEntry2(7, 1, SIG, 0, 0, 0, 0),
                new KvmCpuidEntry2(0xD, 0, SIG, 0x602E7, 0, 0, 0),
                new KvmCpuidEntry2(0xD, 1, SIG, 0, 0, 0x1DD00, 0),
                new KvmCpuidEntry2(0x4000_0000, 0, 0, 0x4000_0001, 0x4B4D564B, 0x564B4D56, 0x4D),
                new KvmCpuidEntry2(0x8000_0000, 0, 0, 0x8000_0008, 0, 0, 0),
                new KvmCpuidEntry2(0x8000_0008, 0, 0, 52 | 57 << 8 | guestPhysBits << 16, 0, 0, 0));
        String cpuinfo = "vendor_id : GenuineIntel\ncpu family : 6\nmodel : 143\nstepping : 8\n"
                + "model name : Intel(R) Xeon(R) w7-2475X\ncpuid level : 13\nflags : fpu vmx la57 tdx_host_platform\n"
                + (vmxFlags.isEmpty() ? "" : "vmx flags : " + vmxFlags + "\n")
                + "address sizes : 46 bits physical, 57 bits virtual\n";
        long mask = 1L | 1L << KvmConstants.KVM_X86_TDX_VM;
        KvmAccess ok = new KvmAccess.Accessible("/dev/kvm");
        Optional<CpuInfo> ci = CpuInfo.parse(cpuinfo);
        return new HostProbe("/dev/kvm", ok, OptionalInt.of(12), OptionalLong.of(mask), ImmutableMap.of(),
                Optional.of(KvmCpuid2.of(e)), OptionalLong.of(2_100_000), ci, Optional.empty(),
                ImmutableSortedMap.copyOf(msrs), ImmutableSortedSet.of("kvm_intel"), Optional.of("Y"),
                Optional.of("6.16.0"), OptionalInt.of(2), OptionalInt.of(8), tdxKeyIds, ImmutableList.of(),
                TdxSupport.decide(ok, OptionalLong.of(mask), Optional.of(CpuInfo.INTEL), ci, true, Optional.of("Y")));
    }
}
