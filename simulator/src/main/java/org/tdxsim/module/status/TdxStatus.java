package org.tdxsim.module.status;

import com.google.common.collect.ImmutableSet;
import java.util.Optional;
import org.tdxsim.module.profile.ModuleProfile;

/**
 * A 64-bit TDX completion status as returned in RAX (abi §2.1, {@code api_error_code_t}):
 *
 * <pre>
 *  63 error | 62 non_recoverable | 61 fatal | 60 host_recoverability_hint | 59:48 reserved
 *  47:40 class | 39:32 details_l1 | 31:0 operand id / details_l2
 * </pre>
 *
 * Equality is by value only. A status created with {@link #of(long, ModuleProfile)} remembers the
 * profile so that {@link #toString()} can print names, e.g.
 * {@code TDX_OPERAND_INVALID|CPUID_CONFIG(69) (0xC000010000000045)}.
 */
public final class TdxStatus {

    /** The kernel's {@code TDX_SEAMCALL_STATUS_MASK}: strips the operand / details_l2 (abi §2.1). */
    public static final long STATUS_MASK = 0xFFFF_FFFF_0000_0000L;

    public static final TdxStatus SUCCESS = new TdxStatus(0, null);

    /**
     * Statuses whose bits 31:0 carry an MSR address rather than an operand id (abi §2.3 "Special
     * cases": {@code TDX_INCONSISTENT_MSR | 0x3B}, {@code TDX_INCORRECT_MSR_VALUE | 0x10A}).
     */
    private static final ImmutableSet<String> MSR_DETAIL = ImmutableSet.of("TDX_INCONSISTENT_MSR", "TDX_INCORRECT_MSR_VALUE");

    /** Statuses whose bits 31:0 carry a CPUID leaf or a number (abi §2.3, §7.4). */
    private static final ImmutableSet<String> NUMERIC_DETAIL = ImmutableSet.of("TDX_CPUID_LEAF_NOT_SUPPORTED",
            "TDX_NUM_ACTIVATED_HKIDS_NOT_SUPPORTED");

    private final long value;
    private final ModuleProfile profile;

    private TdxStatus(long value, ModuleProfile profile) {
        this.value = value;
        this.profile = profile;
    }

    public static TdxStatus of(long value) {
        return value == 0 ? SUCCESS : new TdxStatus(value, null);
    }

    /** A status that names itself with {@code profile}'s tables. */
    public static TdxStatus of(long value, ModuleProfile profile) {
        return new TdxStatus(value, profile);
    }

    /** {@code profile.status(name) | operandId(operand)}. */
    public static TdxStatus of(ModuleProfile profile, String name, String operand) {
        return new TdxStatus(profile.status(name, operand), profile);
    }

    public static TdxStatus of(ModuleProfile profile, String name) {
        return new TdxStatus(profile.status(name), profile);
    }

    public long value() {
        return value;
    }

    /** The profile this status names itself with, if created with one. */
    public Optional<ModuleProfile> namedBy() {
        return Optional.ofNullable(profile);
    }

    /** Bits 63:32, the status without operand (what the kernel compares against). */
    public long base() {
        return value & STATUS_MASK;
    }

    /** Bit 63. */
    public boolean isError() {
        return value < 0;
    }

    /** Exactly TDX_SUCCESS (0). Non-error informational statuses are not "success". */
    public boolean isSuccess() {
        return value == 0;
    }

    /** Bit 63 clear: TDX_SUCCESS or an informational status such as TDX_KEY_CONFIGURED. */
    public boolean isNonError() {
        return value >= 0;
    }

    /** Bit 62. */
    public boolean isNonRecoverable() {
        return (value >>> 62 & 1) != 0;
    }

    /** Bit 61. */
    public boolean isFatal() {
        return (value >>> 61 & 1) != 0;
    }

    /** Bit 60. */
    public boolean hostRecoverabilityHint() {
        return (value >>> 60 & 1) != 0;
    }

    /** An error the host may retry (bit 63 set, bit 62 clear: e.g. BUSY statuses, 0x8...). */
    public boolean isRecoverable() {
        return isError() && !isNonRecoverable();
    }

    /** Bits 47:40. */
    public int classCode() {
        return (int) (value >>> 40 & 0xFF);
    }

    /** Bits 39:32. */
    public int detailsL1() {
        return (int) (value >>> 32 & 0xFF);
    }

    /** Bits 31:0: operand id or details. */
    public int operand() {
        return (int) value;
    }

    /** The status name in {@code p}, after stripping the operand like the kernel does. */
    public Optional<String> name(ModuleProfile p) {
        Optional<String> n = p.statusName(base());
        return n.isPresent() ? n : p.statusName(value);
    }

    /** The operand's name if bits 31:0 are an operand id of {@code p} (not for MSR/leaf details). */
    public Optional<String> operandName(ModuleProfile p) {
        Optional<String> n = name(p);
        if (n.isPresent() && (MSR_DETAIL.contains(n.get()) || NUMERIC_DETAIL.contains(n.get()))) {
            return Optional.empty();
        }
        return p.operandName(operand());
    }

    /** {@code NAME|OPERAND(id)}, {@code NAME|MSR 0x3B}, {@code NAME} or the hex value if unknown. */
    public String describe(ModuleProfile p) {
        Optional<String> n = name(p);
        if (n.isEmpty()) {
            return hex();
        }
        if (operand() == 0 || p.statusName(value).isPresent()) {
            return n.get();
        }
        if (MSR_DETAIL.contains(n.get())) {
            return n.get() + "|MSR 0x" + Integer.toHexString(operand()).toUpperCase(java.util.Locale.ROOT);
        }
        Optional<String> op = operandName(p);
        if (op.isPresent()) {
            return n.get() + "|" + op.get() + "(" + Integer.toUnsignedString(operand()) + ")";
        }
        return n.get() + "|0x" + Integer.toHexString(operand()).toUpperCase(java.util.Locale.ROOT);
    }

    public String hex() {
        // = String.format("0x%016X", value), without the formatter (every status description prints it)
        String h = Long.toHexString(value).toUpperCase(java.util.Locale.ROOT);
        return "0x" + "0000000000000000".substring(h.length()) + h;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TdxStatus s && s.value == value;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(value);
    }

    /** With a profile: {@code TDX_OPERAND_INVALID|CPUID_CONFIG(69) (0xC000010000000045)}; else the hex value. */
    @Override
    public String toString() {
        return profile == null ? hex() : describe(profile) + " (" + hex() + ")";
    }
}
