package org.tdxsim.kvm.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tdxsim.kvm.KvmBackend;
import org.tdxsim.kvm.UserMemory;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.KvmConstants;

/** The host probe on the real /dev/kvm, with the real and with fake procfs/sysfs trees. */
class HostProbeTest {

    @BeforeEach
    void needsKvm() {
        RealKvm.assumeAccessible();
    }

    @Test
    void realHostProbeIsConsistent() {
        long before = RealKvm.openFdCount();
        HostProbe p = HostProbe.probe();
        assertThat(RealKvm.openFdCount()).as("the probe closes every fd it opens").isEqualTo(before);

        assertThat(p.access()).isInstanceOf(KvmAccess.Accessible.class);
        assertThat(p.apiVersion()).hasValue(KvmConstants.KVM_API_VERSION);
        assertThat(p.vmTypes()).contains(VmType.DEFAULT);
        assertThat(p.capabilities()).containsOnlyKeys(HostProbe.CAPABILITIES.keySet());
        assertThat(p.supportedCpuid()).isPresent();
        assertThat(p.problems()).isEmpty();
        assertThat(p.kvmVendor()).isEqualTo(p.cpuInfo().map(CpuInfo::vendorId));
        assertThat(p.crossChecks()).isNotEmpty().allSatisfy(c -> assertThat(c.agrees()).as(c.toString()).isTrue());
        boolean tdxBit = (p.vmTypesMask().orElseThrow() & (1L << KvmConstants.KVM_X86_TDX_VM)) != 0;
        assertThat(p.tdx() instanceof TdxSupport.Supported).isEqualTo(tdxBit);
        assertThat(p.reportLines()).last().asString().startsWith("TDX: ");
        assertThat(p.toString()).contains("KVM_GET_API_VERSION: 12").contains("KVM_CAP_VM_TYPES: 0x")
                .contains("KVM's filtered view");
    }

    /**
     * A fake Intel procfs/sysfs tree next to the real /dev/kvm: the verdict follows the kvm_intel
     * chain from the files, topology and the misc-cgroup 'tdx' capacity come from sysfs, and the
     * vendor cross-check catches a /proc/cpuinfo that does not match KVM's CPUID.
     */
    @Test
    void hostFactsComeFromTheFilesGiven(@TempDir Path root) throws IOException {
        write(root.resolve("proc/cpuinfo"), "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n"
                + "model\t\t: 207\nstepping\t: 2\ncpuid level\t: 31\nflags\t\t: fpu vmx la57\n"
                + "address sizes\t: 46 bits physical, 57 bits virtual\n");
        write(root.resolve("proc/sys/kernel/osrelease"), "6.16.0-fake\n");
        write(root.resolve("sys/module/kvm_intel/parameters/tdx"), "N\n");
        write(root.resolve("sys/devices/system/cpu/cpu0/topology/physical_package_id"), "0\n");
        write(root.resolve("sys/devices/system/cpu/cpu1/topology/physical_package_id"), "1\n");
        write(root.resolve("sys/devices/system/cpu/cpu2/topology/physical_package_id"), "1\n");
        write(root.resolve("sys/fs/cgroup/misc.capacity"), "sev 0\ntdx 31\n");
        HostProbe p;
        try (DeviceBackend b = new DeviceBackend()) {
            p = HostProbe.probe(b, HostFiles.under(root));
            assertThat(b.openDescriptors()).isEmpty();
        }
        assertThat(p.kernelRelease()).hasValue("6.16.0-fake");
        assertThat(p.kvmModules()).containsExactly("kvm_intel");
        assertThat(p.kvmIntelTdx()).hasValue("N");
        assertThat(p.packages()).hasValue(2);
        assertThat(p.logicalProcessors()).hasValue(3);
        assertThat(p.tdxKeyIds()).hasValue(31);
        assertThat(p.rawCpuid()).as("no dev/cpu in the fake tree").isEmpty();
        assertThat(p.msrs()).isEmpty();
        boolean kvmIsIntel = p.kvmVendor().orElseThrow().equals(CpuInfo.INTEL);
        assertThat(p.crossChecks()).filteredOn(c -> c.fact().equals("vendor")).singleElement()
                .satisfies(c -> assertThat(c.agrees()).isEqualTo(kvmIsIntel));
        if (p.vmTypes().contains(VmType.TDX)) {
            assertThat(p.tdx()).isInstanceOf(TdxSupport.Supported.class);
        } else {
            assertThat(p.tdx()).isInstanceOfSatisfying(TdxSupport.Unsupported.class, u -> {
                assertThat(u.reason()).isEqualTo(TdxSupport.Reason.KVM_INTEL_TDX_OFF);
                assertThat(u.explanation()).contains("'tdx_host_platform' is missing");
            });
        }
    }

    /** Without /dev/kvm the probe still reports, and says why: ENOENT, nothing from KVM. */
    @Test
    void noDeviceIsReportedNotThrown(@TempDir Path root) throws IOException {
        write(root.resolve("proc/cpuinfo"), "vendor_id : GenuineIntel\nflags : vmx\n");
        HostProbe p = HostProbe.probe(new NoDevice(), HostFiles.under(root));
        assertThat(p.access()).isInstanceOfSatisfying(KvmAccess.Unavailable.class,
                u -> assertThat(u.errno()).isEqualTo(Errno.ENOENT.number()));
        assertThat(p.apiVersion()).isEmpty();
        assertThat(p.supportedCpuid()).isEmpty();
        assertThat(p.crossChecks()).isEmpty();
        assertThat(p.tdx()).isInstanceOfSatisfying(TdxSupport.Unsupported.class,
                u -> assertThat(u.reason()).isEqualTo(TdxSupport.Reason.NO_KVM_ACCESS));
        assertThat(p.reportLines().getFirst()).isEqualTo("/dev/kvm: " + KvmAccess.explain("/dev/kvm", 2));
        assertThat(HostCapture.capture(p)).isInstanceOfSatisfying(HostCapture.NotCaptured.class,
                n -> assertThat(n.reason()).contains("no CPUID source"));
    }

    private static void write(Path p, String text) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    /** A transport on a host without /dev/kvm. */
    private static final class NoDevice implements KvmBackend {
        @Override
        public String name() {
            return "no-device";
        }

        @Override
        public int open(String path) {
            return Errno.ENOENT.negated();
        }

        @Override
        public int close(int fd) {
            return Errno.EBADF.negated();
        }

        @Override
        public long ioctl(int fd, long request, long arg) {
            return Errno.EBADF.negated();
        }

        @Override
        public UserMemory memory() {
            return new DeviceMemory();
        }

        @Override
        public void close() {}
    }
}
