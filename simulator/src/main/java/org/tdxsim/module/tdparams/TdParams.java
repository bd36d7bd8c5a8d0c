package org.tdxsim.module.tdparams;

import static org.tdxsim.module.tdparams.TdParamsLayout.*;

import com.google.common.collect.ImmutableList;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.tdxsim.module.cpuid.CpuidRegs;
import org.tdxsim.module.profile.ModuleProfile;

/**
 * TD_PARAMS, the 1024-byte input of TDH.MNG.INIT (abi §3.1 for 1.5/2.0, §3.2 for 1.0), with every
 * byte represented: the typed fields plus the reserved areas as they were in memory, so that
 * {@code decode(encode(x)) == x} and the reserved-field checks see the real bytes.
 *
 * @param layout                      version layout (N = MAX_NUM_CPUID_CONFIG, 1.0 or later)
 * @param attributes                  0x000 ATTRIBUTES (abi §3.4)
 * @param xfam                        0x008 XFAM
 * @param maxVcpus                    0x010 MAX_VCPUS (u16)
 * @param numL2Vms                    0x012 NUM_L2_VMS (u8, 1.5+; 0 in the 1.0 layout)
 * @param msrConfigCtls               0x013 MSR_CONFIG_CTLS (u8, 1.5+; 0 in the 1.0 layout)
 * @param reserved0                   0x014 (4 bytes; 1.0: 0x012, 6 bytes)
 * @param eptpControls                0x018 EPTP_CONTROLS (abi §3.5)
 * @param configFlags                 0x020 CONFIG_FLAGS (1.0: EXEC_CONTROLS; abi §3.6)
 * @param tscFrequency                0x028 TSC_FREQUENCY in 25 MHz units (u16)
 * @param reserved1                   0x02A, 38 bytes
 * @param mrConfigId                  0x050, 48 bytes
 * @param mrOwner                     0x080, 48 bytes
 * @param mrOwnerConfig               0x0B0, 48 bytes
 * @param ia32ArchCapabilitiesConfig  0x0E0 (1.5+; 0 in the 1.0 layout)
 * @param reserved2                   0x0E8, 24 bytes (1.0: 0x0E0, 32 bytes)
 * @param cpuidConfig                 0x100, N x {EAX, EBX, ECX, EDX}
 * @param reserved3                   0x100 + 16N .. 0x3FF
 */
public record TdParams(
        TdParamsLayout layout,
        long attributes,
        long xfam,
        int maxVcpus,
        int numL2Vms,
        int msrConfigCtls,
        ByteBlock reserved0,
        long eptpControls,
        long configFlags,
        int tscFrequency,
        ByteBlock reserved1,
        ByteBlock mrConfigId,
        ByteBlock mrOwner,
        ByteBlock mrOwnerConfig,
        long ia32ArchCapabilitiesConfig,
        ByteBlock reserved2,
        ImmutableList<CpuidRegs> cpuidConfig,
        ByteBlock reserved3) {

    public TdParams {
        Objects.requireNonNull(layout);
        check(maxVcpus >= 0 && maxVcpus <= 0xFFFF, "MAX_VCPUS is a u16: " + maxVcpus);
        check(numL2Vms >= 0 && numL2Vms <= 0xFF, "NUM_L2_VMS is a u8: " + numL2Vms);
        check(msrConfigCtls >= 0 && msrConfigCtls <= 0xFF, "MSR_CONFIG_CTLS is a u8: " + msrConfigCtls);
        check(tscFrequency >= 0 && tscFrequency <= 0xFFFF, "TSC_FREQUENCY is a u16: " + tscFrequency);
        check(reserved0.length() == layout.reserved0Size(), "reserved0 size");
        check(reserved1.length() == RESERVED1_SIZE, "reserved1 size");
        check(mrConfigId.length() == MEASUREMENT_SIZE && mrOwner.length() == MEASUREMENT_SIZE
                && mrOwnerConfig.length() == MEASUREMENT_SIZE, "measurement registers are 48 bytes");
        check(reserved2.length() == layout.reserved2Size(), "reserved2 size");
        check(cpuidConfig.size() == layout.numCpuidConfig(), "CPUID_CONFIG has " + cpuidConfig.size()
                + " entries, layout needs " + layout.numCpuidConfig());
        check(reserved3.length() == layout.reserved3Size(), "reserved3 size");
        check(!layout.v10() || (numL2Vms == 0 && msrConfigCtls == 0 && ia32ArchCapabilitiesConfig == 0),
                "1.0 layout has no NUM_L2_VMS / MSR_CONFIG_CTLS / IA32_ARCH_CAPABILITIES_CONFIG (reserved bytes)");
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException("TD_PARAMS: " + what);
        }
    }

    // ---- codec ----

    /** Decodes 1024 bytes with the layout of {@code module}. */
    public static TdParams decode(ModuleProfile module, byte[] bytes) {
        return decode(TdParamsLayout.of(module), bytes);
    }

    /** Decodes the first 1024 bytes of {@code segment} (which must be at least that long). */
    public static TdParams decode(ModuleProfile module, MemorySegment segment) {
        if (segment.byteSize() < SIZE) {
            throw new IllegalArgumentException("TD_PARAMS needs " + SIZE + " bytes, segment has " + segment.byteSize());
        }
        return decode(module, segment.asSlice(0, SIZE).toArray(ValueLayout.JAVA_BYTE));
    }

    public static TdParams decode(TdParamsLayout layout, byte[] bytes) {
        if (bytes.length != SIZE) {
            throw new IllegalArgumentException("TD_PARAMS is " + SIZE + " bytes, got " + bytes.length);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        List<CpuidRegs> cpuid = new ArrayList<>();
        for (int i = 0; i < layout.numCpuidConfig(); i++) {
            int o = OFF_CPUID_CONFIG + 16 * i;
            cpuid.add(new CpuidRegs(b.getInt(o), b.getInt(o + 4), b.getInt(o + 8), b.getInt(o + 12)));
        }
        boolean v10 = layout.v10();
        return new TdParams(layout,
                b.getLong(OFF_ATTRIBUTES),
                b.getLong(OFF_XFAM),
                Short.toUnsignedInt(b.getShort(OFF_MAX_VCPUS)),
                v10 ? 0 : Byte.toUnsignedInt(b.get(OFF_NUM_L2_VMS)),
                v10 ? 0 : Byte.toUnsignedInt(b.get(OFF_MSR_CONFIG_CTLS)),
                ByteBlock.copyOf(bytes, layout.reserved0Offset(), layout.reserved0Size()),
                b.getLong(OFF_EPTP_CONTROLS),
                b.getLong(OFF_CONFIG_FLAGS),
                Short.toUnsignedInt(b.getShort(OFF_TSC_FREQUENCY)),
                ByteBlock.copyOf(bytes, OFF_RESERVED1, RESERVED1_SIZE),
                ByteBlock.copyOf(bytes, OFF_MRCONFIGID, MEASUREMENT_SIZE),
                ByteBlock.copyOf(bytes, OFF_MROWNER, MEASUREMENT_SIZE),
                ByteBlock.copyOf(bytes, OFF_MROWNERCONFIG, MEASUREMENT_SIZE),
                v10 ? 0 : b.getLong(OFF_IA32_ARCH_CAPABILITIES_CONFIG),
                ByteBlock.copyOf(bytes, layout.reserved2Offset(), layout.reserved2Size()),
                ImmutableList.copyOf(cpuid),
                ByteBlock.copyOf(bytes, layout.reserved3Offset(), layout.reserved3Size()));
    }

    /** The 1024 little-endian bytes (what KVM's {@code setup_tdparams} writes). */
    public byte[] encode() {
        byte[] out = new byte[SIZE];
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(OFF_ATTRIBUTES, attributes);
        b.putLong(OFF_XFAM, xfam);
        b.putShort(OFF_MAX_VCPUS, (short) maxVcpus);
        if (!layout.v10()) {
            b.put(OFF_NUM_L2_VMS, (byte) numL2Vms);
            b.put(OFF_MSR_CONFIG_CTLS, (byte) msrConfigCtls);
        }
        reserved0.copyTo(out, layout.reserved0Offset());
        b.putLong(OFF_EPTP_CONTROLS, eptpControls);
        b.putLong(OFF_CONFIG_FLAGS, configFlags);
        b.putShort(OFF_TSC_FREQUENCY, (short) tscFrequency);
        reserved1.copyTo(out, OFF_RESERVED1);
        mrConfigId.copyTo(out, OFF_MRCONFIGID);
        mrOwner.copyTo(out, OFF_MROWNER);
        mrOwnerConfig.copyTo(out, OFF_MROWNERCONFIG);
        if (!layout.v10()) {
            b.putLong(OFF_IA32_ARCH_CAPABILITIES_CONFIG, ia32ArchCapabilitiesConfig);
        }
        reserved2.copyTo(out, layout.reserved2Offset());
        for (int i = 0; i < cpuidConfig.size(); i++) {
            int o = OFF_CPUID_CONFIG + 16 * i;
            CpuidRegs r = cpuidConfig.get(i);
            b.putInt(o, r.eax()).putInt(o + 4, r.ebx()).putInt(o + 8, r.ecx()).putInt(o + 12, r.edx());
        }
        reserved3.copyTo(out, layout.reserved3Offset());
        return out;
    }

    /** Writes {@link #encode()} into {@code segment} at offset 0. */
    public void encodeInto(MemorySegment segment) {
        MemorySegment.copy(MemorySegment.ofArray(encode()), 0, segment, 0, SIZE);
    }

    // ---- convenience views ----

    /** CONFIG_FLAGS / EXEC_CONTROLS bit 0 (abi §3.6). */
    public boolean gpaw() {
        return (configFlags & 1) != 0;
    }

    /** EPTP_CONTROLS bits 5:3 + 1: 4 or 5 for valid values (abi §3.5). */
    public int eptWalkLevels() {
        return (int) (eptpControls >>> 3 & 7) + 1;
    }

    // ---- builder ----

    /** A builder with every reserved byte 0 and the values KVM typically uses (see {@link Builder}). */
    public static Builder builder(ModuleProfile module) {
        return new Builder(TdParamsLayout.of(module));
    }

    public static Builder builder(TdParamsLayout layout) {
        return new Builder(layout);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * Mutable TD_PARAMS builder. Defaults: ATTRIBUTES 0, XFAM 0x3 (x87|SSE = XFAM_FIXED1),
     * MAX_VCPUS 1, EPTP_CONTROLS 0x1E (WB, 4-level, as KVM's {@code setup_tdparams_eptp_controls}
     * without 5-level), CONFIG_FLAGS 0, TSC_FREQUENCY 100 (2.5 GHz), CPUID_CONFIG all zero.
     */
    public static final class Builder {
        private final TdParamsLayout layout;
        private long attributes;
        private long xfam = 0x3;
        private int maxVcpus = 1;
        private int numL2Vms;
        private int msrConfigCtls;
        private ByteBlock reserved0;
        private long eptpControls = 0x1E;
        private long configFlags;
        private int tscFrequency = 100;
        private ByteBlock reserved1 = ByteBlock.zeros(RESERVED1_SIZE);
        private ByteBlock mrConfigId = ByteBlock.zeros(MEASUREMENT_SIZE);
        private ByteBlock mrOwner = ByteBlock.zeros(MEASUREMENT_SIZE);
        private ByteBlock mrOwnerConfig = ByteBlock.zeros(MEASUREMENT_SIZE);
        private long ia32ArchCapabilitiesConfig;
        private ByteBlock reserved2;
        private final CpuidRegs[] cpuidConfig;
        private ByteBlock reserved3;

        private Builder(TdParamsLayout layout) {
            this.layout = layout;
            reserved0 = ByteBlock.zeros(layout.reserved0Size());
            reserved2 = ByteBlock.zeros(layout.reserved2Size());
            reserved3 = ByteBlock.zeros(layout.reserved3Size());
            cpuidConfig = new CpuidRegs[layout.numCpuidConfig()];
            java.util.Arrays.fill(cpuidConfig, CpuidRegs.ZERO);
        }

        private Builder(TdParams p) {
            layout = p.layout;
            attributes = p.attributes;
            xfam = p.xfam;
            maxVcpus = p.maxVcpus;
            numL2Vms = p.numL2Vms;
            msrConfigCtls = p.msrConfigCtls;
            reserved0 = p.reserved0;
            eptpControls = p.eptpControls;
            configFlags = p.configFlags;
            tscFrequency = p.tscFrequency;
            reserved1 = p.reserved1;
            mrConfigId = p.mrConfigId;
            mrOwner = p.mrOwner;
            mrOwnerConfig = p.mrOwnerConfig;
            ia32ArchCapabilitiesConfig = p.ia32ArchCapabilitiesConfig;
            reserved2 = p.reserved2;
            cpuidConfig = p.cpuidConfig.toArray(new CpuidRegs[0]);
            reserved3 = p.reserved3;
        }

        public Builder attributes(long v) {
            attributes = v;
            return this;
        }

        public Builder xfam(long v) {
            xfam = v;
            return this;
        }

        public Builder maxVcpus(int v) {
            maxVcpus = v;
            return this;
        }

        public Builder numL2Vms(int v) {
            numL2Vms = v;
            return this;
        }

        public Builder msrConfigCtls(int v) {
            msrConfigCtls = v;
            return this;
        }

        public Builder reserved0(ByteBlock v) {
            reserved0 = v;
            return this;
        }

        public Builder eptpControls(long v) {
            eptpControls = v;
            return this;
        }

        public Builder configFlags(long v) {
            configFlags = v;
            return this;
        }

        /** 1.0 name of CONFIG_FLAGS. */
        public Builder execControls(long v) {
            return configFlags(v);
        }

        public Builder tscFrequency(int v) {
            tscFrequency = v;
            return this;
        }

        public Builder reserved1(ByteBlock v) {
            reserved1 = v;
            return this;
        }

        public Builder mrConfigId(ByteBlock v) {
            mrConfigId = v;
            return this;
        }

        public Builder mrOwner(ByteBlock v) {
            mrOwner = v;
            return this;
        }

        public Builder mrOwnerConfig(ByteBlock v) {
            mrOwnerConfig = v;
            return this;
        }

        public Builder ia32ArchCapabilitiesConfig(long v) {
            ia32ArchCapabilitiesConfig = v;
            return this;
        }

        public Builder reserved2(ByteBlock v) {
            reserved2 = v;
            return this;
        }

        public Builder reserved3(ByteBlock v) {
            reserved3 = v;
            return this;
        }

        /** Sets CPUID_CONFIG[index] (the index-th configurable leaf of the module). */
        public Builder cpuidConfig(int index, CpuidRegs v) {
            cpuidConfig[index] = v;
            return this;
        }

        public Builder cpuidConfig(List<CpuidRegs> values) {
            for (int i = 0; i < cpuidConfig.length; i++) {
                cpuidConfig[i] = i < values.size() ? values.get(i) : CpuidRegs.ZERO;
            }
            return this;
        }

        public TdParams build() {
            return new TdParams(layout, attributes, xfam, maxVcpus, numL2Vms, msrConfigCtls, reserved0, eptpControls,
                    configFlags, tscFrequency, reserved1, mrConfigId, mrOwner, mrOwnerConfig,
                    ia32ArchCapabilitiesConfig, reserved2, ImmutableList.copyOf(cpuidConfig), reserved3);
        }
    }
}
