package org.tdxsim.module.profile;

/**
 * TDX module version (from {@code proj_defs.mk}: MAJOR, MINOR, UPDATE) and its label such as
 * {@code "1.5.06"}. Ordered by (major, minor, update).
 */
public record ModuleVersion(int major, int minor, int update, String label) implements Comparable<ModuleVersion> {

    @Override
    public int compareTo(ModuleVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) {
            c = Integer.compare(minor, o.minor);
        }
        return c != 0 ? c : Integer.compare(update, o.update);
    }

    /** True if this version is {@code major.minor.update} or newer. */
    public boolean isAtLeast(int major, int minor, int update) {
        return compareTo(new ModuleVersion(major, minor, update, "")) >= 0;
    }

    /** TDX module 1.0 (no metadata engine, no OP_STATE, 1.0 TDH.MNG.INIT order of abi §4.2). */
    public boolean is1_0() {
        return major == 1 && minor == 0;
    }

    @Override
    public String toString() {
        return label;
    }
}
