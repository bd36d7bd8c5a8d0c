package org.tdxsim.module;

/**
 * Test-only (kvm-model tests): holds one of the simulated module's try-locks the way a SEAMCALL still
 * running on another LP would, so the simulated kernel's reaction to module contention
 * ({@code TDX_OPERAND_BUSY} → {@code -EBUSY}, kvm-tdx-uapi.md §3.2, §3.3) can be produced on demand.
 * Same package as the module, so it reaches the package-private lock of a PAMT entry.
 */
public final class KernelSideProbe {

    private KernelSideProbe() {
    }

    /** Holds the PAMT entry lock of the page at {@code pa} until closed. */
    public static AutoCloseable holdPage(TdxModule m, long pa, boolean exclusive) {
        Pamt.Tdmr t = m.pamt().coveringInitialized(pa).orElseThrow(() -> new IllegalArgumentException("not in a TDMR"));
        SharexLock lock = m.pamt().entry(pa, t).lock;
        SharexLock.Mode mode = exclusive ? SharexLock.Mode.EXCLUSIVE : SharexLock.Mode.SHARED;
        if (!lock.tryAcquire(mode)) {
            throw new IllegalStateException("page " + Long.toHexString(pa) + " is already locked");
        }
        return () -> lock.release(mode);
    }
}
