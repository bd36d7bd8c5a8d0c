package org.tdxsim.module;

import org.tdxsim.module.status.Explanation;
import org.tdxsim.module.status.TdxStatus;

/**
 * The outcome of one SEAMCALL: the status exactly as the module returns it in RAX, all output
 * registers (RAX = the status), and an explanation. A non-success result's explanation says which
 * check failed and why; a success carries a one-line note.
 */
public record SeamcallResult(TdxStatus status, Registers out, Explanation explanation) {

    /** Exactly TDX_SUCCESS (informational statuses such as TDX_KEY_CONFIGURED are not). */
    public boolean isSuccess() {
        return status.isSuccess();
    }

    /** The full RAX value. */
    public long rax() {
        return out.rax();
    }

    public long rcx() {
        return out.rcx();
    }

    public long rdx() {
        return out.rdx();
    }

    public long r8() {
        return out.r8();
    }

    public long r9() {
        return out.r9();
    }

    public long r10() {
        return out.r10();
    }

    public long r11() {
        return out.r11();
    }

    @Override
    public String toString() {
        return status + " " + out + (isSuccess() ? "" : " — " + explanation.summary());
    }
}
