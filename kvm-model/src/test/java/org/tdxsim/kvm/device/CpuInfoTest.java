package org.tdxsim.kvm.device;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Parsing of /proc/cpuinfo text: the first processor block, typed fields, flags. */
class CpuInfoTest {

    private static final String INTEL_TDX_HOST = """
            processor\t: 0
            vendor_id\t: GenuineIntel
            cpu family\t: 6
            model\t\t: 173
            model name\t: Intel(R) Xeon(R) 6 658X
            stepping\t: 1
            cpuid level\t: 35
            flags\t\t: fpu vme vmx smx la57 tdx_host_platform
            vmx flags\t: vnmi preemption_timer invvpid ept_x_only ept_ad ept_1gb ept_5level flexpriority
            address sizes\t: 46 bits physical, 57 bits virtual

            processor\t: 1
            vendor_id\t: SomethingElse
            cpu family\t: 99
            """;

    @Test
    void parsesTheFirstProcessorBlockOnly() {
        CpuInfo c = CpuInfo.parse(INTEL_TDX_HOST).orElseThrow();
        assertThat(c.vendorId()).isEqualTo("GenuineIntel");
        assertThat(c.isIntel()).isTrue();
        assertThat(c.family()).hasValue(6);
        assertThat(c.model()).hasValue(173);
        assertThat(c.stepping()).hasValue(1);
        assertThat(c.cpuidLevel()).hasValue(35);
        assertThat(c.modelName()).isEqualTo("Intel(R) Xeon(R) 6 658X");
        assertThat(c.physicalAddressBits()).hasValue(46);
        assertThat(c.virtualAddressBits()).hasValue(57);
        assertThat(c.flags()).contains("vmx", "la57", "tdx_host_platform").doesNotContain("hypervisor");
        assertThat(c.vmxFlags()).contains("ept_5level", "ept_ad");
        assertThat(c.underHypervisor()).isFalse();
    }

    @Test
    void missingFieldsAreEmptyNotZero() {
        CpuInfo c = CpuInfo.parse("vendor_id : AuthenticAMD\nflags : fpu hypervisor\n").orElseThrow();
        assertThat(c.family()).isEmpty();
        assertThat(c.cpuidLevel()).isEmpty();
        assertThat(c.physicalAddressBits()).isEmpty();
        assertThat(c.vmxFlags()).isEmpty();
        assertThat(c.underHypervisor()).isTrue();
        assertThat(c.isIntel()).isFalse();
    }

    @Test
    void noVendorMeansNoX86CpuInfo() {
        assertThat(CpuInfo.parse("processor : 0\nBogoMIPS : 50.00\nFeatures : fp asimd\n")).isEmpty();
        assertThat(CpuInfo.parse("")).isEmpty();
    }
}
