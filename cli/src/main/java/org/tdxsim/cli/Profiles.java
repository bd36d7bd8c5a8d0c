package org.tdxsim.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.ModuleProfiles;
import org.tdxsim.module.profile.ProfileFormatException;

/**
 * Resolves {@code --module} / {@code --platform} values: a built-in name, or a path to a user profile
 * file of the same schema (anything containing a {@code /} or ending in {@code .json}). Profiles are
 * loaded on first use only, so commands that do not need them start fast.
 */
public final class Profiles {
    private Profiles() {}

    /** The module version used when {@code --module} is not given: the newest built-in. */
    public static String defaultModule() {
        return ModuleProfiles.versions().getLast();
    }

    public static String defaultPlatform() {
        return PlatformProfiles.DEFAULT;
    }

    /** A built-in module only (the serve protocol must not read files). */
    public static ModuleProfile builtInModule(String option, String value) {
        if (ModuleProfiles.versions().contains(value)) {
            return ModuleProfiles.builtIn(value);
        }
        throw new BadInput(option, "unknown module version '" + abbreviate(value) + "'; built in: "
                + String.join(", ", ModuleProfiles.versions()));
    }

    /** A built-in platform only (the serve protocol must not read files). */
    public static PlatformProfile builtInPlatform(String option, String value) {
        if (PlatformProfiles.names().contains(value)) {
            return PlatformProfiles.builtIn(value);
        }
        throw new BadInput(option, "unknown platform '" + abbreviate(value) + "'; built in: "
                + String.join(", ", PlatformProfiles.names()));
    }

    private static String abbreviate(String s) {
        return s.length() > 64 ? s.substring(0, 61) + "..." : s;
    }

    public static ModuleProfile module(String option, String value) {
        if (ModuleProfiles.versions().contains(value)) {
            return ModuleProfiles.builtIn(value);
        }
        if (looksLikeFile(value)) {
            requireFile(option, value);
            try {
                return ModuleProfiles.load(Path.of(value));
            } catch (ProfileFormatException e) {
                throw new BadInput(option + " " + e.file(), e.jsonPath() + ": " + e.problem());
            }
        }
        throw new BadInput(option, "unknown module version '" + value + "'; built in: "
                + String.join(", ", ModuleProfiles.versions()) + " (or a profile .json file)");
    }

    public static PlatformProfile platform(String option, String value) {
        if (PlatformProfiles.names().contains(value)) {
            return PlatformProfiles.builtIn(value);
        }
        if (looksLikeFile(value)) {
            requireFile(option, value);
            try {
                return PlatformProfiles.load(Path.of(value));
            } catch (ProfileFormatException e) {
                throw new BadInput(option + " " + e.file(), e.jsonPath() + ": " + e.problem());
            }
        }
        throw new BadInput(option, "unknown platform '" + value + "'; built in: "
                + String.join(", ", PlatformProfiles.names()) + " (or a platform .json file)");
    }

    private static boolean looksLikeFile(String value) {
        return value.contains("/") || value.endsWith(".json");
    }

    private static void requireFile(String option, String value) {
        Path p;
        try {
            p = Path.of(value);
        } catch (java.nio.file.InvalidPathException e) {
            throw new BadInput(option, "'" + value + "' is not a valid path");
        }
        if (!Files.exists(p)) {
            throw new BadInput(option + " " + value, "no such file");
        }
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw new BadInput(option + " " + value, "not a readable file");
        }
    }
}
