package org.tdxsim.kvm.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.kvm.uapi.KvmCreateGuestMemfd;
import org.tdxsim.kvm.uapi.KvmEnableCap;
import org.tdxsim.kvm.uapi.KvmMemoryAttributes;
import org.tdxsim.kvm.uapi.KvmTdxCapabilities;
import org.tdxsim.kvm.uapi.KvmTdxCmd;
import org.tdxsim.kvm.uapi.KvmTdxInitMemRegion;
import org.tdxsim.kvm.uapi.KvmTdxInitVm;
import org.tdxsim.kvm.uapi.KvmUserspaceMemoryRegion2;

/**
 * Coverage-guided fuzzing of the uapi struct decoders the simulated kernel runs on user bytes
 * (kvm-tdx-uapi.md §2 layouts). The first input byte picks the struct, the rest are its bytes, copied
 * into 8-byte-aligned kernel memory as {@code copy_from_user} does.
 *
 * <p>Property: a buffer shorter than the struct's fixed part is refused with
 * {@link IllegalArgumentException} (the kernel never decodes what it could not copy); anything longer
 * decodes without any other exception, and re-encoding the decoded value reproduces the input bytes
 * exactly (header, padding and reserved fields included, and for flexible arrays the
 * {@code min(nent, capacity)} entries read) — no field is dropped, widened or invented.
 *
 * <p>Regression mode replays {@code src/test/resources/org/tdxsim/kvm/reliability/UapiDecoderFuzzTestInputs/
 * decoders/}; real fuzzing: {@code JAZZER_FUZZ=1 ./mvnw -o -pl simulator,kvm-model test
 * -Dtest=UapiDecoderFuzzTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class UapiDecoderFuzzTest {

    record Codec(String name, long fixedSize, Function<MemorySegment, Object> decode,
                 BiFunction<Object, Arena, MemorySegment> encode) {}

    static final List<Codec> CODECS = List.of(
            new Codec("kvm_tdx_cmd", KvmTdxCmd.LAYOUT.byteSize(), KvmTdxCmd::decode, (o, a) -> ((KvmTdxCmd) o).encode(a)),
            new Codec("kvm_cpuid_entry2", KvmCpuidEntry2.LAYOUT.byteSize(), KvmCpuidEntry2::decode, (o, a) -> {
                MemorySegment s = a.allocate(KvmCpuidEntry2.LAYOUT.byteSize(), 8);
                ((KvmCpuidEntry2) o).encode(s);
                return s;
            }),
            new Codec("kvm_cpuid2", KvmCpuid2.LAYOUT.byteSize(), KvmCpuid2::decode, (o, a) -> ((KvmCpuid2) o).encode(a)),
            new Codec("kvm_tdx_capabilities", KvmTdxCapabilities.LAYOUT.byteSize(), KvmTdxCapabilities::decode,
                    (o, a) -> ((KvmTdxCapabilities) o).encode(a)),
            new Codec("kvm_tdx_init_vm", KvmTdxInitVm.LAYOUT.byteSize(), KvmTdxInitVm::decode,
                    (o, a) -> ((KvmTdxInitVm) o).encode(a)),
            new Codec("kvm_tdx_init_mem_region", KvmTdxInitMemRegion.LAYOUT.byteSize(), KvmTdxInitMemRegion::decode,
                    (o, a) -> ((KvmTdxInitMemRegion) o).encode(a)),
            new Codec("kvm_userspace_memory_region2", KvmUserspaceMemoryRegion2.LAYOUT.byteSize(),
                    KvmUserspaceMemoryRegion2::decode, (o, a) -> ((KvmUserspaceMemoryRegion2) o).encode(a)),
            new Codec("kvm_enable_cap", KvmEnableCap.LAYOUT.byteSize(), KvmEnableCap::decode,
                    (o, a) -> ((KvmEnableCap) o).encode(a)),
            new Codec("kvm_create_guest_memfd", KvmCreateGuestMemfd.LAYOUT.byteSize(), KvmCreateGuestMemfd::decode,
                    (o, a) -> ((KvmCreateGuestMemfd) o).encode(a)),
            new Codec("kvm_memory_attributes", KvmMemoryAttributes.LAYOUT.byteSize(), KvmMemoryAttributes::decode,
                    (o, a) -> ((KvmMemoryAttributes) o).encode(a)));

    /** The bytes as kernel memory: 8-byte aligned, exactly {@code bytes.length} long. */
    static MemorySegment kernelCopy(byte[] bytes) {
        MemorySegment s = MemorySegment.ofArray(new long[(bytes.length + 7) / 8]).asSlice(0, bytes.length);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, s, 0, bytes.length);
        return s;
    }

    static void check(Codec c, byte[] bytes) {
        MemorySegment in = kernelCopy(bytes);
        if (bytes.length < c.fixedSize()) {
            assertThatThrownBy(() -> c.decode().apply(in)).as("%s of %d bytes", c.name(), bytes.length)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(c.name());
            return;
        }
        Object decoded = c.decode().apply(in);
        try (Arena a = Arena.ofConfined()) {
            byte[] out = c.encode().apply(decoded, a).toArray(ValueLayout.JAVA_BYTE);
            assertThat(out.length).as("%s re-encodes within the input", c.name()).isLessThanOrEqualTo(bytes.length);
            assertThat(out).as("%s: encode(decode(x)) is x", c.name()).isEqualTo(Arrays.copyOf(bytes, out.length));
            assertThat(c.decode().apply(kernelCopy(out))).as("%s decode is stable", c.name()).isEqualTo(decoded);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void decoders(FuzzedDataProvider data) {
        Codec c = CODECS.get(Math.floorMod(data.consumeByte(), CODECS.size()));
        check(c, data.consumeRemainingAsBytes());
    }
}
