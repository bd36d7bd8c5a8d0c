/**
 * The hardware backend: the KVM uapi issued on a real {@code /dev/kvm} through {@code java.lang.foreign}
 * (Java 25), no JNI/JNA and no native code of our own.
 *
 * <ul>
 *   <li>{@link org.tdxsim.kvm.device.DeviceBackend} — the {@link org.tdxsim.kvm.KvmBackend} transport
 *       (open/close/ioctl via {@code Libc}: variadic ioctl, errno captured by the linker, a confined
 *       arena per call) with fd bookkeeping and explanations for the failures users hit first;
 *   <li>{@link org.tdxsim.kvm.device.DeviceMemory} — user memory: confined native arenas, page-aligned
 *       allocations as anonymous mmap(2) mappings (guest RAM, INIT_MEM_REGION sources);
 *   <li>{@link org.tdxsim.kvm.device.HostProbe} — what the host offers (device access, API version, VM
 *       types, capabilities, KVM's supported CPUID, TSC, /proc/cpuinfo, raw CPUID and MSRs where
 *       readable, topology, TDX KeyIDs) and {@link org.tdxsim.kvm.device.TdxSupport}, why TDX is or is
 *       not available;
 *   <li>{@link org.tdxsim.kvm.device.HostCapture} — a probe as a simulator platform profile, with every
 *       value a capture cannot see written down as an assumption;
 *   <li>{@link org.tdxsim.kvm.device.TdxBringUp} — the whole TD build through the typed client, on any
 *       backend: finalizes a TD on a TDX host or on the simulated kernel, stops with the kernel's errno
 *       and a reason elsewhere.
 * </ul>
 *
 * <p>Runtime requirement: {@code --enable-native-access=ALL-UNNAMED} (FFM downcalls are restricted
 * methods) and read/write access to {@code /dev/kvm}; raw CPUID and MSRs additionally need root and the
 * x86 {@code cpuid}/{@code msr} drivers ({@code /dev/cpu/N/cpuid}, {@code /dev/cpu/N/msr}).
 */
package org.tdxsim.kvm.device;
