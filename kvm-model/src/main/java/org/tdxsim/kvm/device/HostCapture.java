package org.tdxsim.kvm.device;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableList;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.profile.ProfileFormatException;

/**
 * Turns a {@link HostProbe} of a real host into a simulator platform profile (the JSON schema of
 * {@link PlatformProfiles}, schemaVersion 1), so a user can simulate their own machine.
 *
 * <p><b>CPUID source.</b> Java cannot execute CPUID without native code. Two sources exist:
 * <ol>
 *   <li>raw CPUID through {@code /dev/cpu/0/cpuid} ({@link CpuidDevice}; root and the x86 cpuid
 *       driver) — preferred: the values the CPU (or, nested, the outer hypervisor) really returns;
 *   <li>{@code KVM_GET_SUPPORTED_CPUID} — always there with {@code /dev/kvm}, but it is KVM's
 *       <em>filtered</em> view: the features KVM can give a guest, not the host's. Bits KVM does not
 *       virtualize are clear; bits it synthesizes for guests are set (the hypervisor bit, GuestPhysBits).
 * </ol>
 * Either way, the values KVM or an outer hypervisor fills for guests are put back to what hardware
 * reports, and every such change is recorded in {@code provenance.captureAdjustments}.
 *
 * <p><b>What a capture cannot know</b> is written into the JSON as knob sources ("assumption: ...")
 * and listed in {@code provenance.unknowable}: 5-level EPT (no KVM ioctl reports it; read from MSR
 * 0x48C or {@code /proc/cpuinfo} "vmx flags" where available, else inferred from KVM's GuestPhysBits,
 * else defaulted to {@code false}), HKID counts (MSR 0x87 if readable; else only the TDX KeyID count
 * KVM registers in the misc cgroup on a TDX host; the MKTME count is defaulted), packages (sysfs: the
 * OS's view — a guest sees its virtual topology), TSC (KVM_GET_TSC_KHZ: the default vCPU TSC, which is
 * the host TSC unless KVM scales), TDX Connect and SEAMVERIFYREPORT (not visible; defaulted like the
 * built-in profiles).
 */
public final class HostCapture {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Pattern BRAND_GHZ = Pattern.compile("@\\s*(\\d+(?:\\.\\d+)?)\\s*GHz");

    /** MSR addresses the profile schema knows (PlatformProfile constants), plus the KeyID split. */
    static final int MSR_IA32_MKTME_KEYID_PARTITIONING = 0x87;

    /** Fallback TSC when neither KVM, CPUID 0x15 nor the brand string gives one (a stated assumption). */
    static final long DEFAULT_TSC_HZ = 2_000_000_000L;

    private HostCapture() {}

    /** Which CPUID table the profile was built from. */
    public enum CpuidSource {
        RAW_DEVICE("/dev/cpu/0/cpuid (raw CPUID of CPU 0)"),
        KVM_SUPPORTED_CPUID("KVM_GET_SUPPORTED_CPUID (KVM's filtered view, not raw CPUID)");

        private final String description;

        CpuidSource(String description) {
            this.description = description;
        }

        public String description() {
            return description;
        }
    }

    /** The outcome: a profile, or why none could be made. */
    public sealed interface Result {}

    /**
     * A captured profile.
     *
     * @param json the profile file text (load it with {@code PlatformProfiles.load(Path)})
     * @param profile the same text loaded back through {@link PlatformProfiles#load(String, java.io.InputStream)}
     * @param source where the CPUID came from
     * @param adjustments each change made to the captured CPUID, one line each
     * @param assumptions each knob whose value is an assumption, one line each ({@code knob: why})
     */
    public record Captured(String json, PlatformProfile profile, CpuidSource source,
                           ImmutableList<String> adjustments, ImmutableList<String> assumptions) implements Result {}

    /** No profile: neither CPUID source was available, or the result did not load. */
    public record NotCaptured(String reason) implements Result {}

    /** Captures with a generated name ({@code captured-<vendor>-<family>-<model>}). */
    public static Result capture(HostProbe probe) {
        return capture(probe, Optional.empty(), Instant.now());
    }

    /**
     * Captures {@code probe} as a profile named {@code name} (default {@code captured-<vendor>-f<family>-m<model>}),
     * stamped with {@code capturedAt}.
     */
    public static Result capture(HostProbe probe, Optional<String> name, Instant capturedAt) {
        CpuidSource source;
        List<KvmCpuidEntry2> cpuid;
        if (probe.rawCpuid().isPresent() && !probe.rawCpuid().get().isEmpty()) {
            source = CpuidSource.RAW_DEVICE;
            cpuid = new ArrayList<>(probe.rawCpuid().get());
        } else if (probe.supportedCpuid().isPresent()) {
            source = CpuidSource.KVM_SUPPORTED_CPUID;
            cpuid = new ArrayList<>(probe.supportedCpuid().get().entries());
        } else {
            return new NotCaptured("no CPUID source: " + probe.access().describe()
                    + "; /dev/cpu/0/cpuid not readable (needs root and the x86 cpuid driver)");
        }
        return new Builder(probe, source, cpuid).build(name, capturedAt);
    }

    /** Builds one capture; collects adjustments and assumptions while it goes. */
    private static final class Builder {
        private final HostProbe probe;
        private final CpuidSource source;
        private final List<KvmCpuidEntry2> cpuid;
        private final List<String> adjustments = new ArrayList<>();
        private final List<String> assumptions = new ArrayList<>();
        private final ArrayNode adjustmentNodes = JSON.createArrayNode();
        private final ObjectNode knobs = JSON.createObjectNode();

        Builder(HostProbe probe, CpuidSource source, List<KvmCpuidEntry2> cpuid) {
            this.probe = probe;
            this.source = source;
            this.cpuid = cpuid;
        }

        Result build(Optional<String> name, Instant capturedAt) {
            // Hypervisor leaves (0x40000000-0x4FFFFFFF) describe KVM or an outer hypervisor, not the CPU.
            cpuid.removeIf(e -> (e.function() & 0xF000_0000) == 0x4000_0000);
            normalizeGuestOnlyValues();

            String vendor = reg(0, 0).map(e -> HostProbe.vendorString(e.ebx(), e.edx(), e.ecx()))
                    .or(() -> probe.cpuInfo().map(CpuInfo::vendorId)).orElse("unknown");
            int signature = reg(1, 0).map(KvmCpuidEntry2::eax).orElse(0);
            int[] fms = HostProbe.familyModelStepping(signature);
            String brand = brandString().or(() -> probe.cpuInfo().map(CpuInfo::modelName)).orElse("").trim();
            boolean intel = CpuInfo.INTEL.equals(vendor);
            boolean tdxCapable = probe.vmTypes().contains(VmType.TDX)
                    || probe.cpuInfo().map(CpuInfo::tdxHostPlatform).orElse(false);
            String profileName = name.orElse(("captured-" + vendor + "-f" + fms[0] + "-m" + fms[1])
                    .toLowerCase(Locale.ROOT));

            eptKnobs(intel);
            long xcr0 = xstateMask(0, true);
            long xss = xstateMask(1, false);
            knob("supportedXcr0", hex64(xcr0), "CPUID(0xD,0) EDX:EAX from " + sourceShort()
                    + (source == CpuidSource.KVM_SUPPORTED_CPUID ? " (KVM limits it to the XCR0 bits it supports for guests)" : ""));
            knob("supportedXss", hex64(xss), "CPUID(0xD,1) EDX:ECX from " + sourceShort()
                    + (source == CpuidSource.KVM_SUPPORTED_CPUID ? " (KVM limits it to the IA32_XSS bits it supports for guests)" : ""));
            tscKnob(brand);
            topologyKnobs();
            hkidKnobs(tdxCapable);
            assume("tdxConnect", false, "assumption: no TDX Connect (TDX IO); not visible to a capture");
            boolean lass = reg(7, 1).map(e -> (e.eax() >>> 6 & 1) == 1).orElse(false);
            knob("lass", lass, "CPUID(7,1).EAX[6] (LASS) from " + sourceShort());
            msrBitKnob("miscEnableLimitCpuidMaxval", PlatformProfile.MSR_IA32_MISC_ENABLE, 22, false,
                    "assumption: 0 (IA32_MISC_ENABLE not readable); TDH.MNG.INIT requires 0 (abi §4.1 row 1)");
            msrBitKnob("tsxCtrl", PlatformProfile.MSR_IA32_ARCH_CAPABILITIES, 7, intel && tdxCapable,
                    "assumption: IA32_ARCH_CAPABILITIES not readable; " + (intel && tdxCapable
                            ? "every TDX-capable Intel part among the built-in profiles has TSX_CTRL"
                            : "not a TDX-capable Intel host"));
            assume("seamVerifyReport", tdxCapable, "assumption: SEAMVERIFYREPORT "
                    + (tdxCapable ? "available on TDX-capable parts (as in the built-in profiles)" : "absent: no TDX")
                    + "; not visible to a capture");

            ObjectNode root = JSON.createObjectNode();
            root.put("schemaVersion", 1);
            root.put("name", profileName);
            root.put("displayName", (brand.isEmpty() ? vendor : brand) + " (captured from this host)");
            root.put("vendor", vendor);
            root.put("microarchitecture", String.format("unknown (captured: family 0x%X model 0x%X stepping %d)",
                    fms[0], fms[1], fms[2]));
            root.put("brandString", brand);
            root.put("signature", hex32(signature));
            root.put("synthesized", false);
            root.set("provenance", provenance(capturedAt));
            root.put("tdxCapable", tdxCapable);
            root.put("tdxCapableReason", probe.tdx().describe());
            ArrayNode notes = root.putArray("notes");
            notes.add("Captured by tdxsim HostCapture. CPUID source: " + source.description() + ".");
            if (source == CpuidSource.KVM_SUPPORTED_CPUID) {
                notes.add("KVM_GET_SUPPORTED_CPUID is KVM's filtered view: features KVM cannot give a guest are "
                        + "missing, so this table understates the CPU. Run the capture as root with the x86 cpuid "
                        + "driver loaded (modprobe cpuid) to read raw CPUID instead.");
            }
            if (probe.cpuInfo().map(CpuInfo::underHypervisor).orElse(false)) {
                notes.add("This host is itself a guest (CPU flag 'hypervisor'): CPUID, topology and TSC are what "
                        + "its hypervisor presents, not bare-metal values.");
            }
            notes.add("CPUID: subleaf null = leaf without subleaves (matches any ECX); a leaf or subleaf not "
                    + "listed reads as all zeros (SDM), except 0xB/0x1F and leaves above the maximum.");
            notes.add("Knobs whose source starts with 'assumption' could not be captured; edit them to match "
                    + "the real platform.");
            root.set("knobs", knobs);
            root.set("cpuid", cpuidNodes());
            root.set("msrs", msrNodes());

            String text;
            try {
                text = JSON.writeValueAsString(root) + "\n";
            } catch (JsonProcessingException e) {
                return new NotCaptured("cannot render JSON: " + e.getOriginalMessage());
            }
            try {
                PlatformProfile profile = PlatformProfiles.load("captured:" + profileName,
                        new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
                return new Captured(text, profile, source, ImmutableList.copyOf(adjustments),
                        ImmutableList.copyOf(assumptions));
            } catch (ProfileFormatException e) {
                return new NotCaptured("captured profile does not load: " + e.getMessage());
            }
        }

        // ---- CPUID adjustments

        /**
         * Puts back what hardware reports where KVM or an outer hypervisor fills values for guests:
         * CPUID 0x80000008 EAX[23:16] "GuestPhysBits" is 0 on bare metal (host-cpus README: 0 in every
         * bare-metal dump; KVM fills it since 6.10, uapi §4.2); KVM's supported CPUID sets CPUID.1:ECX[31]
         * (hypervisor) for guests, cleared here unless the host itself runs under a hypervisor.
         */
        private void normalizeGuestOnlyValues() {
            for (int i = 0; i < cpuid.size(); i++) {
                KvmCpuidEntry2 e = cpuid.get(i);
                if (e.function() == 0x8000_0008 && (e.eax() & 0x00FF_0000) != 0) {
                    int fixed = e.eax() & ~0x00FF_0000;
                    adjust(i, e.withRegisters(fixed, e.ebx(), e.ecx(), e.edx()), "CPUID(0x80000008).EAX[23:16] (GuestPhysBits)",
                            e.eax() >>> 16 & 0xFF, 0, "filled by " + (source == CpuidSource.RAW_DEVICE
                                    ? "the hypervisor this host runs under" : "KVM for its guests")
                                    + "; hardware reports 0 (uapi §4.2, host-cpus README)");
                }
                boolean hostIsGuest = probe.cpuInfo().map(CpuInfo::underHypervisor).orElse(false);
                if (source == CpuidSource.KVM_SUPPORTED_CPUID && e.function() == 1 && e.ecx() < 0 && !hostIsGuest) {
                    adjust(i, e.withRegisters(e.eax(), e.ebx(), e.ecx() & 0x7FFF_FFFF, e.edx()),
                            "CPUID(1).ECX[31] (hypervisor)", 1, 0,
                            "KVM sets it for guests; /proc/cpuinfo has no 'hypervisor' flag, so the host CPU reports 0");
                }
            }
        }

        private void adjust(int index, KvmCpuidEntry2 replacement, String what, long from, long to, String why) {
            cpuid.set(index, replacement);
            adjustments.add(what + ": " + from + " -> " + to + " (" + why + ")");
            ObjectNode n = adjustmentNodes.addObject();
            n.put("what", what);
            n.put("capturedValue", from);
            n.put("profileValue", to);
            n.put("why", why);
        }

        // ---- knobs

        private void eptKnobs(boolean intel) {
            OptionalLong cap = msr(PlatformProfile.MSR_IA32_VMX_EPT_VPID_CAP);
            if (cap.isPresent()) {
                String v = String.format("IA32_VMX_EPT_VPID_CAP (MSR 0x48C) = 0x%016X", cap.getAsLong());
                knob("ept4Level", (cap.getAsLong() >>> 6 & 1) == 1, v + ", bit 6 (page-walk length 4) (SDM Vol. 3 App. A.10)");
                knob("ept5Level", (cap.getAsLong() >>> 7 & 1) == 1, v + ", bit 7 (page-walk length 5) (SDM Vol. 3 App. A.10)");
                return;
            }
            if (!intel) {
                knob("ept4Level", false, "no VMX on this CPU (vendor is not Intel); EPT not applicable");
                knob("ept5Level", false, "no VMX on this CPU (vendor is not Intel); EPT not applicable");
                return;
            }
            Optional<CpuInfo> cpu = probe.cpuInfo();
            if (cpu.isPresent() && !cpu.get().vmxFlags().isEmpty()) {
                knob("ept4Level", cpu.get().vmxFlags().contains("ept"), "/proc/cpuinfo 'vmx flags' "
                        + (cpu.get().vmxFlags().contains("ept") ? "has" : "lacks") + " 'ept' (KVM uses EPT only with 4-level walks)");
                knob("ept5Level", cpu.get().ept5Level(), "/proc/cpuinfo 'vmx flags' "
                        + (cpu.get().ept5Level() ? "has" : "lacks") + " 'ept_5level' (VMX_FEATURE_EPT_5LEVEL, read by the kernel"
                        + " from IA32_VMX_EPT_VPID_CAP bit 7)");
                return;
            }
            OptionalInt g = probe.kvmGuestPhysBits();
            int maxPhys = probe.kvmLeaf(0x8000_0008, 0).map(e -> e.eax() & 0xFF).orElse(0);
            if (g.isPresent() && g.getAsInt() != 0) {
                knob("ept4Level", true, "KVM reports GuestPhysBits " + g.getAsInt() + ", so it runs with TDP (EPT), "
                        + "which KVM uses only with 4-level walks (derived, uapi §4.2)");
                if (g.getAsInt() > 48) {
                    knob("ept5Level", true, "derived from KVM_GET_SUPPORTED_CPUID 0x80000008 EAX[23:16] = "
                            + g.getAsInt() + " > 48: KVM caps GuestPhysBits at 48 unless its TDP has 5 levels (uapi §4.2)");
                    return;
                }
                if (maxPhys > 48) {
                    knob("ept5Level", false, "derived from KVM_GET_SUPPORTED_CPUID 0x80000008: GuestPhysBits 48 below"
                            + " MAXPHYADDR " + maxPhys + " means KVM's TDP has fewer than 5 levels (uapi §4.2)");
                    return;
                }
            } else {
                assume("ept4Level", cpu.map(c -> c.flags().contains("vmx")).orElse(true),
                        "assumption: EPT follows the 'vmx' CPU flag; neither MSR 0x48C, 'vmx flags' nor KVM's"
                                + " GuestPhysBits shows it");
            }
            assume("ept5Level", false, "assumption: false — 5-level EPT is not visible through KVM here (no MSR 0x48C,"
                    + " no 'vmx flags' line, GuestPhysBits does not decide it); LA57 is not proof (Sierra Forest has"
                    + " MAXPHYADDR 52 without 5-level EPT, host-cpus README). Set it to true if the host has it.");
        }

        private void tscKnob(String brand) {
            if (probe.tscKhz().isPresent()) {
                knob("tscHz", probe.tscKhz().getAsLong() * 1000, "KVM_GET_TSC_KHZ of a default vCPU = "
                        + probe.tscKhz().getAsLong() + " kHz (the host TSC as KVM uses it, unless KVM scales)");
                return;
            }
            Optional<KvmCpuidEntry2> l15 = reg(0x15, 0);
            if (l15.isPresent() && l15.get().eax() != 0 && l15.get().ebx() != 0 && l15.get().ecx() != 0) {
                KvmCpuidEntry2 e = l15.get();
                long hz = Integer.toUnsignedLong(e.ecx()) * Integer.toUnsignedLong(e.ebx()) / Integer.toUnsignedLong(e.eax());
                knob("tscHz", hz, "CPUID(0x15): crystal ECX=" + Integer.toUnsignedLong(e.ecx()) + " Hz x EBX="
                        + Integer.toUnsignedLong(e.ebx()) + " / EAX=" + Integer.toUnsignedLong(e.eax()));
                return;
            }
            Matcher m = BRAND_GHZ.matcher(brand);
            if (m.find()) {
                long hz = Math.round(Double.parseDouble(m.group(1)) * 1e9);
                assume("tscHz", hz, "assumption: the brand string's nominal frequency (" + m.group() + "); neither"
                        + " KVM_GET_TSC_KHZ nor CPUID 0x15 gave the TSC");
                return;
            }
            assume("tscHz", DEFAULT_TSC_HZ, "assumption: 2 GHz — no KVM_GET_TSC_KHZ, no usable CPUID 0x15, no"
                    + " frequency in the brand string; set the real TSC frequency");
        }

        private void topologyKnobs() {
            int packages = probe.packages().orElse(0);
            if (packages > 0) {
                knob("packages", packages, "sysfs: distinct cpuN/topology/physical_package_id values (the OS's view)");
            } else {
                assume("packages", 1, "assumption: 1 package (sysfs topology not readable)");
                packages = 1;
            }
            int cpus = probe.logicalProcessors().orElse(0);
            if (cpus > 0) {
                knob("logicalProcessors", cpus, "sysfs: " + cpus + " cpuN directories with a topology");
            } else {
                assume("logicalProcessors", packages, "assumption: one logical processor per package (sysfs not readable)");
            }
        }

        private void hkidKnobs(boolean tdxCapable) {
            OptionalLong part = msr(MSR_IA32_MKTME_KEYID_PARTITIONING);
            if (part.isPresent()) {
                // Bits 31:0 NUM_MKTME_KIDS, 63:32 NUM_TDX_PRIV_KIDS (Intel SDM / TDX module spec; the
                // abi digest §7.4 names the fields but not their bit positions).
                String v = String.format("IA32_MKTME_KEYID_PARTITIONING (MSR 0x87) = 0x%016X", part.getAsLong());
                knob("numMktmeKids", (int) (part.getAsLong() & 0xFFFF_FFFFL), v + ", bits 31:0 NUM_MKTME_KIDS");
                knob("numTdxPrivKids", (int) (part.getAsLong() >>> 32), v + ", bits 63:32 NUM_TDX_PRIV_KIDS");
                return;
            }
            OptionalLong tdxKids = probe.tdxKeyIds();
            if (tdxKids.isPresent() && tdxKids.getAsLong() > 0) {
                int n = (int) Math.min(tdxKids.getAsLong(), 1 << 15);
                knob("numTdxPrivKids", n, "misc cgroup capacity of 'tdx' = " + n
                        + " (KVM registers tdx_get_nr_guest_keyids() there)");
                int mktme = n < 63 ? 63 - n : 0;
                assume("numMktmeKids", mktme, "assumption: NUM_MKTME_KIDS is not visible (MSR 0x87 not readable);"
                        + " taken as 63 - NUM_TDX_PRIV_KIDS as if the platform had 6 KeyID bits (64 KeyIDs), the"
                        + " built-in profiles' assumption");
                return;
            }
            if (tdxCapable) {
                assume("numMktmeKids", 15, "assumption: HKIDs not visible (no MSR 0x87, no misc cgroup 'tdx');"
                        + " 64 KeyIDs split as KeyID 0 + 15 MKTME + 48 TDX private, as in the built-in profiles");
                assume("numTdxPrivKids", 48, "assumption (see numMktmeKids): private HKID range [16, 63] (abi §7.4)");
            } else {
                knob("numMktmeKids", 0, "no TDX on this host: no KeyIDs are partitioned for TDX (MKTME not modelled)");
                knob("numTdxPrivKids", 0, "no TDX on this host: no private HKIDs");
            }
        }

        private void msrBitKnob(String knob, int msr, int bit, boolean fallback, String assumption) {
            OptionalLong v = msr(msr);
            if (v.isPresent()) {
                knob(knob, (v.getAsLong() >>> bit & 1) == 1, String.format("MSR 0x%X = 0x%016X, bit %d", msr,
                        v.getAsLong(), bit));
            } else {
                assume(knob, fallback, assumption);
            }
        }

        private OptionalLong msr(int address) {
            Long v = probe.msrs().get(address);
            return v == null ? OptionalLong.empty() : OptionalLong.of(v);
        }

        private void knob(String name, Object value, String source) {
            ObjectNode k = knobs.putObject(name);
            switch (value) {
                case Boolean b -> k.put("value", b);
                case Integer i -> k.put("value", i);
                case Long l -> k.put("value", l);
                default -> k.put("value", value.toString());
            }
            k.put("source", source);
        }

        private void assume(String name, Object value, String source) {
            knob(name, value, source);
            assumptions.add(name + ": " + source);
        }

        // ---- CPUID helpers

        private Optional<KvmCpuidEntry2> reg(int function, int index) {
            for (KvmCpuidEntry2 e : cpuid) {
                if (e.function() == function && (!e.hasSignificantIndex() || e.index() == index)) {
                    return Optional.of(e);
                }
            }
            return Optional.empty();
        }

        /** CPUID(0xD, sub) EDX:EAX (sub 0) or EDX:ECX (sub 1). */
        private long xstateMask(int sub, boolean eax) {
            return reg(0xD, sub).map(e -> Integer.toUnsignedLong(e.edx()) << 32
                    | Integer.toUnsignedLong(eax ? e.eax() : e.ecx())).orElse(0L);
        }

        /** The brand string in CPUID 0x80000002-0x80000004 (48 ASCII bytes, NUL-padded). */
        private Optional<String> brandString() {
            StringBuilder sb = new StringBuilder();
            for (int leaf = 0x8000_0002; leaf <= 0x8000_0004; leaf++) {
                Optional<KvmCpuidEntry2> e = reg(leaf, 0);
                if (e.isEmpty()) {
                    return Optional.empty();
                }
                for (int r = 0; r < 4; r++) {
                    int v = e.get().register(r);
                    for (int i = 0; i < 4; i++) {
                        char c = (char) (v >>> (8 * i) & 0xFF);
                        if (c != 0) {
                            sb.append(c);
                        }
                    }
                }
            }
            String s = sb.toString().trim();
            return s.isEmpty() ? Optional.empty() : Optional.of(s);
        }

        private String sourceShort() {
            return source == CpuidSource.RAW_DEVICE ? "raw CPUID" : "KVM_GET_SUPPORTED_CPUID";
        }

        private ArrayNode cpuidNodes() {
            ArrayNode a = JSON.createArrayNode();
            for (KvmCpuidEntry2 e : cpuid) {
                ObjectNode n = a.addObject();
                n.put("leaf", hex32(e.function()));
                if (e.hasSignificantIndex()) {
                    n.put("subleaf", hex32(e.index()));
                } else {
                    n.putNull("subleaf");
                }
                n.put("eax", hex32(e.eax()));
                n.put("ebx", hex32(e.ebx()));
                n.put("ecx", hex32(e.ecx()));
                n.put("edx", hex32(e.edx()));
            }
            return a;
        }

        private ArrayNode msrNodes() {
            ArrayNode a = JSON.createArrayNode();
            probe.msrs().forEach((addr, v) -> {
                ObjectNode n = a.addObject();
                n.put("msr", hex32(addr));
                n.put("value", hex64(v));
            });
            return a;
        }

        private ObjectNode provenance(Instant capturedAt) {
            ObjectNode p = JSON.createObjectNode();
            ObjectNode c = p.putObject("capture");
            c.put("tool", "tdxsim HostCapture (org.tdxsim.kvm.device)");
            c.put("capturedAt", capturedAt.toString());
            probe.kernelRelease().ifPresent(r -> c.put("kernel", r));
            c.put("cpuidSource", source.description());
            c.put("kvmVmTypes", probe.vmTypesMask().isPresent() ? VmType.describe(probe.vmTypesMask().getAsLong()) : "unknown");
            c.put("kvmModules", String.join(", ", probe.kvmModules()));
            probe.cpuInfo().ifPresent(ci -> {
                c.put("procCpuinfoModelName", ci.modelName());
                c.put("underHypervisor", ci.underHypervisor());
            });
            p.set("captureAdjustments", adjustmentNodes);
            ArrayNode unknowable = p.putArray("unknowable");
            unknowable.add("5-level EPT: no KVM ioctl reports it; read from MSR 0x48C or /proc/cpuinfo 'vmx flags' when"
                    + " available, else inferred from KVM's GuestPhysBits (uapi §4.2), else assumed false");
            unknowable.add("HKID counts: MSR 0x87 when readable; else KVM shows only the TDX KeyID count (misc cgroup"
                    + " 'tdx', TDX hosts); the MKTME count is assumed");
            unknowable.add("packages / logical processors: sysfs, i.e. the OS's view (a guest sees its virtual topology)");
            unknowable.add("TSC: KVM_GET_TSC_KHZ of a default vCPU (the host TSC unless KVM scales), else CPUID 0x15,"
                    + " else assumed");
            unknowable.add("CPUID: " + (source == CpuidSource.RAW_DEVICE ? "raw, but only of CPU 0"
                    : "KVM's filtered view (KVM_GET_SUPPORTED_CPUID); raw CPUID needs root and /dev/cpu/0/cpuid"));
            unknowable.add("MSRs other than 0x87/0x10A/0x1A0/0x48C, TDX Connect, SEAMVERIFYREPORT: not captured");
            return p;
        }
    }

    static String hex32(int v) {
        return String.format("0x%08X", v);
    }

    static String hex64(long v) {
        return String.format("0x%016X", v);
    }

    /** The capture as the lines a CLI prints after writing the file. */
    public static ImmutableList<String> summary(Result result) {
        return switch (result) {
            case NotCaptured n -> ImmutableList.of("no profile captured: " + n.reason());
            case Captured c -> {
                List<String> lines = new ArrayList<>();
                lines.add("captured " + c.profile() + " from " + c.source().description());
                c.adjustments().forEach(a -> lines.add("adjusted " + a));
                c.assumptions().forEach(a -> lines.add("assumed " + a));
                yield ImmutableList.copyOf(lines);
            }
        };
    }
}
