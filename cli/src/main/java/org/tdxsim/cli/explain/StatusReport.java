package org.tdxsim.cli.explain;

import com.google.common.collect.ImmutableList;
import java.util.Optional;

/**
 * A TDX completion status taken apart (abi §2.1) and named by every module version.
 *
 * @param value            the 64-bit status
 * @param error            bit 63
 * @param nonRecoverable   bit 62
 * @param fatal            bit 61
 * @param hostRecoverabilityHint bit 60
 * @param classCode        bits 47:40
 * @param detailsL1        bits 39:32
 * @param operand          bits 31:0
 * @param versions         one row per module version (requested one first when given)
 * @param consistent       all versions name it the same way
 * @param notes            extra facts: kernel disagreements, what KVM turns it into, where it comes from
 */
public record StatusReport(long value, boolean error, boolean nonRecoverable, boolean fatal,
        boolean hostRecoverabilityHint, int classCode, int detailsL1, int operand,
        ImmutableList<VersionName> versions, boolean consistent, ImmutableList<String> notes) {

    /**
     * How one module version names the status.
     *
     * @param module      version label
     * @param name        the status name after stripping bits 31:0 (empty: unknown to this version)
     * @param operandName the operand id's name, when bits 31:0 are an operand id
     * @param describe    {@code NAME|OPERAND(id)} or the hex value
     */
    public record VersionName(String module, Optional<String> name, Optional<String> operandName, String describe) {}

    /** Informational (bit 63 clear) or an error the host may retry (bit 62 clear). */
    public boolean recoverable() {
        return !error || !nonRecoverable;
    }
}
