package org.tdxsim.module;

/**
 * Global module state ({@code sys_state}, abi §7.1, [M1.5.01] {@code tdx_global_data.h}).
 * TDH.SYS.TDMR.INIT runs once the module is {@link #SYS_READY}.
 */
public enum SysState {
    SYSINIT_PENDING(0),
    SYSINIT_DONE(1),
    SYSCONFIG_DONE(2),
    SYS_READY(3),
    SYS_SHUTDOWN(4);

    private final int value;

    SysState(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }
}
