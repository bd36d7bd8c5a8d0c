package org.tdxsim.kvm.sim;

import com.google.common.collect.ImmutableList;
import java.util.Optional;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;

/**
 * A vCPU's CPUID table as set by KVM_SET_CPUID2 ({@code vcpu->arch.cpuid_entries}) and the values KVM
 * derives from it (kvm-tdx-uapi.md §5.4: guest MAXPHYADDR, TDP level, X2APIC).
 */
record VcpuCpuid(ImmutableList<KvmCpuidEntry2> entries) {

    static final VcpuCpuid EMPTY = new VcpuCpuid(ImmutableList.of());

    /** CPUID.1:ECX[21] X2APIC (Intel SDM Vol. 2A, CPUID leaf 1). */
    static final int X2APIC_BIT = 21;

    /** {@code kvm_find_cpuid_entry_index}: index compared only for entries with SIGNIFCANT_INDEX. */
    Optional<KvmCpuidEntry2> find(int function, int index) {
        for (KvmCpuidEntry2 e : entries) {
            if (e.function() == function && (!e.hasSignificantIndex() || e.index() == index)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** {@code kvm_find_cpuid_entry}: the first entry of {@code function}, index not significant. */
    Optional<KvmCpuidEntry2> find(int function) {
        return entries.stream().filter(e -> e.function() == function).findFirst();
    }

    private boolean hasExtLeaf80000008() {
        return find(0x80000000).map(e -> Integer.compareUnsigned(e.eax(), 0x80000008) >= 0).orElse(false);
    }

    /** {@code cpuid_query_maxphyaddr}: 0x80000008 EAX[7:0] if enumerated, else 36 (§5.4). */
    int maxPhyAddr() {
        if (!hasExtLeaf80000008()) {
            return 36;
        }
        return find(0x80000008).map(e -> e.eax() & 0xFF).orElse(36);
    }

    /** 0x80000008 EAX[23:16] for the TDP level of a TD vCPU; 0 if absent (§4.5). */
    int guestPhysBits() {
        if (!hasExtLeaf80000008()) {
            return 0;
        }
        return find(0x80000008).map(e -> (e.eax() >>> 16) & 0xFF).orElse(0);
    }

    /** X2APIC enumerated in leaf 1 (what {@code kvm_apic_set_base} consults, §3.3). */
    boolean hasX2apic() {
        return find(1).map(e -> (e.ecx() >>> X2APIC_BIT & 1) != 0).orElse(false);
    }
}
