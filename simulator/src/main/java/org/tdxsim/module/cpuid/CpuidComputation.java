package org.tdxsim.module.cpuid;

import com.google.common.collect.ImmutableList;
import java.util.OptionalInt;
import org.tdxsim.module.profile.CpuidLookupEntry;
import org.tdxsim.module.status.Explanation;

/** Result of running the module's CPUID virtualization for one TD_PARAMS. */
public sealed interface CpuidComputation {

    /**
     * The TD's CPUID table as TDCS stores it.
     *
     * @param values     final value per lookup index (list index = {@code cpuid_lookup} index; unused
     *                   slots of sparse tables such as 1.5.06's 68-71 are zero)
     * @param valid      CPUID_VALID per lookup index, per version as {@link CpuidVirtualization} sets it
     *                   (2.0.08: every slot; 1.5.06: {@code valid_entry && !faulting}; older: {@code !faulting})
     * @param virtMaxPa  TDCS.VIRT_MAXPA (1.5.06+, abi §5.5), empty before 1.5.06
     */
    record Computed(ImmutableList<CpuidRegs> values, ImmutableList<Boolean> valid, OptionalInt virtMaxPa)
            implements CpuidComputation {
    }

    /** A CPUID_CONFIG value the module refuses (abi §4.1 rows 22a-22e). */
    record Refused(Reason reason, CpuidLookupEntry entry, Explanation explanation) implements CpuidComputation {
    }

    /** Which of the row-22 checks refused. */
    enum Reason {
        /** 22a: a 1-bit outside CONFIG_DIRECT | ALLOW_DIRECT. */
        NOT_CONFIGURABLE,
        /** 22b: CPUID(1).EAX family/model/stepping not allowed. */
        FMS,
        /** 22c: final CPUID(7,0).EBX HLE != RTM. */
        HLE_RTM_MISMATCH,
        /** 22d: HLE enabled but IA32_ARCH_CAPABILITIES.TSX_CTRL = 0. */
        TSX_WITHOUT_TSX_CTRL,
        /** 22e: MAXPA_VIRT value outside [MIN_VIRT_MAXPA, min(native, 52/48)]. */
        VIRT_MAXPA_RANGE
    }
}
