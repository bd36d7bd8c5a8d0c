package org.tdxsim.module;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.ModuleProfiles;

/** Shared test helpers: profiles, a ready module, status assertions. */
final class Fixtures {

    private Fixtures() {
    }

    static final List<String> VERSIONS = List.of("1.0", "1.5.01", "1.5.06", "2.0.08");

    static ModuleProfile module(String v) {
        return ModuleProfiles.builtIn(v);
    }

    static PlatformProfile platform(String name) {
        return PlatformProfiles.builtIn(name);
    }

    /** The default platform: GNR-W, MAXPA 52, 5-level EPT. */
    static PlatformProfile gnr() {
        return PlatformProfiles.defaultPlatform();
    }

    static Stream<String> versions() {
        return VERSIONS.stream();
    }

    /** A module brought up to SYS_READY with its TDMR initialised. */
    static TdxModule ready(String version) {
        return ready(version, gnr());
    }

    static TdxModule ready(String version, PlatformProfile p) {
        TdxModule m = TdxModule.create(module(version), p);
        SeamcallResult r = m.bringUp();
        assertThat(r.isSuccess()).as("bring-up of %s on %s: %s", version, p.name(), r).isTrue();
        return m;
    }

    static long status(TdxModule m, String name) {
        return m.profile().status(name);
    }

    static long status(TdxModule m, String name, String operand) {
        return m.profile().status(name, operand);
    }

    /** Asserts RAX equals {@code name | operand}. */
    static void assertStatus(TdxModule m, SeamcallResult r, String name, String operand) {
        assertThat(r.rax()).as("%s (%s)", r, r.explanation()).isEqualTo(status(m, name, operand));
    }

    static void assertStatus(TdxModule m, SeamcallResult r, String name) {
        assertThat(r.rax()).as("%s (%s)", r, r.explanation()).isEqualTo(status(m, name));
    }

    static void assertSuccess(SeamcallResult r) {
        assertThat(r.isSuccess()).as("%s: %s", r, r.explanation()).isTrue();
    }
}
