package org.tdxsim.kvm.device;

import com.google.common.base.CharMatcher;
import com.google.common.base.Splitter;
import com.google.common.collect.ImmutableSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the host kernel says about CPU 0 in {@code /proc/cpuinfo}: the kernel's own reading of raw
 * CPUID (vendor string, family/model/stepping, max basic leaf, feature flags, address sizes). This is
 * the independent witness the probe compares KVM's filtered view ({@code KVM_GET_SUPPORTED_CPUID})
 * with: Java cannot execute CPUID itself without native code.
 *
 * @param vendorId {@code vendor_id}, e.g. {@code GenuineIntel}, {@code AuthenticAMD}
 * @param family {@code cpu family} (display family, decimal)
 * @param model {@code model} (display model, decimal)
 * @param stepping {@code stepping}
 * @param modelName {@code model name} (the brand string), empty if absent
 * @param cpuidLevel {@code cpuid level}: CPUID.0:EAX as the kernel uses it
 * @param physicalAddressBits from {@code address sizes: N bits physical}
 * @param virtualAddressBits from {@code address sizes: ..., M bits virtual}
 * @param flags the {@code flags} line (the kernel's feature names, e.g. {@code vmx}, {@code hypervisor},
 *     {@code tdx_host_platform} = X86_FEATURE_TDX_HOST_PLATFORM, "platform supports being a TDX host",
 *     i.e. the firmware enabled TDX). These are what the kernel uses, not raw CPUID: e.g. it clears
 *     {@code la57} when it runs with 4-level paging even if the CPU has LA57
 * @param vmxFlags the {@code vmx flags} line (Intel, kernels with CONFIG_X86_VMX_FEATURE_NAMES): the VMX
 *     capabilities the kernel read from the VMX capability MSRs, e.g. {@code ept_5level}
 *     ({@code arch/x86/include/asm/vmxfeatures.h}, VMX_FEATURE_EPT_5LEVEL); empty if absent
 */
public record CpuInfo(
        String vendorId,
        OptionalInt family,
        OptionalInt model,
        OptionalInt stepping,
        String modelName,
        OptionalInt cpuidLevel,
        OptionalInt physicalAddressBits,
        OptionalInt virtualAddressBits,
        ImmutableSet<String> flags,
        ImmutableSet<String> vmxFlags) {

    /** The kernel's vendor string of Intel CPUs. */
    public static final String INTEL = "GenuineIntel";
    /** The kernel's vendor string of AMD CPUs. */
    public static final String AMD = "AuthenticAMD";

    /** Where Linux publishes it. */
    public static final Path PROC_CPUINFO = Path.of("/proc/cpuinfo");

    private static final Pattern ADDRESS_SIZES =
            Pattern.compile("(\\d+)\\s+bits physical,\\s*(\\d+)\\s+bits virtual");

    /** Reads and parses {@code path}; empty if it cannot be read or has no vendor_id. */
    public static Optional<CpuInfo> read(Path path) {
        try {
            return parse(Files.readString(path));
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    /**
     * Parses the first processor block of {@code /proc/cpuinfo} text ({@code key\t: value} lines up to
     * the first blank line). Empty if there is no {@code vendor_id} (e.g. not an x86 kernel).
     */
    public static Optional<CpuInfo> parse(String text) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : text.split("\n", -1)) {
            if (line.isBlank()) {
                if (!fields.isEmpty()) {
                    break;
                }
                continue;
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.putIfAbsent(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
        }
        String vendor = fields.get("vendor_id");
        if (vendor == null || vendor.isEmpty()) {
            return Optional.empty();
        }
        OptionalInt phys = OptionalInt.empty();
        OptionalInt virt = OptionalInt.empty();
        Matcher m = ADDRESS_SIZES.matcher(fields.getOrDefault("address sizes", ""));
        if (m.find()) {
            phys = OptionalInt.of(Integer.parseInt(m.group(1)));
            virt = OptionalInt.of(Integer.parseInt(m.group(2)));
        }
        return Optional.of(new CpuInfo(
                vendor,
                number(fields.get("cpu family")),
                number(fields.get("model")),
                number(fields.get("stepping")),
                fields.getOrDefault("model name", ""),
                number(fields.get("cpuid level")),
                phys,
                virt,
                words(fields.get("flags")),
                words(fields.get("vmx flags"))));
    }

    /** {@code vendor_id} is {@code GenuineIntel}. */
    public boolean isIntel() {
        return INTEL.equals(vendorId);
    }

    /** The firmware enabled TDX: flag {@code tdx_host_platform} (X86_FEATURE_TDX_HOST_PLATFORM). */
    public boolean tdxHostPlatform() {
        return flags.contains("tdx_host_platform");
    }

    /** CPUID.1:ECX[31] as the kernel reports it: this host is itself a guest (nested virtualization). */
    public boolean underHypervisor() {
        return flags.contains("hypervisor");
    }

    /** The line has the VMX feature name {@code ept_5level} (5-level EPT paging). */
    public boolean ept5Level() {
        return vmxFlags.contains("ept_5level");
    }

    private static ImmutableSet<String> words(String value) {
        return value == null ? ImmutableSet.of() : ImmutableSet.copyOf(Splitter.on(CharMatcher.whitespace()).omitEmptyStrings().split(value));
    }

    private static OptionalInt number(String value) {
        if (value == null) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(value.trim()));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }
}
