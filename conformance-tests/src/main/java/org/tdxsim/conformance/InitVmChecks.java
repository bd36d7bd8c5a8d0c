package org.tdxsim.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tdxsim.conformance.KvmAssert.fails;
import static org.tdxsim.conformance.KvmAssert.failsInKvm;
import static org.tdxsim.conformance.KvmAssert.succeeds;

import com.google.common.collect.ImmutableList;
import com.google.common.primitives.ImmutableLongArray;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.tdxsim.kvm.KvmException;
import org.tdxsim.kvm.VmFd;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.kvm.uapi.KvmTdxInitVm;

/**
 * KVM_TDX_INIT_VM: which requests are refused, in which layer (KVM: errno with {@code hw_error} 0; the
 * module: {@code -EINVAL} with {@code hw_error} = the TDH.MNG.INIT status), per input class (uapi §3.3
 * INIT_VM steps 1–9, §4.1, §5.2, §5.3).
 */
@DisplayName("InitVmChecks")
public class InitVmChecks extends TargetedChecks {

    /** TDX_OPERAND_INVALID (0xC000010000000000) | operand CPUID_CONFIG (69 = 0x45) (abi §2.2, §2.3, §4.1 row 22). */
    static final long OPERAND_INVALID_CPUID_CONFIG = 0xC000010000000045L;

    @Test
    @DisplayName("the minimal request (only 0x80000008 with GuestPhysBits 48) is accepted (uapi §4.1, §5.3)")
    void minimalRequestAccepted() {
        VmFd vm = host.createTd();
        succeeds("uapi §4.1: GuestPhysBits 48 is always valid", () -> vm.tdxInitVm(host.request(48)));
    }

    @Test
    @DisplayName("a non-zero reserved word → EINVAL, each of the 12 (uapi §3.3 INIT_VM step 4)")
    void reservedWordsMustBeZero() {
        VmFd vm = host.createTd();
        KvmTdxInitVm good = host.request(48);
        for (int i = 0; i < KvmTdxInitVm.RESERVED_WORDS; i++) {
            long[] reserved = new long[KvmTdxInitVm.RESERVED_WORDS];
            reserved[i] = 1L << (i * 5 % 64);
            KvmTdxInitVm bad = new KvmTdxInitVm(good.attributes(), good.xfam(), good.mrconfigid(), good.mrowner(),
                    good.mrownerconfig(), ImmutableLongArray.copyOf(reserved), good.cpuid());
            failsInKvm(Errno.EINVAL, "uapi §3.3 INIT_VM step 4: reserved[" + i + "] != 0", () -> vm.tdxInitVm(bad));
        }
        succeeds("the same VM still accepts a valid request after the refusals", () -> vm.tdxInitVm(good));
    }

    @Test
    @DisplayName("non-zero cpuid.padding → EINVAL (uapi §3.3 INIT_VM step 4)")
    void cpuidPaddingMustBeZero() {
        VmFd vm = host.createTd();
        KvmTdxInitVm good = host.request(48);
        KvmTdxInitVm bad = new KvmTdxInitVm(good.attributes(), good.xfam(), good.mrconfigid(), good.mrowner(),
                good.mrownerconfig(), good.reserved(), new KvmCpuid2(1, 0x1, good.cpuid().entries()));
        failsInKvm(Errno.EINVAL, "uapi §3.3 INIT_VM step 4: cpuid.padding != 0", () -> vm.tdxInitVm(bad));
    }

    @Test
    @DisplayName("non-zero kvm_tdx_cmd.flags → EINVAL (uapi §3.3 INIT_VM step 2)")
    void flagsMustBeZero() {
        VmFd vm = host.createTd();
        try (Arena a = host.backend().memory().openArena()) {
            MemorySegment s = host.request(48).encode(a);
            failsInKvm(Errno.EINVAL, "uapi §3.3 INIT_VM step 2: flags != 0",
                    () -> vm.memoryEncryptOp(KvmConstants.KVM_TDX_INIT_VM, 1, s.address()));
        }
    }

    @Test
    @DisplayName("cpuid.nent 257 → E2BIG; nent 256 is not E2BIG (uapi §3.3 INIT_VM step 3, KVM_MAX_CPUID_ENTRIES)")
    void nentAbove256IsE2big() {
        VmFd vm = host.createTd();
        try (Arena a = host.backend().memory().openArena()) {
            for (int nent : new int[] {KvmConstants.KVM_MAX_CPUID_ENTRIES + 1, KvmConstants.KVM_MAX_CPUID_ENTRIES}) {
                // 256 copies of the valid entry: only the first maps to a module slot, so 256 is refused
                // later (copy_cnt != nent, uapi §5.3) — with EINVAL, not E2BIG.
                long size = KvmTdxInitVm.OFFSET_CPUID + 8 + 40L * nent;
                MemorySegment s = a.allocate(size, 8);
                KvmTdxInitVm one = host.request(48);
                KvmTdxInitVm.ATTRIBUTES.set(s, one.attributes());
                KvmTdxInitVm.XFAM.set(s, one.xfam());
                MemorySegment cpuid = s.asSlice(KvmTdxInitVm.OFFSET_CPUID);
                KvmCpuid2.NENT.set(cpuid, nent);
                for (int i = 0; i < nent; i++) {
                    one.cpuid().entries().getFirst().encode(cpuid.asSlice(8 + 40L * i, 40));
                }
                Errno expected = nent > KvmConstants.KVM_MAX_CPUID_ENTRIES ? Errno.E2BIG : Errno.EINVAL;
                failsInKvm(expected, "uapi §3.3 INIT_VM step 3 (nent " + nent + " > 256 → E2BIG) / §5.3 (duplicates → EINVAL)",
                        () -> vm.memoryEncryptOp(KvmConstants.KVM_TDX_INIT_VM, 0, s.address()));
            }
        }
    }

    @Test
    @DisplayName("any ATTRIBUTES bit outside supported_attrs → EINVAL from KVM (uapi §5.2)")
    void attributesOutsideSupportedRefused() {
        VmFd vm = host.createTd();
        KvmTdxInitVm good = host.request(48);
        long supported = host.caps().supportedAttrs();
        for (int bit = 0; bit < 64; bit++) {
            if ((supported & (1L << bit)) != 0) {
                continue;
            }
            KvmTdxInitVm bad = new KvmTdxInitVm(good.attributes() | 1L << bit, good.xfam(), good.mrconfigid(),
                    good.mrowner(), good.mrownerconfig(), good.reserved(), good.cpuid());
            failsInKvm(Errno.EINVAL, String.format("uapi §5.2: ATTRIBUTES bit %d outside supported_attrs 0x%x", bit, supported),
                    () -> vm.tdxInitVm(bad));
        }
    }

    @Test
    @DisplayName("any XFAM bit outside supported_xfam → EINVAL from KVM (uapi §5.2)")
    void xfamOutsideSupportedRefused() {
        VmFd vm = host.createTd();
        KvmTdxInitVm good = host.request(48);
        long supported = host.caps().supportedXfam();
        for (int bit = 0; bit < 64; bit++) {
            if ((supported & (1L << bit)) != 0) {
                continue;
            }
            KvmTdxInitVm bad = new KvmTdxInitVm(good.attributes(), good.xfam() | 1L << bit, good.mrconfigid(),
                    good.mrowner(), good.mrownerconfig(), good.reserved(), good.cpuid());
            failsInKvm(Errno.EINVAL, String.format("uapi §5.2: XFAM bit %d outside supported_xfam 0x%x", bit, supported),
                    () -> vm.tdxInitVm(bad));
        }
    }

    @Test
    @DisplayName("no 0x80000008 entry → EINVAL from KVM (uapi §4.1)")
    void missingAddrWidthsLeafRefused() {
        VmFd vm = host.createTd();
        failsInKvm(Errno.EINVAL, "uapi §4.1: no 0x80000008 entry", () -> vm.tdxInitVm(host.request(List.of())));
    }

    @Test
    @DisplayName("GuestPhysBits ∉ {48, 52} → EINVAL from KVM, for each of the other 254 values (uapi §4.1)")
    void guestPhysBitsOutsideDomainRefused() {
        VmFd vm = host.createTd();
        for (int g = 0; g < 256; g++) {
            if (g == 48 || g == 52) {
                continue;
            }
            int gpb = g;
            failsInKvm(Errno.EINVAL, "uapi §4.1: GuestPhysBits " + g + " not in {48, 52}",
                    () -> vm.tdxInitVm(host.request(gpb)));
        }
    }

    @Test
    @DisplayName("a CPUID leaf the module does not list (0x2, 0x40000000) → EINVAL from KVM (uapi §5.3 copy_cnt)")
    void unknownLeafRefused() {
        VmFd vm = host.createTd();
        for (int leaf : new int[] {0x2, 0x40000000}) {
            if (host.capsEntry(leaf, 0).isPresent()) {
                continue;
            }
            List<KvmCpuidEntry2> entries = List.of(Host.addrWidths(48, 0), new KvmCpuidEntry2(leaf, 0, 0, 0, 0, 0, 0));
            failsInKvm(Errno.EINVAL, String.format("uapi §5.3: leaf 0x%x matches no CPUID_CONFIG slot", leaf),
                    () -> vm.tdxInitVm(host.request(entries)));
        }
    }

    @Test
    @DisplayName("CPUID.7.0 with HLE, RTM or WAITPKG set → EINVAL from KVM (uapi §5.3)")
    void tsxAndWaitpkgRefused() {
        VmFd vm = host.createTd();
        record Bit(String name, int ebx, int ecx) {}
        for (Bit b : List.of(new Bit("HLE", CapabilitiesChecks.EBX_HLE, 0), new Bit("RTM", CapabilitiesChecks.EBX_RTM, 0),
                new Bit("WAITPKG", 0, CapabilitiesChecks.ECX_WAITPKG))) {
            List<KvmCpuidEntry2> entries = List.of(Host.addrWidths(48, 0),
                    new KvmCpuidEntry2(7, 0, KvmConstants.KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 0, b.ebx(), b.ecx(), 0));
            failsInKvm(Errno.EINVAL, "uapi §5.3: CPUID.7.0 " + b.name() + " set", () -> vm.tdxInitVm(host.request(entries)));
        }
    }

    @Test
    @DisplayName("a CPUID bit outside the configurable masks reaches TDH.MNG.INIT: EINVAL + hw_error OPERAND_INVALID|CPUID_CONFIG (uapi §3.2, abi §4.1 row 22)")
    void nonConfigurableBitRejectedByModule() {
        VmFd vm = host.createTd();
        // 0x80000008 EBX bit 0 (AMD CLZERO): configurable in no module version (abi §5.6: only EBX bit 9
        // WBNOINVD is ALLOW_DIRECT); KVM copies CPUID values verbatim (uapi §5.3).
        KvmCpuidEntry2 e = new KvmCpuidEntry2(Host.LEAF_ADDR_WIDTHS, 0, 0, 48 << 16, 1, 0, 0);
        KvmException ex = fails(Errno.EINVAL, "uapi §3.2: TDH.MNG.INIT OPERAND_INVALID → -EINVAL + hw_error",
                () -> vm.tdxInitVm(host.request(List.of(e))));
        assertThat(ex.hwError()).as("hw_error of %s", ex.error().describe()).hasValue(OPERAND_INVALID_CPUID_CONFIG);
        succeeds("the TD can still be initialised after the module's refusal", () -> vm.tdxInitVm(host.request(48)));
    }

    @Test
    @DisplayName("KVM_TDX_INIT_VM twice → EINVAL (uapi §3.3 INIT_VM step 1)")
    void initVmTwiceRefused() {
        VmFd vm = host.initializedTd();
        failsInKvm(Errno.EINVAL, "uapi §3.3 INIT_VM step 1: TD already initialized", () -> vm.tdxInitVm(host.request(48)));
    }

    @Test
    @DisplayName("every leaf KVM_TDX_CAPABILITIES lists may be sent with value 0 (uapi §5.3: all map to a slot)")
    void everyCapsLeafAccepted() {
        VmFd vm = host.createTd();
        List<KvmCpuidEntry2> entries = new ArrayList<>();
        for (KvmCpuidEntry2 c : host.caps().cpuid().entries()) {
            boolean subleaf = host.caps().cpuid().entries().stream()
                    .anyMatch(o -> o.function() == c.function() && o.index() != 0) || c.index() != 0;
            int eax = c.function() == Host.LEAF_ADDR_WIDTHS ? 48 << 16 : 0;
            entries.add(new KvmCpuidEntry2(c.function(), c.index(),
                    subleaf ? KvmConstants.KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0, eax, 0, 0, 0));
        }
        succeeds("uapi §5.3: " + entries.size() + " entries, one per CAPABILITIES leaf",
                () -> vm.tdxInitVm(host.request(ImmutableList.copyOf(entries))));
    }
}
