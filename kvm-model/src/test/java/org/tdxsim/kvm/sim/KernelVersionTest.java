package org.tdxsim.kvm.sim;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.tdxsim.kvm.sim.KvmAsserts.fails;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.KvmTdxCmdId;

/** Kernel-version differences of kvm-tdx-uapi.md §8 not covered by the per-command tests. */
class KernelVersionTest {

    /**
     * INIT_VM copy-in order: 6.16 copies the 264-byte header first (a 260-byte buffer faults, -EFAULT,
     * whatever nent says); 6.19+ reads {@code nent} with get_user first, so nent 300 in a 260-byte buffer
     * is -E2BIG, and a valid nent then faults on the single struct copy.
     */
    @ParameterizedTest
    @EnumSource(KernelVersion.class)
    void initVmCopyInOrder(KernelVersion kv) {
        try (SimulatedKernel k = Fixtures.kernel(kv); QemuFlow f = InitVmTest.ready(k); Arena a = k.memory().openArena()) {
            MemorySegment s = a.allocate(260, 8);
            s.set(JAVA_INT, 256, 300);
            int id = KvmTdxCmdId.KVM_TDX_INIT_VM.id();
            fails(() -> f.vm.memoryEncryptOp(id, 0, s.address()), kv.isAtLeast619() ? Errno.E2BIG : Errno.EFAULT);
            s.set(JAVA_INT, 256, 1);
            fails(() -> f.vm.memoryEncryptOp(id, 0, s.address()), Errno.EFAULT, "copy_from_user");
        }
    }
}
