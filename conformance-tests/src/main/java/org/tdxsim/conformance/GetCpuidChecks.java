package org.tdxsim.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tdxsim.conformance.KvmAssert.fails;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.tdxsim.kvm.KvmException;
import org.tdxsim.kvm.QemuProtocols;
import org.tdxsim.kvm.VcpuFd;
import org.tdxsim.kvm.VmFd;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.module.cpuid.CpuidRegs;
import org.tdxsim.module.profile.CpuidLookupEntry;
import org.tdxsim.module.profile.ModuleProfile;

/**
 * KVM_TDX_GET_CPUID (uapi §3.3, §4.4): its E2BIG protocol, and that the TD's CPUID agrees with the
 * request for configurable bits and with the module's fixed bits otherwise (abi §5.2).
 */
@DisplayName("GetCpuidChecks")
public class GetCpuidChecks extends TargetedChecks {

    @Test
    @DisplayName("nent too small → E2BIG with the needed count written back; that count then fits (uapi §3.3 GET_CPUID step 3)")
    void e2bigReportsNeededCount() {
        VmFd vm = host.initializedTd();
        VcpuFd v = host.createVcpu(vm);
        KvmException e = fails(Errno.E2BIG, "uapi §3.3 GET_CPUID step 3: nent 1", () -> v.tdxGetCpuid(1));
        assertThat(e.error().neededEntries()).as("nent written back on -E2BIG").isPresent();
        int needed = e.error().neededEntries().getAsInt();
        assertThat(needed).as("needed entries").isBetween(2, KvmConstants.KVM_MAX_CPUID_ENTRIES);
        KvmCpuid2 all = v.tdxGetCpuid(needed);
        assertThat(all.nent()).as("nent after success with the reported size").isEqualTo(needed);
        assertThat(all.entries()).hasSize(needed);
    }

    @Test
    @DisplayName("works after INIT_VM without INIT_VCPU; leaves 0..max and 0x80000000..max, sub-leaves flagged (uapi §4.4)")
    void listsBasicAndExtendedLeaves() {
        VmFd vm = host.initializedTd();
        KvmCpuid2 cpuid = QemuProtocols.tdxGetCpuid(host.createVcpu(vm));
        KvmCpuidEntry2 leaf0 = cpuid.find(0, 0).orElseThrow(() -> new AssertionError("no leaf 0"));
        KvmCpuidEntry2 ext0 = cpuid.find(0x80000000, 0).orElseThrow(() -> new AssertionError("no leaf 0x80000000"));
        Problems p = new Problems();
        for (KvmCpuidEntry2 e : cpuid.entries()) {
            long f = Integer.toUnsignedLong(e.function());
            boolean basic = f <= Integer.toUnsignedLong(leaf0.eax());
            boolean ext = f >= 0x80000000L && f <= Integer.toUnsignedLong(ext0.eax());
            p.check(basic || ext, "leaf 0x%x outside [0, 0x%x] ∪ [0x80000000, 0x%x]", f, leaf0.eax(), ext0.eax());
            if (e.index() != 0) {
                p.check((e.flags() & KvmConstants.KVM_CPUID_FLAG_SIGNIFCANT_INDEX) != 0,
                        "sub-leaf 0x%x.%d lacks SIGNIFCANT_INDEX", f, e.index());
            }
        }
        p.check(cpuid.find(Host.LEAF_ADDR_WIDTHS, 0).isPresent(), "0x80000008 missing");
        p.assertNone();
    }

    @Test
    @DisplayName("configurable bits the request leaves 0 are 0 in the TD, except those the module derives (abi §5.2, §5.4, §5.5)")
    void unrequestedConfigurableBitsAreClear() {
        VmFd vm = host.initializedTd();
        KvmCpuid2 cpuid = QemuProtocols.tdxGetCpuid(host.createVcpu(vm));
        Problems p = new Problems();
        for (KvmCpuidEntry2 mask : host.caps().cpuid().entries()) {
            if (derived(mask.function())) {
                continue;
            }
            cpuid.find(mask.function(), mask.index()).ifPresent(td -> {
                int[] m = {mask.eax(), mask.ebx(), mask.ecx(), mask.edx()};
                int[] v = {td.eax(), td.ebx(), td.ecx(), td.edx()};
                for (int r = 0; r < 4; r++) {
                    if (mask.function() == 1 && r == 0) {
                        continue; // EAX 0 = "use the platform's F/M/S" (abi §5.4 leaf 0x1)
                    }
                    p.check((v[r] & m[r]) == 0, "leaf 0x%x.%d E%s = 0x%08x has configurable bits 0x%08x set that the "
                            + "request left 0", mask.function(), mask.index(), "ABCD".charAt(r) + "X", v[r], v[r] & m[r]);
                }
            });
        }
        p.assertNone();
    }

    @Test
    @DisplayName("CONFIG_DIRECT bits of leaf 4 read back exactly as requested (abi §5.2, §5.6)")
    void configDirectBitsReadBackVerbatim() {
        KvmCpuidEntry2 mask = host.capsEntry(4, 0).orElseThrow(() -> new AssertionError(
                "leaf 0x4.0 is configurable in every module version (abi §5.6) but is not in KVM_TDX_CAPABILITIES"));
        // Deterministic cache geometry inside the masks: 8 ways, 64 sets (SDM leaf 4 encoding).
        int ebx = (7 << 22) & mask.ebx();
        int ecx = 63 & mask.ecx();
        KvmCpuidEntry2 req = new KvmCpuidEntry2(4, 0, KvmConstants.KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 0, ebx, ecx, 0);
        VmFd vm = host.createTd();
        KvmAssert.succeeds("INIT_VM with leaf 4.0 configured", () -> vm.tdxInitVm(host.request(List.of(Host.addrWidths(48, 0), req))));
        KvmCpuidEntry2 td = QemuProtocols.tdxGetCpuid(host.createVcpu(vm)).find(4, 0)
                .orElseThrow(() -> new AssertionError("KVM_TDX_GET_CPUID lists no leaf 4.0"));
        assertThat(td.ebx() & mask.ebx()).as("leaf 4.0 EBX configurable bits").isEqualTo(ebx);
        assertThat(td.ecx() & mask.ecx()).as("leaf 4.0 ECX configurable bits").isEqualTo(ecx);
    }

    @Test
    @DisplayName("non-configurable bits follow the module's table: FIXED1 set, FIXED0 clear (abi §5.1, §5.2)")
    void fixedBitsFollowModuleTable() {
        host.assumeSimulated("comparing with the module's FIXED0/FIXED1 table");
        host.assumeTdx();
        ModuleProfile m = host.target().module().orElseThrow();
        VmFd vm = host.initializedTd();
        KvmCpuid2 cpuid = QemuProtocols.tdxGetCpuid(host.createVcpu(vm));
        Problems problems = new Problems();
        for (KvmCpuidEntry2 td : cpuid.entries()) {
            if (zeroedOrDerivedByLeafRule(td.function()) || host.capsEntry(td.function(), td.index()).isPresent()) {
                continue;
            }
            m.lookupEntry(td.function(), td.index()).filter(e -> !e.configurable() && !e.faulting()).ifPresent(e -> {
                CpuidRegs f1 = e.fixed1();
                CpuidRegs f0 = e.fixed0OrDynamic();
                int[] v = {td.eax(), td.ebx(), td.ecx(), td.edx()};
                int[] one = {f1.eax(), f1.ebx(), f1.ecx(), f1.edx()};
                int[] zero = {f0.eax(), f0.ebx(), f0.ecx(), f0.edx()};
                for (int r = 0; r < 4; r++) {
                    String reg = "ABCD".charAt(r) + "X";
                    problems.check((v[r] & one[r]) == one[r], "leaf 0x%x.%d E%s = 0x%08x lacks FIXED1 bits 0x%08x (module %s)",
                            td.function(), td.index(), reg, v[r], one[r] & ~v[r], m.version());
                    problems.check((v[r] & zero[r]) == 0, "leaf 0x%x.%d E%s = 0x%08x has FIXED0 bits 0x%08x (module %s)",
                            td.function(), td.index(), reg, v[r], v[r] & zero[r], m.version());
                }
            });
        }
        problems.assertNone();
    }

    /** Leaves whose configurable bits the module or KVM fills from elsewhere (abi §4.1 row 23, §5.5; uapi §4.4). */
    private static boolean derived(int function) {
        return function == 0x1F || function == Host.LEAF_ADDR_WIDTHS;
    }

    /**
     * Leaves a leaf-specific rule rewrites after the generic formula (abi §5.4): zeroed by ATTRIBUTES/XFAM
     * (0x5, 0xA, 0xD/n, 0x14, 0x19, 0x1A, 0x1C, 0x1D, 0x23), or given computed values (0x1, 0x7, 0xB, 0xD,
     * 0x15, 0x1F, 0x80000008).
     */
    static boolean zeroedOrDerivedByLeafRule(int function) {
        return Set.of(0x1, 0x5, 0x7, 0xA, 0xB, 0xD, 0x14, 0x15, 0x19, 0x1A, 0x1C, 0x1D, 0x1F, 0x23, Host.LEAF_ADDR_WIDTHS)
                .contains(function);
    }
}
