package org.tdxsim.kvm.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport;
import org.tdxsim.kvm.KvmException;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.kvm.uapi.KvmTdxCapabilities;
import org.tdxsim.module.status.TdxStatus;

/** Random CPUID tables through KVM_TDX_INIT_VM (kvm-tdx-uapi.md §3.2, §5.3). */
class CpuidPropertyTest {
    private static final SimulatedKernel K = Fixtures.kernel();
    private static final KvmTdxCapabilities CAPS;
    private static final KvmCpuid2 SUPPORTED;

    static {
        try (QemuFlow f = new QemuFlow(K).createVm().capabilities().buildInitCpuid()) {
            CAPS = f.caps;
            SUPPORTED = f.initCpuid;
        }
    }

    @AfterContainer
    static void closeKernel() {
        K.close();
    }

    /** A table: a random subset of the capability leaves, each register random within its configurable mask. */
    record Table(KvmCpuid2 cpuid) {}

    @Provide
    Arbitrary<Table> tables() {
        int n = CAPS.cpuid().entries().size();
        return Combinators.combine(Arbitraries.integers().list().ofSize(4 * n),
                        Arbitraries.of(true, true, true, false).list().ofSize(n),
                        Arbitraries.of(48, 52))
                .as((regs, keep, gpa) -> {
                    List<KvmCpuidEntry2> out = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        KvmCpuidEntry2 m = CAPS.cpuid().entries().get(i);
                        if (!keep.get(i) && m.function() != 0x80000008) {
                            continue;
                        }
                        int eax = regs.get(4 * i) & m.eax();
                        if (m.function() == 0x80000008) {
                            eax = (eax & ~0xFF0000) | gpa << 16;
                        }
                        out.add(new KvmCpuidEntry2(m.function(), m.index(), indexed(m.function()) ? 1 : 0, eax,
                                regs.get(4 * i + 1) & m.ebx(), regs.get(4 * i + 2) & m.ecx(), regs.get(4 * i + 3) & m.edx()));
                    }
                    return new Table(KvmCpuid2.of(out));
                });
    }

    private static boolean indexed(int function) {
        return CAPS.cpuid().entries().stream().filter(e -> e.function() == function).count() > 1
                || function == 7 || function == 4 || function == 0x1F || function == 0x23 || function == 0x18;
    }

    /**
     * Property: a table built only from the capabilities' leaves and masks (with a valid GuestPhysBits)
     * passes every KVM check, so INIT_VM either succeeds, or fails only because the module said no:
     * -EINVAL carrying hw_error = TDX_OPERAND_INVALID|operand and the module's explanation. In both cases
     * the VM stays usable: on failure no KeyID or TD is left behind and the standard request then succeeds.
     */
    @Property(tries = 60)
    @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
    void whatKvmAcceptsTheModuleDecides(@ForAll("tables") Table t) {
        try (QemuFlow f = new QemuFlow(K).createVm().splitIrqchip()) {
            f.caps = CAPS;
            f.initCpuid = SUPPORTED;
            try {
                f.vm.tdxInitVm(InitVmTest.withCpuid(f, t.cpuid()));
                assertThat(K.vmView(f.vm.fd()).orElseThrow().tdState()).isEqualTo("INITIALIZED");
                Statistics.collect("accepted");
            } catch (KvmException e) {
                assertThat(e.is(Errno.EINVAL)).as(e.getMessage()).isTrue();
                assertThat(e.hwError()).as("only the module may reject: " + e.getMessage()).isPresent();
                long operandInvalid = K.config().module().status("TDX_OPERAND_INVALID");
                assertThat(e.hwError().getAsLong() & TdxStatus.STATUS_MASK).isEqualTo(operandInvalid);
                assertThat(e.explanation()).get().asString().contains("TDH.MNG.INIT");
                assertThat(K.vmView(f.vm.fd()).orElseThrow().tdState()).isEqualTo("UNINITIALIZED");
                assertThat(K.keyidsInUse()).isZero();
                f.initVm();
                Statistics.collect("module rejected");
            }
        }
        assertThat(K.keyidsInUse()).isZero();
        assertThat(K.module().orElseThrow().liveTds()).isZero();
        Statistics.coverage(c -> {
            c.check("accepted").count((Integer n) -> n > 0);
            c.check("module rejected").count((Integer n) -> n > 0);
        });
    }

    /**
     * Property: adding a leaf the module cannot configure, or a second copy of a configurable entry, is
     * refused by KVM itself (-EINVAL without hw_error: the module is never asked), whatever else the
     * table contains.
     */
    @Property(tries = 40)
    void kvmRejectsUnmappableEntriesBeforeTheModule(@ForAll("tables") Table t, @ForAll boolean duplicate) {
        List<KvmCpuidEntry2> es = new ArrayList<>(t.cpuid().entries());
        es.add(duplicate ? es.getFirst() : new KvmCpuidEntry2(0x40000000, 0, 0, 0x40000001, 0, 0, 0));
        try (QemuFlow f = new QemuFlow(K).createVm().splitIrqchip()) {
            f.caps = CAPS;
            f.initCpuid = SUPPORTED;
            int seamcallsBefore = K.module().orElseThrow().liveTds();
            KvmException e = KvmAsserts.fails(() -> f.vm.tdxInitVm(InitVmTest.withCpuid(f, KvmCpuid2.of(es))), Errno.EINVAL);
            assertThat(e.hwError()).isEmpty();
            assertThat(K.module().orElseThrow().liveTds()).isEqualTo(seamcallsBefore);
        }
    }
}
