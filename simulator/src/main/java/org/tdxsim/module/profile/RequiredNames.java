package org.tdxsim.module.profile;

import com.google.common.collect.ImmutableSet;
import java.util.Map;
import java.util.Optional;

/**
 * The completion-status names and operand-id names the SEAMCALL engine ({@code org.tdxsim.module},
 * including the TD_PARAMS checks of {@code org.tdxsim.module.tdparams}) resolves through
 * {@link ModuleProfile#status(String)} and {@link ModuleProfile#operandId(String)}, per module
 * version. A profile without one of them would make a SEAMCALL throw instead of returning a status,
 * so {@link ModuleProfiles#load} rejects such a file. This is the one place the list lives; a test
 * scans the engine's sources for status and operand names and checks they are all here.
 *
 * <p>The version split follows the engine's own version switches: 1.0-only names are the ones the
 * 1.0 paths use (TDR.INIT/TDCS.FINALIZED statuses, 1.0 metadata statuses, TDX_BOOT_NT4_SET, the
 * SEPT operand), 1.5+ names the OP_STATE / metadata-engine / TD-partitioning ones, 2.0+ the perfmon
 * event-filter statuses. Values come from each profile's own table (abi §2.2, §2.3).
 */
public final class RequiredNames {

    private RequiredNames() {
    }

    /** Which versions need a group of names. */
    enum Span {
        ALL, V1_0, FROM_1_5, FROM_2_0;

        boolean covers(ModuleVersion v) {
            return switch (this) {
                case ALL -> true;
                case V1_0 -> v.is1_0();
                case FROM_1_5 -> !v.is1_0();
                case FROM_2_0 -> v.isAtLeast(2, 0, 0);
            };
        }
    }

    private static final Map<Span, ImmutableSet<String>> STATUSES = Map.of(
            Span.ALL, ImmutableSet.of(
                    // dispatcher and platform leaves
                    "TDX_SUCCESS", "TDX_OPERAND_INVALID", "TDX_SYS_SHUTDOWN", "TDX_SYS_NOT_READY", "TDX_SYS_BUSY",
                    "TDX_SYS_INIT_NOT_PENDING", "TDX_CPUID_LEAF_NOT_SUPPORTED", "TDX_INCORRECT_CPUID_VALUE",
                    "TDX_NUM_ACTIVATED_HKIDS_NOT_SUPPORTED", "TDX_SYS_LP_INIT_NOT_PENDING", "TDX_SYS_LP_INIT_DONE",
                    "TDX_SYS_LP_INIT_NOT_DONE", "TDX_SYS_CONFIG_NOT_PENDING", "TDX_INVALID_TDMR",
                    "TDX_NON_ORDERED_TDMR", "TDX_INVALID_RESERVED_IN_TDMR", "TDX_NON_ORDERED_RESERVED_IN_TDMR",
                    "TDX_TDMR_OUTSIDE_CMRS", "TDX_INVALID_PAMT", "TDX_PAMT_OUTSIDE_CMRS", "TDX_PAMT_OVERLAP",
                    "TDX_SYS_KEY_CONFIG_NOT_PENDING", "TDX_KEY_CONFIGURED", "TDX_TDMR_ALREADY_INITIALIZED",
                    "TDX_KEY_GENERATION_FAILED", // PCONFIG failure (FaultPoint)
                    // operand and page checks
                    "TDX_OPERAND_BUSY", "TDX_OPERAND_ADDR_RANGE_ERROR", "TDX_PAGE_METADATA_INCORRECT",
                    // TD and vCPU leaves
                    "TDX_HKID_NOT_FREE", "TDX_TD_FATAL", "TDX_LIFECYCLE_STATE_INCORRECT", "TDX_TD_KEYS_NOT_CONFIGURED",
                    "TDX_TDCX_NUM_INCORRECT", "TDX_INCONSISTENT_MSR", "TDX_VCPU_STATE_INCORRECT",
                    "TDX_MAX_VCPUS_EXCEEDED", "TDX_VCPU_ASSOCIATED", "TDX_VCPU_NOT_ASSOCIATED", "TDX_EPT_WALK_FAILED",
                    "TDX_EPT_ENTRY_NOT_PRESENT", "TDX_FLUSHVP_NOT_DONE", "TDX_WBCACHE_NOT_COMPLETE",
                    "TDX_TD_ASSOCIATED_PAGES_EXIST", "TDX_WBCACHE_RESUME_ERROR", "TDX_NO_HKID_READY_TO_WBCACHE"),
            Span.V1_0, ImmutableSet.of(
                    "TDX_BOOT_NT4_SET", "TDX_TD_NOT_INITIALIZED", "TDX_TD_INITIALIZED", "TDX_TD_FINALIZED",
                    "TDX_TDVPX_NUM_INCORRECT", "TDX_EPT_ENTRY_NOT_FREE", "TDX_FIELD_NOT_READABLE",
                    "TDX_FIELD_NOT_WRITABLE"),
            Span.FROM_1_5, ImmutableSet.of(
                    "TDX_LIMIT_CPUID_MAXVAL_SET", "TDX_TDCS_NOT_ALLOCATED", "TDX_OP_STATE_INCORRECT", "TDX_NO_VCPUS",
                    "TDX_EPT_ENTRY_STATE_INCORRECT", "TDX_INCORRECT_MSR_VALUE", "TDX_METADATA_FIELD_ID_INCORRECT",
                    "TDX_METADATA_FIELD_NOT_READABLE", "TDX_METADATA_FIELD_NOT_WRITABLE",
                    "TDX_METADATA_FIELD_VALUE_NOT_VALID", "TDX_METADATA_WR_MASK_NOT_VALID",
                    "TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT", "TDX_METADATA_LIST_OVERFLOW", // TDH.SYS.RDALL
                    "TDX_RND_NO_ENTROPY"), // entropy failure (FaultPoint); absent in 1.0
            Span.FROM_2_0, ImmutableSet.of("TDX_EVENT_FILTER_INVALID", "TDX_EVENT_FILTER_ORDER_INVALID"));

    private static final Map<Span, ImmutableSet<String>> OPERANDS = Map.of(
            Span.ALL, ImmutableSet.of("RAX", "RCX", "RDX", "R8", "R9", "TDR", "KOT", "WBCACHE", "ATTRIBUTES",
                    "XFAM", "MAX_VCPUS", "EXEC_CONTROLS", "EPTP_CONTROLS", "TSC_FREQUENCY", "CPUID_CONFIG"),
            Span.V1_0, ImmutableSet.of("SEPT"),
            Span.FROM_1_5, ImmutableSet.of("OP_STATE", "SEPT_TREE", "NUM_L2_VMS", "IA32_ARCH_CAPABILITIES_CONFIG"),
            Span.FROM_2_0, ImmutableSet.of());

    /** Status names the engine may return for module {@code v}. */
    public static ImmutableSet<String> statuses(ModuleVersion v) {
        return select(STATUSES, v);
    }

    /** Operand-id names the engine may put into a status for module {@code v}. */
    public static ImmutableSet<String> operands(ModuleVersion v) {
        return select(OPERANDS, v);
    }

    /** Every status name of every version. */
    public static ImmutableSet<String> allStatuses() {
        return union(STATUSES);
    }

    /** Every operand-id name of every version. */
    public static ImmutableSet<String> allOperands() {
        return union(OPERANDS);
    }

    /** The first name in {@code required} (in list order) that {@code table} lacks. */
    static Optional<String> firstMissing(ImmutableSet<String> required, Map<String, ?> table) {
        return required.stream().filter(n -> !table.containsKey(n)).findFirst();
    }

    private static ImmutableSet<String> select(Map<Span, ImmutableSet<String>> m, ModuleVersion v) {
        ImmutableSet.Builder<String> b = ImmutableSet.builder();
        for (Span s : Span.values()) {
            if (s.covers(v)) {
                b.addAll(m.get(s));
            }
        }
        return b.build();
    }

    private static ImmutableSet<String> union(Map<Span, ImmutableSet<String>> m) {
        ImmutableSet.Builder<String> b = ImmutableSet.builder();
        for (Span s : Span.values()) {
            b.addAll(m.get(s));
        }
        return b.build();
    }
}
