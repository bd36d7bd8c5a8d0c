package org.tdxsim.kvm.device;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSortedSet;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Where the host publishes the facts KVM does not: procfs, sysfs and the x86 {@code cpuid}/{@code msr}
 * character devices. A record of paths so tests can point it at a fake tree; {@link #system()} is the
 * real one. Every reader returns empty when the file is missing or unreadable — a probe never fails
 * because one source is absent.
 *
 * @param procCpuinfo {@code /proc/cpuinfo}
 * @param osRelease {@code /proc/sys/kernel/osrelease} (the running kernel's release)
 * @param sysModule {@code /sys/module}: loaded modules and their parameters
 * @param sysCpu {@code /sys/devices/system/cpu}: topology
 * @param devCpu {@code /dev/cpu}: {@code N/cpuid} (raw CPUID, x86 cpuid driver) and {@code N/msr}
 * @param miscCapacity candidate {@code misc.capacity} files of the misc cgroup controller (root cgroup,
 *     cgroup v2 or v1 mount); KVM registers the number of TDX private KeyIDs there as resource
 *     {@code tdx} ({@code misc_cg_set_capacity(MISC_CG_RES_TDX, tdx_get_nr_guest_keyids())} in tdx.c)
 */
public record HostFiles(Path procCpuinfo, Path osRelease, Path sysModule, Path sysCpu, Path devCpu,
                        ImmutableList<Path> miscCapacity) {

    /** The running host's files. */
    public static HostFiles system() {
        return new HostFiles(CpuInfo.PROC_CPUINFO, Path.of("/proc/sys/kernel/osrelease"), Path.of("/sys/module"),
                Path.of("/sys/devices/system/cpu"), Path.of("/dev/cpu"),
                ImmutableList.of(Path.of("/sys/fs/cgroup/misc.capacity"),
                        Path.of("/sys/fs/cgroup/unified/misc.capacity"),
                        Path.of("/sys/fs/cgroup/misc/misc.capacity")));
    }

    /** The same layout under {@code root} (for tests: {@code root/proc/cpuinfo}, {@code root/sys/module}, ...). */
    public static HostFiles under(Path root) {
        return new HostFiles(root.resolve("proc/cpuinfo"), root.resolve("proc/sys/kernel/osrelease"),
                root.resolve("sys/module"), root.resolve("sys/devices/system/cpu"), root.resolve("dev/cpu"),
                ImmutableList.of(root.resolve("sys/fs/cgroup/misc.capacity")));
    }

    public Optional<CpuInfo> cpuInfo() {
        return CpuInfo.read(procCpuinfo);
    }

    public Optional<String> kernelRelease() {
        return readTrimmed(osRelease);
    }

    /** {@code /sys/module/<name>} exists. */
    public boolean moduleLoaded(String name) {
        return Files.isDirectory(sysModule.resolve(name));
    }

    /** {@code /sys/module/<module>/parameters/<parameter>}, trimmed. */
    public Optional<String> moduleParameter(String module, String parameter) {
        return readTrimmed(sysModule.resolve(module).resolve("parameters").resolve(parameter));
    }

    /** Loaded KVM vendor modules: {@code kvm_intel}, {@code kvm_amd}, or another {@code kvm_*}. */
    public ImmutableSortedSet<String> kvmVendorModules() {
        Set<String> found = new HashSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(sysModule, "kvm_*")) {
            ds.forEach(p -> found.add(p.getFileName().toString()));
        } catch (IOException | SecurityException e) {
            // no sysfs: nothing known
        }
        return ImmutableSortedSet.copyOf(found);
    }

    /** Distinct {@code cpuN/topology/physical_package_id} values: the number of CPU packages. */
    public OptionalInt packages() {
        Set<String> ids = new HashSet<>();
        forEachCpu(cpu -> readTrimmed(cpu.resolve("topology/physical_package_id")).ifPresent(ids::add));
        return ids.isEmpty() ? OptionalInt.empty() : OptionalInt.of(ids.size());
    }

    /** Number of {@code cpuN} directories with a topology: the logical processors the kernel knows. */
    public OptionalInt logicalProcessors() {
        int[] n = {0};
        forEachCpu(cpu -> {
            if (Files.isDirectory(cpu.resolve("topology"))) {
                n[0]++;
            }
        });
        return n[0] == 0 ? OptionalInt.empty() : OptionalInt.of(n[0]);
    }

    private void forEachCpu(java.util.function.Consumer<Path> action) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(sysCpu, "cpu[0-9]*")) {
            ds.forEach(action);
        } catch (IOException | SecurityException e) {
            // no sysfs
        }
    }

    /** The capacity of misc-cgroup resource {@code resource} (e.g. {@code tdx}), from the first readable file. */
    public OptionalLong miscCapacity(String resource) {
        for (Path p : miscCapacity) {
            Optional<String> text = readTrimmed(p);
            if (text.isEmpty()) {
                continue;
            }
            for (String line : text.get().split("\n")) {
                String[] kv = line.trim().split("\\s+");
                if (kv.length == 2 && kv[0].equals(resource)) {
                    try {
                        return OptionalLong.of(Long.parseLong(kv[1]));
                    } catch (NumberFormatException e) {
                        return OptionalLong.empty();
                    }
                }
            }
        }
        return OptionalLong.empty();
    }

    /** {@code /dev/cpu/<cpu>/cpuid}. */
    public Path cpuidDevice(int cpu) {
        return devCpu.resolve(Integer.toString(cpu)).resolve("cpuid");
    }

    /**
     * MSR {@code address} of CPU {@code cpu} through {@code /dev/cpu/N/msr} (x86 msr driver: an 8-byte
     * pread at offset = MSR address; needs root and the msr module). Empty if unavailable or the MSR
     * does not exist (the driver returns EIO).
     */
    public OptionalLong msr(int cpu, int address) {
        Path dev = devCpu.resolve(Integer.toString(cpu)).resolve("msr");
        try (FileChannel ch = FileChannel.open(dev, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            if (ch.read(b, Integer.toUnsignedLong(address)) != 8) {
                return OptionalLong.empty();
            }
            return OptionalLong.of(b.getLong(0));
        } catch (IOException | SecurityException | UnsupportedOperationException e) {
            return OptionalLong.empty();
        }
    }

    private static Optional<String> readTrimmed(Path p) {
        try {
            return Optional.of(Files.readString(p).trim());
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }
}
