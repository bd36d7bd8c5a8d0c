package org.tdxsim.module.tdparams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.tdxsim.module.cpuid.CpuidRegs;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.ModuleProfiles;

/** Byte offsets of abi §3.1 / §3.2. */
class TdParamsCodecTest {

    @Test
    void fieldsLandAtTheirOffsets15() {
        ModuleProfile m = ModuleProfiles.builtIn("1.5.06");
        TdParams t = TdParams.builder(m).attributes(0x1122334455667788L).xfam(0x60203).maxVcpus(0xABCD).numL2Vms(2)
                .msrConfigCtls(1).eptpControls(0x26).configFlags(0x5).tscFrequency(0x190)
                .ia32ArchCapabilitiesConfig(0x10).cpuidConfig(17, new CpuidRegs(1, 2, 3, 4)).build();
        ByteBuffer b = ByteBuffer.wrap(t.encode()).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getLong(0x00)).isEqualTo(0x1122334455667788L);
        assertThat(b.getLong(0x08)).isEqualTo(0x60203L);
        assertThat(b.getShort(0x10) & 0xFFFF).isEqualTo(0xABCD);
        assertThat(b.get(0x12)).isEqualTo((byte) 2);
        assertThat(b.get(0x13)).isEqualTo((byte) 1);
        assertThat(b.getLong(0x18)).isEqualTo(0x26L);
        assertThat(b.getLong(0x20)).isEqualTo(5L);
        assertThat(b.getShort(0x28)).isEqualTo((short) 0x190);
        assertThat(b.getLong(0xE0)).isEqualTo(0x10L);
        int o = 0x100 + 16 * 17; // N = 18: last CPUID_CONFIG value ends at 0x220
        assertThat(b.getInt(o)).isEqualTo(1);
        assertThat(b.getInt(o + 12)).isEqualTo(4);
        assertThat(t.layout().reserved3Offset()).isEqualTo(0x220);
        assertThat(t.eptWalkLevels()).isEqualTo(5);
    }

    @Test
    void layoutOf10HasReservedBytesInsteadOfL2AndArchCapabilities() {
        TdParamsLayout l = TdParamsLayout.of(ModuleProfiles.builtIn("1.0"));
        assertThat(l.reserved0Offset()).isEqualTo(0x12);
        assertThat(l.reserved0Size()).isEqualTo(6);
        assertThat(l.reserved2Offset()).isEqualTo(0xE0);
        assertThat(l.reserved2Size()).isEqualTo(32);
        assertThat(l.reserved3Offset()).isEqualTo(0x160);
        assertThat(l.reserved3Size()).isEqualTo(672);
        byte[] img = new byte[1024];
        img[0x12] = 7; // NUM_L2_VMS position in 1.5 is reserved0 in 1.0
        TdParams t = TdParams.decode(ModuleProfiles.builtIn("1.0"), img);
        assertThat(t.numL2Vms()).isZero();
        assertThat(t.reserved0().get(0)).isEqualTo((byte) 7);
        assertThatThrownBy(() -> TdParams.builder(l).numL2Vms(1).build()).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void numberOfCpuidValuesPerVersion() {
        assertThat(TdParams.builder(ModuleProfiles.builtIn("1.5.01")).build().cpuidConfig()).hasSize(12);
        assertThat(TdParams.builder(ModuleProfiles.builtIn("2.0.08")).build().layout().reserved3Size())
                .isEqualTo(768 - 16 * 28);
    }

    @Test
    void memorySegmentCodec() {
        ModuleProfile m = ModuleProfiles.builtIn("2.0.08");
        TdParams t = TdParams.builder(m).attributes(1L << 28).tscFrequency(77).build();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(TdParamsLayout.SIZE, 1024);
            t.encodeInto(s);
            assertThat(TdParams.decode(m, s)).isEqualTo(t);
            assertThatThrownBy(() -> TdParams.decode(m, s.asSlice(0, 512))).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void wrongSizeIsRejected() {
        assertThatThrownBy(() -> TdParams.decode(ModuleProfiles.builtIn("1.5.06"), new byte[1000]))
                .hasMessageContaining("1024");
    }
}
