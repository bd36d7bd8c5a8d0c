package org.tdxsim.module.tdparams;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.ModuleProfiles;
import org.tdxsim.module.status.TdxStatus;

/** Properties of the TD_PARAMS codec and of the TDH.MNG.INIT checks on arbitrary bytes. */
class TdParamsPropertyTest {

    @Provide
    Arbitrary<String> versions() {
        return Arbitraries.of(ModuleProfiles.versions());
    }

    @Provide
    Arbitrary<String> platforms() {
        return Arbitraries.of(PlatformProfiles.names());
    }

    /**
     * Byte images: fully random, or a valid baseline with a few random bytes overwritten (to reach
     * the later checks), both equally likely.
     */
    @Provide
    Arbitrary<byte[]> images() {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofSize(TdParamsLayout.SIZE);
        Arbitrary<byte[]> mutated = Arbitraries.longs().map(seed -> {
            Random r = new Random(seed);
            ModuleProfile m = ModuleProfiles.builtIn(ModuleProfiles.versions().get(r.nextInt(4)));
            byte[] b = TdParams.builder(TdParamsLayout.of(m).v10() ? TdParamsLayout.of(ModuleProfiles.latest())
                    : TdParamsLayout.of(m)).build().encode();
            int n = 1 + r.nextInt(4);
            for (int i = 0; i < n; i++) {
                b[r.nextInt(r.nextBoolean() ? 0x120 : TdParamsLayout.SIZE)] = (byte) r.nextInt();
            }
            return b;
        });
        return Arbitraries.oneOf(random, mutated);
    }

    /** Decoding any 1024 bytes and encoding again gives the same bytes, for every version's layout. */
    @Property(tries = 200)
    void encodeDecodeRoundTrip(@ForAll("versions") String v, @ForAll("images") byte[] bytes) {
        ModuleProfile m = ModuleProfiles.builtIn(v);
        TdParams t = TdParams.decode(m, bytes);
        assertThat(t.encode()).isEqualTo(bytes);
        assertThat(TdParams.decode(m, t.encode())).isEqualTo(t);
    }

    /**
     * Random TD_PARAMS bytes always yield a defined outcome and never an exception: either accepted,
     * or rejected with a status this module version defines (bits 63:32) and, for
     * TDX_OPERAND_INVALID, an operand id the version defines, plus a non-empty explanation.
     */
    @Property(tries = 400)
    void randomBytesYieldADefinedStatus(@ForAll("versions") String v, @ForAll("platforms") String platform,
            @ForAll("images") byte[] bytes, @ForAll boolean tscAdjustChanged) {
        ModuleProfile m = ModuleProfiles.builtIn(v);
        PlatformProfile p = PlatformProfiles.builtIn(platform);
        TdParams t = TdParams.decode(m, bytes);
        int numTdcx = (int) m.constant("MIN_NUM_TDCS_PAGES").orElse(4) + (bytes[0x12] & 3);
        TdParamsCheckResult r = TdhMngInitChecks.check(m, p, new PlatformRuntime(tscAdjustChanged), t, numTdcx);
        if (r instanceof TdParamsCheckResult.Rejected rej) {
            TdxStatus s = TdxStatus.of(rej.status(), m);
            assertThat(s.isError()).isTrue();
            assertThat(s.name(m)).as("%s", s).isPresent();
            if (s.name(m).get().equals("TDX_OPERAND_INVALID")) {
                assertThat(m.operandName(s.operand())).as("%s", s).isPresent();
            }
            assertThat(rej.explanation().summary()).isNotBlank();
        } else {
            assertThat(r).isInstanceOf(TdParamsCheckResult.Accepted.class);
        }
    }
}
