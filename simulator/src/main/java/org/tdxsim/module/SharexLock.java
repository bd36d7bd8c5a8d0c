package org.tdxsim.module;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A non-blocking shared/exclusive lock like the module's {@code sharex_lock_t}: every acquire is a
 * try, and a failure makes the SEAMCALL return a BUSY status instead of waiting
 * ([M1.5.01] {@code acquire_sharex_lock_*}; abi §7.1 "Global-lock contention → TDX_SYS_BUSY", §7.4
 * "KOT lock contention → TDX_OPERAND_BUSY|KOT"). State: 0 free, n > 0 shared holders, -1 exclusive.
 */
final class SharexLock {

    enum Mode { SHARED, EXCLUSIVE }

    private final AtomicInteger state = new AtomicInteger();

    boolean tryAcquire(Mode mode) {
        return mode == Mode.EXCLUSIVE ? tryExclusive() : tryShared();
    }

    boolean tryExclusive() {
        return state.compareAndSet(0, -1);
    }

    boolean tryShared() {
        while (true) {
            int s = state.get();
            if (s < 0) {
                return false;
            }
            if (state.compareAndSet(s, s + 1)) {
                return true;
            }
        }
    }

    void release(Mode mode) {
        if (mode == Mode.EXCLUSIVE) {
            if (!state.compareAndSet(-1, 0)) {
                throw new IllegalStateException("exclusive lock not held");
            }
        } else {
            int prev = state.getAndDecrement();
            if (prev <= 0) {
                throw new IllegalStateException("shared lock not held");
            }
        }
    }

    boolean isFree() {
        return state.get() == 0;
    }
}
