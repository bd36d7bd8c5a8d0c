package org.tdxsim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tdxsim.kvm.Kvm;
import org.tdxsim.kvm.KvmException;
import org.tdxsim.kvm.QemuProtocols;
import org.tdxsim.kvm.VmFd;
import org.tdxsim.kvm.sim.SimulatedKernel;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.kvm.uapi.KvmTdxCapabilities;
import org.tdxsim.kvm.uapi.KvmTdxInitVm;
import org.tdxsim.module.cpuid.CpuidRegs;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.ModuleProfiles;

/**
 * {@code tdxsim check} answers what the simulated kernel answers: the CPUID tables here are built the way
 * QEMU builds them (KVM_TDX_CAPABILITIES leaves, native values ANDed with the configurable masks,
 * GuestPhysBits in 0x80000008 EAX[23:16]; field-notes §2.4, kvm-tdx-uapi §7.1), and each verdict is compared
 * with KVM_TDX_INIT_VM issued directly on a fresh simulated kernel.
 */
class CheckCommandTest {

    @TempDir
    Path dir;

    private static final ModuleProfile MODULE = ModuleProfiles.builtIn("2.0.08");
    private static final PlatformProfile PLATFORM = PlatformProfiles.defaultPlatform();

    /** QEMU's tdx_filter_cpuid over the platform's native CPUID, with GuestPhysBits {@code gpaBits}. */
    private static List<KvmCpuidEntry2> qemuLike(int gpaBits) {
        try (SimulatedKernel k = SimulatedKernel.create(MODULE, PLATFORM); Kvm kvm = Kvm.open(k);
                VmFd vm = kvm.createVm(KvmConstants.KVM_X86_TDX_VM)) {
            KvmTdxCapabilities caps = QemuProtocols.tdxCapabilities(vm);
            List<KvmCpuidEntry2> out = new ArrayList<>();
            for (KvmCpuidEntry2 mask : caps.cpuid().entries()) {
                CpuidRegs n = PLATFORM.cpuid(mask.function(), mask.index());
                int eax = n.eax() & mask.eax();
                if (mask.function() == 0x8000_0008) {
                    eax = (eax & ~0x00FF_0000) | gpaBits << 16;
                }
                out.add(new KvmCpuidEntry2(mask.function(), mask.index(), KvmConstants.KVM_CPUID_FLAG_SIGNIFCANT_INDEX, eax,
                        n.ebx() & mask.ebx(), n.ecx() & mask.ecx(), n.edx() & mask.edx()));
            }
            return out;
        }
    }

    /** KVM_TDX_INIT_VM issued directly, as check issues it: empty on success, else the exception. */
    private static java.util.Optional<KvmException> direct(List<KvmCpuidEntry2> cpuid) {
        try (SimulatedKernel k = SimulatedKernel.create(MODULE, PLATFORM); Kvm kvm = Kvm.open(k);
                VmFd vm = kvm.createVm(KvmConstants.KVM_X86_TDX_VM)) {
            KvmTdxCapabilities caps = QemuProtocols.tdxCapabilities(vm);
            vm.tdxInitVm(KvmTdxInitVm.of(1L << 28, caps.supportedXfam(), KvmCpuid2.of(cpuid)));
            return java.util.Optional.empty();
        } catch (KvmException e) {
            return java.util.Optional.of(e);
        }
    }

    private Path write(List<KvmCpuidEntry2> cpuid) throws Exception {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        for (KvmCpuidEntry2 e : cpuid) {
            var n = a.addObject();
            n.put("function", Numbers.hex32(e.function()));
            n.put("index", e.index());
            n.put("flags", e.flags());
            n.put("eax", Numbers.hex32(e.eax()));
            n.put("ebx", e.ebx() & 0xFFFF_FFFFL);
            n.put("ecx", Numbers.hex32(e.ecx()));
            n.put("edx", Numbers.hex32(e.edx()));
        }
        Path p = Files.createTempFile(dir, "cpuid", ".json");
        Files.writeString(p, a.toString());
        return p;
    }

    private static List<KvmCpuidEntry2> edit(List<KvmCpuidEntry2> in, int function, int index, UnaryOperator<KvmCpuidEntry2> f) {
        return in.stream().map(e -> e.function() == function && e.index() == index ? f.apply(e) : e).toList();
    }

    private CliRun check(Path file, String... extra) {
        List<String> args = new ArrayList<>(List.of("check", "--module", "2.0.08", "--platform", PLATFORM.name(), file.toString(), "--json"));
        args.addAll(List.of(extra));
        return CliRun.run(args.toArray(String[]::new));
    }

    @Test
    void qemuLikeTableIsAcceptedAsTheKernelAccepts() throws Exception {
        List<KvmCpuidEntry2> cpuid = qemuLike(52);
        assertThat(direct(cpuid)).as("the simulated kernel itself accepts it").isEmpty();
        CliRun r = check(write(cpuid));
        assertThat(r.rc()).as(r.toString()).isZero();
        JsonNode j = r.json();
        assertThat(j.at("/init_vm/ok").asBoolean()).isTrue();
        assertThat(j.get("module").asText()).isEqualTo("2.0.08");
        assertThat(j.get("guest_cpuid")).isNotEmpty();
        assertThat(j.get("guest_cpuid_source").asText()).isEqualTo("KVM_TDX_GET_CPUID");
        assertThat(j.get("module_rejection").isNull()).isTrue();
        CliRun human = CliRun.run("check", "--module", "2.0.08", write(cpuid).toString());
        assertThat(human.out()).contains("KVM_TDX_INIT_VM would succeed").doesNotContain("\u001b[");
    }

    /** kvm-tdx-uapi §4.1: GuestPhysBits must be 48 or 52 (setup_tdparams_eptp_controls). */
    @Test
    void guestPhysBitsOtherThan48Or52FailsWithTheKernelsErrno() throws Exception {
        List<KvmCpuidEntry2> cpuid = qemuLike(52);
        List<KvmCpuidEntry2> bad = qemuLike(46);
        KvmException e = direct(bad).orElseThrow();
        CliRun r = check(write(cpuid), "--guest-phys-bits", "46");
        assertThat(r.rc()).as(r.toString()).isEqualTo(1);
        JsonNode j = r.json();
        assertThat(j.at("/init_vm/errno").asInt()).isEqualTo(e.errno()).isEqualTo(22);
        assertThat(j.at("/init_vm/explanation").asText()).isEqualTo(e.explanation().orElseThrow());
        assertThat(j.at("/init_vm/hw_error").isNull()).isTrue();
    }

    /** kvm-tdx-uapi §5.3: TSX in leaf 7.0 is refused by KVM before the module sees it. */
    @Test
    void tsxIsRefusedByKvm() throws Exception {
        List<KvmCpuidEntry2> cpuid = edit(qemuLike(48), 7, 0,
                e -> new KvmCpuidEntry2(7, 0, e.flags(), e.eax(), e.ebx() | 1 << 4 | 1 << 11, e.ecx(), e.edx()));
        KvmException e = direct(cpuid).orElseThrow();
        JsonNode j = check(write(cpuid)).json();
        assertThat(j.at("/init_vm/errno").asInt()).isEqualTo(e.errno());
        assertThat(j.at("/init_vm/explanation").asText()).isEqualTo(e.explanation().orElseThrow());
    }

    /**
     * abi §4.1 row 22: a 1-bit outside CONFIG_DIRECT|ALLOW_DIRECT reaches TDH.MNG.INIT, which returns
     * TDX_OPERAND_INVALID|CPUID_CONFIG; KVM returns -EINVAL with that status in hw_error (kvm-tdx-uapi §3.2).
     */
    @Test
    void notConfigurableBitIsRefusedByTheModuleWithHwError() throws Exception {
        // CPUID(1).EDX bit 0 (FPU) is not configurable in any version (the configurable masks of abi §5.6 exclude it)
        List<KvmCpuidEntry2> cpuid = edit(qemuLike(48), 1, 0,
                e -> new KvmCpuidEntry2(1, 0, e.flags(), e.eax(), e.ebx(), e.ecx(), e.edx() | 1));
        assertThat(MODULE.configurableEntry(1, 0).orElseThrow().allowedInTdParams().edx() & 1).isZero();
        KvmException e = direct(cpuid).orElseThrow();
        CliRun r = check(write(cpuid));
        assertThat(r.rc()).isEqualTo(1);
        JsonNode j = r.json();
        long expected = MODULE.status("TDX_OPERAND_INVALID", "CPUID_CONFIG");
        assertThat(e.hwError().orElseThrow()).isEqualTo(expected);
        assertThat(j.at("/init_vm/hw_error").asText()).isEqualTo(Numbers.hex64(expected));
        assertThat(j.at("/init_vm/errno_name").asText()).isEqualTo("EINVAL");
        assertThat(j.get("module_rejection").get("summary").asText()).isNotBlank();
    }

    /** The per-bit lists are the classifier's, e.g. leaf 0x1C needs XFAM[15] (abi §5.4). */
    @Test
    void deniedBitsNameTheirRule() throws Exception {
        List<KvmCpuidEntry2> cpuid = qemuLike(48);
        JsonNode j = check(write(cpuid), "--xfam", "0x3").json();
        List<String> labels = new ArrayList<>();
        j.get("denied").forEach(b -> labels.add(b.get("label").asText()));
        assertThat(j.get("denied")).allSatisfy(b -> assertThat(b.get("reason").asText()).isNotBlank());
        assertThat(labels).anyMatch(l -> l.startsWith("XFAM_DERIVED"));
    }

    @Test
    void cpuidFromStdin() throws Exception {
        String json = Files.readString(write(qemuLike(52)));
        CliRun r = CliRun.withStdin(json, "check", "-", "--json");
        assertThat(r.rc()).as(r.toString()).isZero();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--module 9.9|unknown module version '9.9'",
        "--platform commodore-64|unknown platform 'commodore-64'",
        "--attributes 0x1FFFFFFFFFFFFFFFF|--attributes: 0x1FFFFFFFFFFFFFFFF does not fit in 64 bits",
        "--xfam abc|--xfam: 'abc' is not a number",
        "--guest-phys-bits 300|--guest-phys-bits: 300 is out of range [0, 255]",
    })
    void badOptionsAreOneLineAndExitTwo(String opt, String expected) throws Exception {
        Path f = write(qemuLike(52));
        List<String> args = new ArrayList<>(List.of("check", f.toString()));
        args.addAll(List.of(opt.split(" ")));
        CliRun r = CliRun.run(args.toArray(String[]::new));
        assertThat(r.rc()).as(r.toString()).isEqualTo(2);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).startsWith("tdxsim check: ").contains(expected).doesNotContain("Exception");
    }

    @Test
    void badFilesAreOneLineAndExitTwo() throws Exception {
        Path malformed = dir.resolve("bad.json");
        Files.writeString(malformed, "[{\"function\": 1,, }]");
        Path wide = dir.resolve("wide.json");
        Files.writeString(wide, "[{\"function\": 1, \"eax\": \"0x100000000\"}]");
        for (String[] c : new String[][] {
            {dir.resolve("missing.json").toString(), "no such file"},
            {malformed.toString(), "malformed JSON"},
            {wide.toString(), "$[0].eax: 0x100000000 does not fit in 32 bits"},
            {dir.toString(), "is a directory"}}) {
            CliRun r = CliRun.run("check", c[0]);
            assertThat(r.rc()).as(r.toString()).isEqualTo(2);
            assertThat(r.errLines()).hasSize(1);
            assertThat(r.err()).contains(c[1]).doesNotContain("Exception");
        }
        CliRun none = CliRun.run("check");
        assertThat(none.rc()).isEqualTo(2);
        assertThat(none.errLines()).hasSize(1);
    }
}
