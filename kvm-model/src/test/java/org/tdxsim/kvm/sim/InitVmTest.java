package org.tdxsim.kvm.sim;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.tdxsim.kvm.sim.KvmAsserts.fails;

import com.google.common.collect.ImmutableList;
import com.google.common.primitives.ImmutableLongArray;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.tdxsim.kvm.KvmException;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.kvm.uapi.KvmTdxCmdId;
import org.tdxsim.kvm.uapi.KvmTdxInitVm;

/** KVM_TDX_INIT_VM, every errno branch in the kernel's order (kvm-tdx-uapi.md §3.3, §4.1, §5.2, §5.3). */
class InitVmTest {

    static QemuFlow ready(SimulatedKernel k) {
        return new QemuFlow(k).createVm().splitIrqchip().capabilities().buildInitCpuid();
    }

    static KvmCpuid2 edit(KvmCpuid2 c, int function, int index, UnaryOperator<KvmCpuidEntry2> op) {
        List<KvmCpuidEntry2> out = new ArrayList<>();
        for (KvmCpuidEntry2 e : c.entries()) {
            out.add(e.function() == function && e.index() == index ? op.apply(e) : e);
        }
        return KvmCpuid2.of(out);
    }

    static KvmCpuid2 plus(KvmCpuid2 c, KvmCpuidEntry2 extra) {
        return KvmCpuid2.of(ImmutableList.<KvmCpuidEntry2>builder().addAll(c.entries()).add(extra).build());
    }

    static KvmTdxInitVm withCpuid(QemuFlow f, KvmCpuid2 c) {
        KvmTdxInitVm r = f.initVmRequest();
        return new KvmTdxInitVm(r.attributes(), r.xfam(), r.mrconfigid(), r.mrowner(), r.mrownerconfig(), r.reserved(), c);
    }

    static KvmCpuid2 withGuestPhysBits(KvmCpuid2 c, int bits) {
        return edit(c, 0x80000008, 0, e -> e.withRegisters((e.eax() & ~0xFF0000) | bits << 16, e.ebx(), e.ecx(), e.edx()));
    }

    /** Step 1: a second INIT_VM → -EINVAL, checked before flags. */
    @Test
    void secondInitVm() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = ready(k).initVm()) {
            fails(() -> f.vm.memoryEncryptOp(KvmTdxCmdId.KVM_TDX_INIT_VM.id(), 1, 0), Errno.EINVAL, "already INITIALIZED");
            assertThat(k.vmView(f.vm.fd()).orElseThrow().tdState()).isEqualTo("INITIALIZED");
        }
    }

    /** Step 2: flags ≠ 0 → -EINVAL before the struct is read (a NULL data pointer does not fault). */
    @Test
    void flags() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = ready(k)) {
            fails(() -> f.vm.memoryEncryptOp(KvmTdxCmdId.KVM_TDX_INIT_VM.id(), 1, 0), Errno.EINVAL, "flags");
        }
    }

    /** Step 3: header copy → -EFAULT; nent > 256 → -E2BIG (before reserved checks); entries copy → -EFAULT. */
    @ParameterizedTest
    @EnumSource(KernelVersion.class)
    void copyInAndNent(KernelVersion kv) {
        try (SimulatedKernel k = Fixtures.kernel(kv); QemuFlow f = ready(k); Arena a = k.memory().openArena()) {
            fails(() -> f.vm.memoryEncryptOp(1, 0, 0x4000), Errno.EFAULT, "copy_from_user");
            MemorySegment s = a.allocate(KvmTdxInitVm.LAYOUT.byteSize(), 8);
            s.set(JAVA_INT, 256, 257);
            s.set(JAVA_LONG, 160, 1);
            fails(() -> f.vm.memoryEncryptOp(1, 0, s.address()), Errno.E2BIG, "257");
            s.set(JAVA_INT, 256, 3);
            fails(() -> f.vm.memoryEncryptOp(1, 0, s.address()), Errno.EFAULT, "copy_from_user");
            s.set(JAVA_INT, 256, -1);
            fails(() -> f.vm.memoryEncryptOp(1, 0, s.address()), Errno.E2BIG, "4294967295");
        }
    }

    /** Step 4: reserved[12] non-zero → -EINVAL; then cpuid.padding ≠ 0 → -EINVAL. */
    @Test
    void reservedThenPadding() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = ready(k)) {
            KvmTdxInitVm r = f.initVmRequest();
            long[] res = new long[12];
            res[11] = 1;
            KvmCpuid2 padded = new KvmCpuid2(r.cpuid().nent(), 7, r.cpuid().entries());
            fails(() -> f.vm.tdxInitVm(new KvmTdxInitVm(r.attributes(), r.xfam(), r.mrconfigid(), r.mrowner(),
                    r.mrownerconfig(), ImmutableLongArray.copyOf(res), padded)), Errno.EINVAL, "reserved");
            fails(() -> f.vm.tdxInitVm(new KvmTdxInitVm(r.attributes(), r.xfam(), r.mrconfigid(), r.mrowner(),
                    r.mrownerconfig(), r.reserved(), padded)), Errno.EINVAL, "padding 0x7");
        }
    }

    /** Step 5 / §5.2: attributes outside supported_attrs, then xfam outside supported_xfam → -EINVAL. */
    @Test
    void attributesThenXfam() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = ready(k)) {
            KvmTdxInitVm r = f.initVmRequest();
            long debug = 1;
            long pt = 1L << 8;
            fails(() -> f.vm.tdxInitVm(new KvmTdxInitVm(r.attributes() | debug, r.xfam() | pt, r.mrconfigid(),
                    r.mrowner(), r.mrownerconfig(), r.reserved(), r.cpuid())), Errno.EINVAL, "outside supported_attrs");
            fails(() -> f.vm.tdxInitVm(new KvmTdxInitVm(r.attributes(), r.xfam() | pt, r.mrconfigid(),
                    r.mrowner(), r.mrownerconfig(), r.reserved(), r.cpuid())), Errno.EINVAL, "outside supported_xfam");
            assertThat(k.keyidsInUse()).isZero();
        }
    }

    /** Step 6 / §4.1: GuestPhysBits must be present and 48 or 52; checked before the CPUID mapping. */
    @ParameterizedTest
    @ValueSource(ints = {0, 36, 46, 47, 49, 51, 53, 57, 255})
    void guestPhysBitsNot48Or52(int bits) {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = ready(k)) {
            KvmCpuid2 c = plus(withGuestPhysBits(f.initCpuid, bits), new KvmCpuidEntry2(0x40000001, 0, 0, 1, 0, 0, 0));
            fails(() -> f.vm.tdxInitVm(withCpuid(f, c)), Errno.EINVAL,
                    "CPUID 0x80000008 GuestPhysBits " + bits + " is not 48 or 52");
        }
    }

    @Test
    void missing80000008() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = ready(k)) {
            KvmCpuid2 c = KvmCpuid2.of(f.initCpuid.entries().stream().filter(e -> e.function() != 0x80000008).toList());
            fails(() -> f.vm.tdxInitVm(withCpuid(f, c)), Errno.EINVAL, "no leaf 0x80000008");
        }
    }

    /** §4.1: 52 → 5-level EPT + MAX_GPAW (shared bit 51); 48 → 4-level (bit 47); 52 without 5-level EPT → -EINVAL. */
    @Test
    void gpawSelectsSharedBit() {
        try (SimulatedKernel k = Fixtures.kernel("2.0.08", "granite-rapids-w-xeon-658x"); QemuFlow f = ready(k)) {
            assertThat(k.config().platform().ept5Level()).isTrue();
            f.vm.tdxInitVm(withCpuid(f, withGuestPhysBits(f.initCpuid, 52)));
            assertThat(k.vmView(f.vm.fd()).orElseThrow().sharedBit()).isEqualTo(51);
        }
        try (SimulatedKernel k = Fixtures.kernel("2.0.08", "granite-rapids-w-xeon-658x"); QemuFlow f = ready(k)) {
            f.vm.tdxInitVm(withCpuid(f, withGuestPhysBits(f.initCpuid, 48)));
            assertThat(k.vmView(f.vm.fd()).orElseThrow().sharedBit()).isEqualTo(47);
        }
        try (SimulatedKernel k = Fixtures.kernel("2.0.08", "sierra-forest-synthesized"); QemuFlow f = ready(k)) {
            assertThat(k.config().platform().ept5Level()).isFalse();
            assertThat((f.initCpuid.find(0x80000008, 0).orElseThrow().eax() >>> 16) & 0xFF)
                    .as("§4.2: capped at 48 without 5-level TDP").isEqualTo(48);
            fails(() -> f.vm.tdxInitVm(withCpuid(f, withGuestPhysBits(f.initCpuid, 52))), Errno.EINVAL,
                    "needs 5-level EPT");
            f.initVm();
            assertThat(k.vmView(f.vm.fd()).orElseThrow().sharedBit()).isEqualTo(47);
        }
    }

    /** Step 7 / §5.3: leaf 7.0 with HLE/RTM/WAITPKG → -EINVAL (TSX checked on the matched entry). */
    @ParameterizedTest
    @ValueSource(strings = {"HLE", "RTM", "WAITPKG"})
    void tsxAndWaitpkg(String bit) {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = ready(k)) {
            KvmCpuid2 c = edit(f.initCpuid, 7, 0, e -> switch (bit) {
                case "HLE" -> e.withRegisters(e.eax(), e.ebx() | Tdx.HLE, e.ecx(), e.edx());
                case "RTM" -> e.withRegisters(e.eax(), e.ebx() | Tdx.RTM, e.ecx(), e.edx());
                default -> e.withRegisters(e.eax(), e.ebx(), e.ecx() | Tdx.WAITPKG, e.edx());
            });
            fails(() -> f.vm.tdxInitVm(withCpuid(f, c)), Errno.EINVAL,
                    "entry 0x7.0 has " + (bit.equals("WAITPKG") ? "WAITPKG" : "HLE/RTM"));
        }
    }

    /** §5.3 copy_cnt != nent: a leaf the module does not configure → -EINVAL. */
    @Test
    void unknownLeaf() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = ready(k)) {
            KvmCpuid2 c = plus(f.initCpuid, new KvmCpuidEntry2(0x40000001, 0, 0, 1, 0, 0, 0));
            fails(() -> f.vm.tdxInitVm(withCpuid(f, c)), Errno.EINVAL, "leaf 0x40000001 is not a TDX-configurable leaf");
            KvmCpuid2 sub = plus(f.initCpuid, new KvmCpuidEntry2(7, 9, KvmConstants.KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 0, 0, 0, 0));
            fails(() -> f.vm.tdxInitVm(withCpuid(f, sub)), Errno.EINVAL, "0x7.9");
        }
    }

    /** An entry of an indexed leaf without SIGNIFCANT_INDEX matches every sub-leaf slot: copy_cnt > nent → -EINVAL. */
    @Test
    void entryWithoutSignificantIndexMatchesSeveralSlots() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = ready(k)) {
            List<KvmCpuidEntry2> es = new ArrayList<>(f.initCpuid.entries().stream().filter(e -> e.function() != 4).toList());
            es.add(new KvmCpuidEntry2(4, 0, 0, 0, 0, 0, 0));
            fails(() -> f.vm.tdxInitVm(withCpuid(f, KvmCpuid2.of(es))), Errno.EINVAL, "matches 4 TDX-configurable sub-leaves");
        }
    }

    /**
     * Step 8 / §3.2: the module's TDX_OPERAND_INVALID from TDH.MNG.INIT → -EINVAL with hw_error; the TD is
     * torn down again (KeyID freed, state UNINITIALIZED) and INIT_VM can be retried.
     */
    @Test
    void moduleRejectionIsEinvalWithHwError() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = ready(k)) {
            // a bit the 0x80000008 slot does not allow: EBX bit 0 (only EBX[9] is ALLOW_DIRECT, §5.6)
            KvmCpuid2 c = edit(f.initCpuid, 0x80000008, 0, e -> e.withRegisters(e.eax(), e.ebx() | 1, e.ecx(), e.edx()));
            KvmException e = fails(() -> f.vm.tdxInitVm(withCpuid(f, c)), Errno.EINVAL, "TDH.MNG.INIT rejected TD_PARAMS");
            assertThat(e.hwError()).hasValue(0xC000010000000045L);
            assertThat(e.hwErrorName()).get().asString().isEqualTo("TDX_OPERAND_INVALID|CPUID_CONFIG(69)");
            assertThat(e.error().tdxCommand()).contains(KvmTdxCmdId.KVM_TDX_INIT_VM);
            assertThat(k.keyidsInUse()).isZero();
            assertThat(k.module().orElseThrow().liveTds()).isZero();
            assertThat(k.vmView(f.vm.fd()).orElseThrow().tdState()).isEqualTo("UNINITIALIZED");
            f.initVm();
            assertThat(k.keyidsInUse()).isEqualTo(1);
        }
    }

    /** Step 8: no free guest KeyID → -ENOSPC ({@code ida_alloc_range}); closing a TD frees its KeyID. */
    @Test
    void keyidExhaustion() {
        try (SimulatedKernel k = Fixtures.kernel()) {
            var m = k.module().orElseThrow();
            int guestKeyids = m.privateHkidMax() - m.globalPrivateHkid();
            List<QemuFlow> tds = new ArrayList<>();
            for (int i = 0; i < guestKeyids; i++) {
                tds.add(ready(k).initVm());
            }
            assertThat(k.keyidsInUse()).isEqualTo(guestKeyids);
            try (QemuFlow extra = ready(k)) {
                fails(extra::initVm, Errno.ENOSPC, "no free TDX guest KeyID");
                tds.removeFirst().close();
                extra.initVm();
            }
            tds.forEach(QemuFlow::close);
            assertThat(k.keyidsInUse()).isZero();
        }
    }

    /** Measurement registers reach TD_PARAMS: MRCONFIGID is readable back from the TD (TDCS 0x1310000300000010). */
    @Test
    void measurementsAreCopied() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = ready(k)) {
            KvmTdxInitVm r = f.initVmRequest();
            ImmutableLongArray cfg = ImmutableLongArray.of(1, 2, 3, 4, 5, 6);
            f.vm.tdxInitVm(new KvmTdxInitVm(r.attributes(), r.xfam(), cfg, r.mrowner(), r.mrownerconfig(), r.reserved(),
                    r.cpuid()));
            var m = k.module().orElseThrow();
            long tdr = k.vmView(f.vm.fd()).orElseThrow().tdr();
            assertThat(m.tdhMngRd(tdr, 0x1310000300000010L, 0).r8()).isEqualTo(1);
            assertThat(m.tdhMngRd(tdr, 0x1310000300000015L, 0).r8()).isEqualTo(6);
        }
    }

    /**
     * Kernel order (§3.3 steps 4–8): a request that breaks every rule reports the earliest check; fixing
     * that one reveals the next — reserved, padding, attributes, xfam, GuestPhysBits, TSX, unmapped
     * leaf, then the module's verdict.
     */
    @Test
    void checksRunInKernelOrder() {
        try (SimulatedKernel k = Fixtures.kernel(); QemuFlow f = ready(k)) {
            KvmTdxInitVm good = f.initVmRequest();
            long[] res = new long[12];
            res[0] = 1;
            KvmCpuid2 bad = plus(edit(edit(withGuestPhysBits(f.initCpuid, 40), 7, 0,
                    e -> e.withRegisters(e.eax(), e.ebx() | Tdx.RTM, e.ecx(), e.edx())),
                    0x80000008, 0, e -> e.withRegisters(e.eax(), e.ebx() | 1, e.ecx(), e.edx())),
                    new KvmCpuidEntry2(0x40000001, 0, 0, 0, 0, 0, 0));
            KvmCpuid2 padded = new KvmCpuid2(bad.nent(), 1, bad.entries());
            ImmutableLongArray reserved = ImmutableLongArray.copyOf(res);
            long attrs = good.attributes() | 1;
            long xfam = good.xfam() | 1L << 8;
            record Step(KvmTdxInitVm req, String why) {}
            List<Step> steps = List.of(
                    new Step(new KvmTdxInitVm(attrs, xfam, good.mrconfigid(), good.mrowner(), good.mrownerconfig(), reserved, padded), "reserved"),
                    new Step(new KvmTdxInitVm(attrs, xfam, good.mrconfigid(), good.mrowner(), good.mrownerconfig(), good.reserved(), padded), "padding"),
                    new Step(new KvmTdxInitVm(attrs, xfam, good.mrconfigid(), good.mrowner(), good.mrownerconfig(), good.reserved(), bad), "supported_attrs"),
                    new Step(new KvmTdxInitVm(good.attributes(), xfam, good.mrconfigid(), good.mrowner(), good.mrownerconfig(), good.reserved(), bad), "supported_xfam"),
                    new Step(withCpuid(f, bad), "GuestPhysBits 40"),
                    new Step(withCpuid(f, withGuestPhysBits(bad, 52)), "HLE/RTM"),
                    new Step(withCpuid(f, edit(withGuestPhysBits(bad, 52), 7, 0,
                            e -> e.withRegisters(e.eax(), e.ebx() & ~Tdx.RTM, e.ecx(), e.edx()))), "0x40000001"));
            for (Step st : steps) {
                fails(() -> f.vm.tdxInitVm(st.req()), Errno.EINVAL, st.why());
            }
            KvmCpuid2 moduleOnly = edit(f.initCpuid, 0x80000008, 0, e -> e.withRegisters(e.eax(), e.ebx() | 1, e.ecx(), e.edx()));
            KvmException last = fails(() -> f.vm.tdxInitVm(withCpuid(f, moduleOnly)), Errno.EINVAL, "TDH.MNG.INIT");
            assertThat(last.hwError()).isPresent();
            f.initVm();
        }
    }
}
