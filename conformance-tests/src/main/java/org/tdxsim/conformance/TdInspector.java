package org.tdxsim.conformance;

import java.util.Optional;
import org.tdxsim.kvm.KvmBackend;

/**
 * Reads the TDX module's record of a TD (TDCS fields) behind a VM fd. KVM's uapi has no such read for a
 * production TD, so only the simulated kernel offers it; checks that need it are skipped elsewhere with
 * that reason.
 */
@FunctionalInterface
public interface TdInspector {

    /**
     * The TDCS fields of the TD behind {@code vmFd}, or empty if the VM has no initialised TD.
     *
     * @param backend the backend the VM was created on
     * @param vmFd the VM's file descriptor
     */
    Optional<Tdcs> tdcs(KvmBackend backend, int vmFd);

    /**
     * TDCS fields relevant to the GPAW decision (plus the kernel's own record of the shared bit) (abi §6.5:
     * TDCS.GPAW 0x1110000000000003, TDCS.EPTP 0x1110000300000004, TDCS.CONFIG_FLAGS).
     *
     * @param gpaw TDCS.GPAW (0 or 1)
     * @param eptp TDCS.EPTP (controls + S-EPT root PA); bits 5:3 = page-walk length − 1 (abi §3.5)
     * @param configFlags TDCS.CONFIG_FLAGS
     * @param kernelSharedBit the GPA shared bit KVM chose at INIT_VM ({@code gfn_direct_bits}, uapi §3.3
     *     INIT_VM step 9), −1 if the backend does not say
     */
    record Tdcs(int gpaw, long eptp, long configFlags, int kernelSharedBit) {
        /** EPT page-walk levels (4 or 5) from EPTP bits 5:3 (abi §3.5). */
        public int eptLevels() {
            return (int) ((eptp >>> 3) & 0x7) + 1;
        }
    }
}
