package org.tdxsim.kvm.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.common.collect.ImmutableList;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;

/** Raw CPUID through /dev/cpu/0/cpuid, checked against the kernel's own reading in /proc/cpuinfo. */
class CpuidDeviceTest {

    private static ImmutableList<KvmCpuidEntry2> raw() {
        Path dev = Path.of("/dev/cpu/0/cpuid");
        assumeTrue(Files.isReadable(dev), "skipped: /dev/cpu/0/cpuid not readable (needs root and the x86 cpuid driver)");
        Optional<ImmutableList<KvmCpuidEntry2>> r = CpuidDevice.read(dev);
        assertThat(r).isPresent();
        return r.get();
    }

    @Test
    void leafZeroAndOneMatchProcCpuinfo() {
        ImmutableList<KvmCpuidEntry2> raw = raw();
        CpuInfo host = CpuInfo.read(CpuInfo.PROC_CPUINFO).orElseThrow();
        KvmCpuidEntry2 l0 = raw.get(0);
        assertThat(l0.function()).isZero();
        assertThat(HostProbe.vendorString(l0.ebx(), l0.edx(), l0.ecx())).isEqualTo(host.vendorId());
        assertThat(l0.eax()).isEqualTo(host.cpuidLevel().orElseThrow());
        KvmCpuidEntry2 l1 = raw.stream().filter(e -> e.function() == 1).findFirst().orElseThrow();
        assertThat(HostProbe.familyModelStepping(l1.eax())).containsExactly(host.family().orElseThrow(),
                host.model().orElseThrow(), host.stepping().orElseThrow());
        // CPUID.1:ECX[31] is the 'hypervisor' flag the kernel shows
        assertThat(l1.ecx() < 0).isEqualTo(host.underHypervisor());
    }

    /**
     * Every basic leaf 0..max appears, in order; leaves with sub-leaves carry SIGNIFCANT_INDEX and
     * sub-leaf 0 first; 0x80000008 EAX[7:0] is the kernel's MAXPHYADDR or more (KeyID bits).
     */
    @Test
    void tableShape() {
        ImmutableList<KvmCpuidEntry2> raw = raw();
        int max = raw.get(0).eax();
        assertThat(raw.stream().filter(e -> Integer.compareUnsigned(e.function(), 0x8000_0000) < 0)
                .map(KvmCpuidEntry2::function).distinct()).hasSize(max + 1).isSorted();
        for (int i = 1; i < raw.size(); i++) {
            KvmCpuidEntry2 prev = raw.get(i - 1);
            KvmCpuidEntry2 e = raw.get(i);
            if (e.function() == prev.function()) {
                assertThat(e.hasSignificantIndex()).isTrue();
                assertThat(e.index()).isGreaterThan(prev.index());
            } else if (e.hasSignificantIndex()) {
                assertThat(e.index()).as("first entry of leaf 0x%x", e.function()).isZero();
            }
        }
        CpuInfo host = CpuInfo.read(CpuInfo.PROC_CPUINFO).orElseThrow();
        int phys = raw.stream().filter(e -> e.function() == 0x8000_0008).findFirst().orElseThrow().eax() & 0xFF;
        assertThat(phys).isGreaterThanOrEqualTo(host.physicalAddressBits().orElseThrow());
    }

    @Test
    void missingDeviceIsEmpty() {
        assertThat(CpuidDevice.read(Path.of("/nonexistent/cpuid"))).isEmpty();
    }
}
