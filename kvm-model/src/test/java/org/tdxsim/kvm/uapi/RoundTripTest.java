package org.tdxsim.kvm.uapi;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.ImmutableList;
import com.google.common.primitives.ImmutableIntArray;
import com.google.common.primitives.ImmutableLongArray;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** Encode/decode round trips, value → bytes → value and bytes → value → bytes. */
class RoundTripTest {

    /** Decoding arbitrary bytes of a fixed-size struct and re-encoding them reproduces every byte. */
    @Property(tries = 200)
    void fixedStructsAreByteExact(@ForAll @Size(160) byte[] raw) {
        bytesRoundTrip(raw, 24, KvmTdxCmd::decode, KvmTdxCmd::encode);
        bytesRoundTrip(raw, 40, KvmCpuidEntry2::decode, KvmCpuidEntry2::encode);
        bytesRoundTrip(raw, 24, KvmTdxInitMemRegion::decode, KvmTdxInitMemRegion::encode);
        bytesRoundTrip(raw, 104, KvmEnableCap::decode, KvmEnableCap::encode);
        bytesRoundTrip(raw, 160, KvmUserspaceMemoryRegion2::decode, KvmUserspaceMemoryRegion2::encode);
        bytesRoundTrip(raw, 64, KvmCreateGuestMemfd::decode, KvmCreateGuestMemfd::encode);
        bytesRoundTrip(raw, 32, KvmMemoryAttributes::decode, KvmMemoryAttributes::encode);
    }

    private interface Encoder<T> {
        void encode(T value, MemorySegment s);
    }

    private static <T> void bytesRoundTrip(byte[] raw, int size, Function<MemorySegment, T> decode,
                                           Encoder<T> encode) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment in = a.allocate(size, 8);
            MemorySegment.copy(raw, 0, in, JAVA_BYTE, 0, size);
            T value = decode.apply(in);
            MemorySegment out = a.allocate(size, 8);
            encode.encode(value, out);
            assertThat(out.toArray(JAVA_BYTE)).isEqualTo(in.toArray(JAVA_BYTE));
            assertThat(decode.apply(out)).isEqualTo(value);
        }
    }

    @Provide
    Arbitrary<KvmCpuidEntry2> entries() {
        Arbitrary<Integer> i = Arbitraries.integers();
        return Combinators.combine(i, i, i, i, i, i, i, i.list().ofSize(3))
                .as((f, idx, fl, a, b, c, d, pad) -> new KvmCpuidEntry2(f, idx, fl, a, b, c, d,
                        ImmutableIntArray.copyOf(pad)));
    }

    /** A kvm_cpuid2 of up to 256 random entries survives encode → decode, and its bytes sit at 8 + 40·i. */
    @Property(tries = 100)
    void cpuid2RoundTrip(@ForAll("cpuidLists") List<KvmCpuidEntry2> list) {
        KvmCpuid2 v = KvmCpuid2.of(list);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = v.encode(a);
            assertThat(s.byteSize()).isEqualTo(8 + 40L * list.size());
            assertThat(s.get(JAVA_INT, 0)).isEqualTo(list.size());
            for (int k = 0; k < list.size(); k++) {
                assertThat(s.get(JAVA_INT, 8 + 40L * k)).isEqualTo(list.get(k).function());
                assertThat(s.get(JAVA_INT, 8 + 40L * k + 24)).isEqualTo(list.get(k).edx());
            }
            assertThat(KvmCpuid2.decode(s)).isEqualTo(v);
        }
    }

    @Provide
    Arbitrary<List<KvmCpuidEntry2>> cpuidLists() {
        return entries().list().ofMaxSize(KvmConstants.KVM_MAX_CPUID_ENTRIES);
    }

    /** kvm_tdx_init_vm with random scalars, measurements, reserved words and entries round-trips. */
    @Property(tries = 100)
    void initVmRoundTrip(@ForAll long attrs, @ForAll long xfam, @ForAll @Size(6) long[] mr,
                         @ForAll @Size(12) long[] reserved, @ForAll int padding,
                         @ForAll("cpuidLists") List<KvmCpuidEntry2> list) {
        KvmTdxInitVm v = new KvmTdxInitVm(attrs, xfam, ImmutableLongArray.copyOf(mr),
                ImmutableLongArray.copyOf(reserved).subArray(6, 12), ImmutableLongArray.copyOf(reserved).subArray(3, 9),
                ImmutableLongArray.copyOf(reserved),
                new KvmCpuid2(list.size(), padding, ImmutableList.copyOf(list)));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = v.encode(a);
            assertThat(s.byteSize()).isEqualTo(264 + 40L * list.size());
            assertThat(s.get(JAVA_LONG, 0)).isEqualTo(attrs);
            assertThat(s.get(JAVA_LONG, 160)).isEqualTo(reserved[0]);
            assertThat(s.get(JAVA_INT, 256)).isEqualTo(list.size());
            assertThat(s.get(JAVA_INT, 260)).isEqualTo(padding);
            assertThat(KvmTdxInitVm.decode(s)).isEqualTo(v);
        }
    }

    /** kvm_tdx_capabilities round-trips, with cpuid.nent at 2048 and entries from 2056. */
    @Property(tries = 50)
    void capabilitiesRoundTrip(@ForAll long attrs, @ForAll long xfam, @ForAll long r11,
                               @ForAll("cpuidLists") List<KvmCpuidEntry2> list) {
        long[] reserved = new long[250];
        reserved[249] = r11;
        KvmTdxCapabilities v = new KvmTdxCapabilities(attrs, xfam, r11, ~r11, r11 ^ 5, 7,
                ImmutableLongArray.copyOf(reserved), KvmCpuid2.of(list));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = v.encode(a);
            assertThat(s.get(JAVA_LONG, 24)).isEqualTo(~r11);
            assertThat(s.get(JAVA_LONG, 48 + 249 * 8)).isEqualTo(r11);
            assertThat(s.get(JAVA_INT, 2048)).isEqualTo(list.size());
            if (!list.isEmpty()) {
                assertThat(s.get(JAVA_INT, 2056)).isEqualTo(list.get(0).function());
            }
            assertThat(KvmTdxCapabilities.decode(s)).isEqualTo(v);
        }
    }

    @Test
    void famCapacityAndCountAreIndependent() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = KvmCpuid2.FAM.allocate(a, 4);
            assertThat(KvmCpuid2.FAM.capacity(s)).isEqualTo(4);
            assertThat(KvmCpuid2.FAM.count(s)).as("input nent = capacity").isEqualTo(4);
            assertThat(KvmCpuid2.decode(s).entries()).hasSize(4).allMatch(e -> e.function() == 0);
            // the kernel reports a larger need (KVM_TDX_GET_CPUID on -E2BIG): decode keeps nent, not more entries
            KvmCpuid2.FAM.setCount(s, 37);
            KvmCpuid2 d = KvmCpuid2.decode(s);
            assertThat(d.nent()).isEqualTo(37);
            assertThat(d.entries()).hasSize(4);
            // nent 0xFFFFFFFF is a huge unsigned count, not -1
            KvmCpuid2.FAM.setCount(s, -1);
            assertThat(KvmCpuid2.decode(s).nentUnsigned()).isEqualTo(0xFFFF_FFFFL);
            assertThat(KvmCpuid2.decode(s).entries()).hasSize(4);

            MemorySegment caps = KvmTdxCapabilities.FAM.allocate(a, 6);
            assertThat(caps.byteSize()).isEqualTo(2056 + 6 * 40);
            assertThat(caps.get(JAVA_INT, 2048)).isEqualTo(6);
            assertThat(KvmTdxCapabilities.FAM.capacity(caps)).isEqualTo(6);
            assertThat(KvmTdxInitVm.FAM.capacity(a.allocate(264 + 39))).isZero();
        }
    }

    @Test
    void findHonoursSignificantIndex() {
        KvmCpuid2 c = KvmCpuid2.of(List.of(
                new KvmCpuidEntry2(7, 1, KvmConstants.KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 1, 0, 0, 0),
                new KvmCpuidEntry2(7, 0, KvmConstants.KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 2, 0, 0, 0),
                new KvmCpuidEntry2(0x80000008, 5, 0, 3, 0, 0, 0)));
        assertThat(c.find(7, 0)).map(KvmCpuidEntry2::eax).contains(2);
        assertThat(c.find(7, 1)).map(KvmCpuidEntry2::eax).contains(1);
        assertThat(c.find(7, 2)).isEmpty();
        assertThat(c.find(0x80000008, 0)).as("index ignored without the flag").map(KvmCpuidEntry2::eax).contains(3);
    }

    @Test
    void valueFactoriesFillZeros() {
        KvmEnableCap cap = KvmEnableCap.of(KvmConstants.KVM_CAP_SPLIT_IRQCHIP, 24);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = cap.encode(a);
            assertThat(s.get(JAVA_INT, 0)).isEqualTo(121);
            assertThat(s.get(JAVA_LONG, 8)).isEqualTo(24);
            assertThat(s.asSlice(16).toArray(JAVA_BYTE)).containsOnly((byte) 0);
            MemorySegment cmd = KvmTdxCmd.of(KvmTdxCmdId.KVM_TDX_GET_CPUID, 0, 0x1234).encode(a);
            assertThat(cmd.get(JAVA_INT, 0)).isEqualTo(5);
            assertThat(cmd.get(JAVA_LONG, 8)).isEqualTo(0x1234);
            assertThat(cmd.get(JAVA_LONG, 16)).isZero();
        }
    }
}
