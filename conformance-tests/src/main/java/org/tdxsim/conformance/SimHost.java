package org.tdxsim.conformance;

import java.util.Optional;
import org.tdxsim.kvm.KvmBackend;

/**
 * One simulated host as the decision table and the properties use it: a backend (the simulated kernel
 * after module bring-up) and, where available, TDCS access.
 *
 * @param backend the simulated kernel; closing it closes the host
 * @param inspector TDCS reader for TDs created on {@code backend}
 */
public record SimHost(KvmBackend backend, Optional<TdInspector> inspector) implements AutoCloseable {
    @Override
    public void close() {
        backend.close();
    }
}
