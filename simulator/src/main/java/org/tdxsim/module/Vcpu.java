package org.tdxsim.module;

import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One vCPU's TDVPS: the TDVPR page plus TDVPS extension pages (TDH.VP.CREATE/ADDCX/INIT;
 * abi §7.3 "VCPU rules"). States are the module's {@code VCPU_*} values ([M1.5.01]
 * {@code tdx_tdvps.h}: UNINITIALIZED 0, READY 2).
 */
final class Vcpu {

    static final int VCPU_UNINITIALIZED = 0x0;
    static final int VCPU_READY = 0x2;
    /** TDVPS.ASSOC_LPID when not associated with any LP. */
    static final int NO_LP = -1;

    final long tdvprPa;
    final long tdrPa;
    /** TDVPS page PAs, element 0 is the TDVPR itself. */
    final CopyOnWriteArrayList<Long> tdvpsPa = new CopyOnWriteArrayList<>();
    volatile int state = VCPU_UNINITIALIZED;
    volatile int vcpuIndex;
    volatile int assocLpid = NO_LP;
    volatile long initialRcx;

    Vcpu(long tdvprPa, long tdrPa) {
        this.tdvprPa = tdvprPa;
        this.tdrPa = tdrPa;
        tdvpsPa.add(tdvprPa);
    }

    int numTdvpsPages() {
        return tdvpsPa.size();
    }
}
