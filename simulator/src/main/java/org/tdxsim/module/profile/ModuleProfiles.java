package org.tdxsim.module.profile;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Registry of module profiles: the built-in releases (1.0, 1.5.01, 1.5.06, 2.0.08, loaded once from
 * {@code org/tdxsim/modules/tdx-module-<version>.json} and cached) and user files.
 */
public final class ModuleProfiles {

    private static final ImmutableList<String> VERSIONS = ImmutableList.of("1.0", "1.5.01", "1.5.06", "2.0.08");
    private static final Map<String, ModuleProfile> CACHE = new ConcurrentHashMap<>();

    private ModuleProfiles() {
    }

    /** Built-in versions, oldest first. */
    public static ImmutableList<String> versions() {
        return VERSIONS;
    }

    /** The newest built-in version ("2.0.08"). */
    public static ModuleProfile latest() {
        return builtIn(VERSIONS.getLast());
    }

    /**
     * A built-in profile.
     *
     * @throws NoSuchElementException for a version that is not built in (see {@link #versions()})
     * @throws IllegalStateException  if a shipped resource is broken (a build defect, not user input)
     */
    public static ModuleProfile builtIn(String version) {
        if (!VERSIONS.contains(version)) {
            throw new NoSuchElementException("no built-in TDX module profile \"" + version + "\"; built in: " + VERSIONS);
        }
        return CACHE.computeIfAbsent(version, ModuleProfiles::loadResource);
    }

    private static ModuleProfile loadResource(String version) {
        String name = "/org/tdxsim/modules/tdx-module-" + version + ".json";
        try (InputStream in = ModuleProfiles.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing built-in resource " + name);
            }
            return ModuleProfileParser.parse(JsonCursor.parse("classpath:" + name, in));
        } catch (IOException | ProfileFormatException e) {
            throw new IllegalStateException("built-in module profile " + version + " is broken: " + e.getMessage(), e);
        }
    }

    /**
     * Loads a user-supplied profile (same schema as the built-in files).
     *
     * @throws ProfileFormatException naming the file, the JSON path and the problem
     */
    public static ModuleProfile load(Path file) throws ProfileFormatException {
        try (InputStream in = Files.newInputStream(file)) {
            return ModuleProfileParser.parse(JsonCursor.parse(file.toString(), in));
        } catch (IOException e) {
            throw new ProfileFormatException(file.toString(), "$", "cannot read file: " + e.getMessage());
        }
    }

    /** Parses a profile from a stream; {@code origin} names it in errors. */
    public static ModuleProfile load(String origin, InputStream in) throws ProfileFormatException {
        return ModuleProfileParser.parse(JsonCursor.parse(origin, in));
    }
}
