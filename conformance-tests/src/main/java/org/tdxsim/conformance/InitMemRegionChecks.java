package org.tdxsim.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tdxsim.conformance.KvmAssert.fails;
import static org.tdxsim.conformance.KvmAssert.succeeds;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.tdxsim.kvm.KvmException;
import org.tdxsim.kvm.VcpuFd;
import org.tdxsim.kvm.VmFd;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmTdxCmd;
import org.tdxsim.kvm.uapi.KvmTdxInitMemRegion;

/** KVM_TDX_INIT_MEM_REGION and KVM_TDX_FINALIZE_VM (uapi §3.3). */
@DisplayName("InitMemRegionChecks")
public class InitMemRegionChecks extends TargetedChecks {

    static final long PAGE = KvmConstants.PAGE_SIZE;
    static final long GPA = 0x100000;

    @Test
    @DisplayName("all pages added: nr_pages written back 0, gpa and source_addr advanced by the pages done (uapi §3.3 INIT_MEM_REGION step 5)")
    void writesBackProgress() {
        VmFd vm = host.initializedTd();
        host.privateMemory(vm, 0, GPA, 8);
        VcpuFd v = host.initializedVcpu(vm);
        MemorySegment src = host.userPages(8);
        KvmTdxInitMemRegion in = new KvmTdxInitMemRegion(src.address(), GPA, 4);
        AtomicReference<KvmTdxInitMemRegion> out = new AtomicReference<>();
        succeeds("INIT_MEM_REGION, measured", () -> out.set(v.tdxInitMemRegion(in, true)));
        assertThat(out.get()).as("region written back").isEqualTo(
                new KvmTdxInitMemRegion(src.address() + 4 * PAGE, GPA + 4 * PAGE, 0));
        KvmTdxInitMemRegion rest = new KvmTdxInitMemRegion(src.address() + 4 * PAGE, GPA + 4 * PAGE, 4);
        succeeds("INIT_MEM_REGION, not measured", () -> out.set(v.tdxInitMemRegion(rest, false)));
        assertThat(out.get().nrPages()).as("nr_pages written back").isZero();
        succeeds("FINALIZE after adding pages", vm::tdxFinalizeVm);
    }

    @Test
    @DisplayName("a failure part-way writes back how far it got, and the written-back region resumes (uapi §3.3 INIT_MEM_REGION steps 4–5)")
    void resumesFromWrittenBackRegion() {
        VmFd vm = host.initializedTd();
        host.privateMemory(vm, 0, GPA, 2); // only the first 2 of 4 pages are backed
        VcpuFd v = host.initializedVcpu(vm);
        MemorySegment src = host.userPages(4);
        KvmTdxInitMemRegion in = new KvmTdxInitMemRegion(src.address(), GPA, 4);
        KvmException e;
        try {
            v.tdxInitMemRegion(in, true);
            throw new AssertionError("INIT_MEM_REGION over 2 unbacked pages succeeded (uapi §3.3 step 4: "
                    + "kvm_gmem_populate needs guest_memfd-backed private memory)");
        } catch (KvmException x) {
            e = x;
        }
        assertThat(e.error().regionProgress()).as("region written back with %s", e.error().describe())
                .hasValue(new KvmTdxInitMemRegion(src.address() + 2 * PAGE, GPA + 2 * PAGE, 2));
        host.privateMemory(vm, 1, GPA + 2 * PAGE, 2);
        KvmTdxInitMemRegion resume = e.error().regionProgress().orElseThrow();
        AtomicReference<KvmTdxInitMemRegion> out = new AtomicReference<>();
        succeeds("resume from the written-back region", () -> out.set(v.tdxInitMemRegion(resume, true)));
        assertThat(out.get().nrPages()).isZero();
        assertThat(out.get().gpa()).isEqualTo(GPA + 4 * PAGE);
    }

    @Test
    @DisplayName("flags beyond MEASURE, unaligned source or gpa, nr_pages 0, a wrapping range → EINVAL (uapi §3.3 INIT_MEM_REGION steps 2–3)")
    void malformedRegionsRefused() {
        VmFd vm = host.initializedTd();
        host.privateMemory(vm, 0, GPA, 2);
        VcpuFd v = host.initializedVcpu(vm);
        long src = host.userPages(2).address();
        fails(Errno.EINVAL, "step 2: flags & ~MEASURE",
                () -> v.tdxInitMemRegion(new KvmTdxInitMemRegion(src, GPA, 1), 2));
        fails(Errno.EINVAL, "step 3: source_addr not 4 KiB aligned",
                () -> v.tdxInitMemRegion(new KvmTdxInitMemRegion(src + 8, GPA, 1), true));
        fails(Errno.EINVAL, "step 3: gpa not 4 KiB aligned",
                () -> v.tdxInitMemRegion(new KvmTdxInitMemRegion(src, GPA + 8, 1), true));
        fails(Errno.EINVAL, "step 3: nr_pages == 0",
                () -> v.tdxInitMemRegion(new KvmTdxInitMemRegion(src, GPA, 0), true));
        fails(Errno.EINVAL, "step 3: gpa + nr_pages * 4K wraps",
                () -> v.tdxInitMemRegion(new KvmTdxInitMemRegion(src, -PAGE, 2), true));
    }

    @Test
    @DisplayName("a GPA with the shared bit set (47 with GPAW 0, 51 with GPAW 1) → EINVAL (uapi §3.3 INIT_MEM_REGION step 3, §4.1)")
    void sharedGpaRefused() {
        VmFd vm = host.initializedTd(48);
        VcpuFd v = host.initializedVcpu(vm);
        long src = host.userPages(1).address();
        fails(Errno.EINVAL, "step 3: GPA bit 47 set under GuestPhysBits 48",
                () -> v.tdxInitMemRegion(new KvmTdxInitMemRegion(src, 1L << 47 | GPA, 1), true));
        if (host.ept5Level().orElse(false)) {
            VmFd vm52 = host.initializedTd(52);
            VcpuFd v52 = host.initializedVcpu(vm52);
            fails(Errno.EINVAL, "step 3: GPA bit 51 set under GuestPhysBits 52",
                    () -> v52.tdxInitMemRegion(new KvmTdxInitMemRegion(src, 1L << 51 | GPA, 1), true));
        }
    }

    @Test
    @DisplayName("KVM_TDX_FINALIZE_VM succeeds after INIT_VCPU and reports hw_error 0 (uapi §3.2, §3.3 FINALIZE step 3)")
    void finalizeSucceedsWithHwErrorZero() {
        VmFd vm = host.initializedTd();
        host.initializedVcpu(vm);
        AtomicReference<KvmTdxCmd> after = new AtomicReference<>();
        succeeds("FINALIZE", () -> after.set(vm.memoryEncryptOp(KvmConstants.KVM_TDX_FINALIZE_VM, 0, 0)));
        assertThat(after.get().hwError()).as("hw_error copied back (uapi §3.2: TDH.MR.FINALIZE status)").isZero();
    }
}
