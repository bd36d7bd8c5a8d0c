package org.tdxsim.module.status;

import java.util.Objects;
import org.assertj.core.api.AbstractAssert;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.tdparams.TdParamsCheckResult;

/**
 * AssertJ assertion for TDX completion statuses:
 * {@code assertThatStatus(result, module).is("TDX_OPERAND_INVALID").withOperand("ATTRIBUTES")}.
 * Names are resolved with the module profile, so each assertion checks the exact value of that
 * version.
 */
public final class StatusAssert extends AbstractAssert<StatusAssert, TdxStatus> {

    private final ModuleProfile module;
    private final TdParamsCheckResult result;

    private StatusAssert(TdxStatus actual, ModuleProfile module, TdParamsCheckResult result) {
        super(actual, StatusAssert.class);
        this.module = module;
        this.result = result;
    }

    public static StatusAssert assertThatStatus(TdxStatus status) {
        return new StatusAssert(status, status.namedBy().orElseThrow(
                () -> new IllegalArgumentException("status has no profile; use assertThatStatus(value, module)")), null);
    }

    public static StatusAssert assertThatStatus(long status, ModuleProfile module) {
        return new StatusAssert(TdxStatus.of(status, module), module, null);
    }

    /** For a TD_PARAMS check result: fails unless it is a rejection. */
    public static StatusAssert assertThatStatus(TdParamsCheckResult result, ModuleProfile module) {
        if (!(result instanceof TdParamsCheckResult.Rejected r)) {
            throw new AssertionError("expected a rejection but TD_PARAMS was accepted (module " + module.version() + ")");
        }
        return new StatusAssert(TdxStatus.of(r.status(), module), module, result);
    }

    /** The status without operand equals {@code name}'s value in this module version. */
    public StatusAssert is(String name) {
        isNotNull();
        long want = module.status(name);
        if (actual.base() != want) {
            failWithMessage("expected status %s (0x%016X) in module %s but was %s%s", name, want, module.version(),
                    actual, explanation());
        }
        return this;
    }

    public StatusAssert withOperand(String operand) {
        int want = module.operandId(operand);
        if (actual.operand() != want) {
            failWithMessage("expected operand %s(%d) but was %s%s", operand, want, actual, explanation());
        }
        return this;
    }

    /** Bits 31:0 equal {@code detail} (e.g. an MSR address). */
    public StatusAssert withDetail(int detail) {
        if (actual.operand() != detail) {
            failWithMessage("expected details 0x%X but was %s%s", detail, actual, explanation());
        }
        return this;
    }

    /** RCX extended error info of a TD_PARAMS rejection. */
    public StatusAssert withRcx(long rcx) {
        Objects.requireNonNull(result, "withRcx needs a TdParamsCheckResult");
        long got = ((TdParamsCheckResult.Rejected) result).rcxExtended();
        if (got != rcx) {
            failWithMessage("expected RCX 0x%016X but was 0x%016X%s", rcx, got, explanation());
        }
        return this;
    }

    public StatusAssert explanationContains(String text) {
        Objects.requireNonNull(result, "explanationContains needs a TdParamsCheckResult");
        String e = ((TdParamsCheckResult.Rejected) result).explanation().toString();
        if (!e.contains(text)) {
            failWithMessage("expected the explanation to contain <%s> but it was:%n%s", text, e);
        }
        return this;
    }

    private String explanation() {
        return result instanceof TdParamsCheckResult.Rejected r ? System.lineSeparator() + r.explanation() : "";
    }
}
