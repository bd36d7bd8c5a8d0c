package org.tdxsim.module;

import java.util.ArrayDeque;
import java.util.Deque;
import org.tdxsim.module.profile.ModuleProfile;

/**
 * One SEAMCALL in flight: input registers, the output registers (which start as the inputs, since
 * SEAMRET returns every GPR the handler did not change), the locks taken so far (released in
 * reverse order when the call ends, whatever the outcome) and status helpers that resolve names to
 * this module version's values.
 */
final class Call {

    final TdxModule m;
    final ModuleProfile profile;
    final int lp;
    final Registers in;
    final int leaf;
    final int version;
    long rcx;
    long rdx;
    long r8;
    long r9;
    long r10;
    long r11;
    private final Deque<Runnable> releases = new ArrayDeque<>();

    Call(TdxModule m, int lp, Registers in, int leaf, int version) {
        this.m = m;
        this.profile = m.profile();
        this.lp = lp;
        this.in = in;
        this.leaf = leaf;
        this.version = version;
        this.rcx = in.rcx();
        this.rdx = in.rdx();
        this.r8 = in.r8();
        this.r9 = in.r9();
        this.r10 = in.r10();
        this.r11 = in.r11();
    }

    /** Registers returned to the caller with {@code rax} as the status. */
    Registers out(long rax) {
        return new Registers(rax, rcx, rdx, r8, r9, r10, r11);
    }

    int pkg() {
        return m.platformView().packageOf(lp);
    }

    // ---- locks ----

    /** Try-acquires {@code lock}; on success it is released when the call ends. */
    boolean tryLock(SharexLock lock, SharexLock.Mode mode) {
        if (!lock.tryAcquire(mode)) {
            return false;
        }
        releases.push(() -> lock.release(mode));
        return true;
    }

    /** Fails the call if {@code point} is armed in the module's {@link FaultInjector}. */
    void reach(FaultPoint point) {
        m.faults().reach(this, point);
    }

    void onExit(Runnable r) {
        releases.push(r);
    }

    void releaseAll() {
        while (!releases.isEmpty()) {
            releases.pop().run();
        }
    }

    // ---- statuses (abi §2) ----

    long status(String name) {
        return profile.status(name);
    }

    int operand(String name) {
        return profile.operandId(name);
    }

    Fail fail(String statusName, String why) {
        return new Fail(status(statusName), why);
    }

    /** {@code status | OPERAND_ID_<operand>}. */
    Fail fail(String statusName, String operandName, String why) {
        return new Fail(status(statusName) | operand(operandName), why);
    }

    /** A status whose low 32 bits carry something other than an operand id (MSR address, leaf, detail bytes). */
    Fail failWithDetail(String statusName, long low32, String why) {
        return new Fail(status(statusName) | (low32 & 0xFFFF_FFFFL), why);
    }

    /** An already composed RAX value (e.g. a PAMT status with its operand). */
    Fail failRaw(long rax, String why) {
        return new Fail(rax, why);
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v).toUpperCase(java.util.Locale.ROOT); // = String.format("0x%X", v)
    }
}
