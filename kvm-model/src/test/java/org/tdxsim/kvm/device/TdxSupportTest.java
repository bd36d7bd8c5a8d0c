package org.tdxsim.kvm.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.tdxsim.kvm.device.TdxSupport.Reason;
import org.tdxsim.kvm.device.TdxSupport.Unsupported;

/**
 * The "why no TDX" chain. The only positive signal is the KVM_CAP_VM_TYPES bit KVM_X86_TDX_VM (uapi §1:
 * VMX sets it only if kvm_intel.tdx survived hardware setup); every other input only explains its
 * absence, in the order device → KVM → vendor → kvm_intel → parameter.
 */
class TdxSupportTest {

    private static final KvmAccess OK = KvmAccess.of("/dev/kvm", 3);
    private static final long DEFAULT_ONLY = 1L << VmType.DEFAULT.type();
    private static final long AMD_SNP_HOST = 0b11111; // DEFAULT, SW_PROTECTED, SEV, SEV_ES, SNP
    private static final long WITH_TDX = DEFAULT_ONLY | 1L << VmType.TDX.type();

    private static Optional<CpuInfo> cpu(String vendor, String flags) {
        return CpuInfo.parse("vendor_id : " + vendor + "\nflags : " + flags + "\n");
    }

    private static Unsupported unsupported(TdxSupport s) {
        assertThat(s).isInstanceOf(Unsupported.class);
        return (Unsupported) s;
    }

    @Test
    void theVmTypesBitAloneMeansSupported() {
        TdxSupport s = TdxSupport.decide(OK, OptionalLong.of(WITH_TDX), Optional.of(CpuInfo.INTEL),
                cpu(CpuInfo.INTEL, "vmx"), true, Optional.of("Y"));
        assertThat(s).isInstanceOf(TdxSupport.Supported.class);
    }

    @Test
    void noDeviceComesFirstAndCarriesTheOpenErrno() {
        KvmAccess missing = KvmAccess.of("/dev/kvm", -2);
        Unsupported u = unsupported(TdxSupport.decide(missing, OptionalLong.of(WITH_TDX),
                Optional.of(CpuInfo.INTEL), Optional.empty(), true, Optional.of("Y")));
        assertThat(u.reason()).isEqualTo(Reason.NO_KVM_ACCESS);
        assertThat(u.explanation()).startsWith("ENOENT").contains("/dev/kvm does not exist");
        Unsupported denied = unsupported(TdxSupport.decide(KvmAccess.of("/dev/kvm", -13), OptionalLong.empty(),
                Optional.empty(), Optional.empty(), false, Optional.empty()));
        assertThat(denied.explanation()).startsWith("EACCES").contains("permission denied");
    }

    @Test
    void amdHostNamesItsVmTypes() {
        Unsupported u = unsupported(TdxSupport.decide(OK, OptionalLong.of(AMD_SNP_HOST),
                Optional.of(CpuInfo.AMD), cpu(CpuInfo.AMD, "svm"), false, Optional.empty()));
        assertThat(u.reason()).isEqualTo(Reason.NOT_INTEL);
        assertThat(u.explanation()).contains("not an Intel host (AuthenticAMD)").doesNotContain("hypervisor");
    }

    @Test
    void nestedHostIsMentioned() {
        Unsupported u = unsupported(TdxSupport.decide(OK, OptionalLong.of(DEFAULT_ONLY), Optional.of(CpuInfo.AMD),
                cpu(CpuInfo.AMD, "hypervisor"), false, Optional.empty()));
        assertThat(u.explanation()).contains("itself a guest");
    }

    @Test
    void intelChainKvmIntelThenParameterThenFirmware() {
        Optional<String> intel = Optional.of(CpuInfo.INTEL);
        OptionalLong mask = OptionalLong.of(DEFAULT_ONLY);
        assertThat(unsupported(TdxSupport.decide(OK, mask, intel, cpu(CpuInfo.INTEL, "vmx"), false,
                Optional.empty())).reason()).isEqualTo(Reason.KVM_INTEL_NOT_LOADED);
        assertThat(unsupported(TdxSupport.decide(OK, mask, intel, cpu(CpuInfo.INTEL, "vmx"), true,
                Optional.empty())).reason()).isEqualTo(Reason.KERNEL_WITHOUT_KVM_TDX);

        Unsupported off = unsupported(TdxSupport.decide(OK, mask, intel,
                cpu(CpuInfo.INTEL, "vmx tdx_host_platform"), true, Optional.of("N\n")));
        assertThat(off.reason()).isEqualTo(Reason.KVM_INTEL_TDX_OFF);
        assertThat(off.explanation()).contains("kvm_intel.tdx=N").contains("tdx=1").doesNotContain("firmware");

        Unsupported noFirmware = unsupported(TdxSupport.decide(OK, mask, intel, cpu(CpuInfo.INTEL, "vmx"), true,
                Optional.of("N")));
        assertThat(noFirmware.reason()).isEqualTo(Reason.KVM_INTEL_TDX_OFF);
        assertThat(noFirmware.explanation()).contains("'tdx_host_platform' is missing");

        assertThat(unsupported(TdxSupport.decide(OK, mask, intel, cpu(CpuInfo.INTEL, "vmx"), true,
                Optional.of("Y"))).reason()).isEqualTo(Reason.INCONSISTENT);
    }

    @Test
    void kernelWithoutVmTypes() {
        Unsupported u = unsupported(TdxSupport.decide(OK, OptionalLong.of(0), Optional.of(CpuInfo.INTEL),
                Optional.empty(), true, Optional.empty()));
        assertThat(u.reason()).isEqualTo(Reason.NO_VM_TYPES);
        assertThat(TdxSupport.decide(OK, OptionalLong.empty(), Optional.of(CpuInfo.INTEL), Optional.empty(), true,
                Optional.empty())).isEqualTo(u);
    }
}
