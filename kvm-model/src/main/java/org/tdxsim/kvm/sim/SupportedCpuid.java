package org.tdxsim.kvm.sim;

import com.google.common.collect.ImmutableList;
import java.util.Map;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.module.cpuid.CpuidLeaf;
import org.tdxsim.module.cpuid.CpuidRegs;
import org.tdxsim.module.platform.PlatformProfile;

/**
 * KVM_GET_SUPPORTED_CPUID of the simulated kernel, computed from the platform profile.
 *
 * <p>Modelled: the leaves of the native dump in both ranges (leaves with sub-leaves flagged
 * SIGNIFCANT_INDEX), X2APIC always enumerated (KVM emulates x2APIC in software), and leaf 0x80000008
 * EAX by the 6.10+ rule of kvm-tdx-uapi.md §4.2 (Gerd Hoffmann's GuestPhysBits patch [S19]):
 * {@code EAX = phys_as | virt_as << 8 | g_phys_as << 16} with {@code virt_as = max(host EAX[15:8], 48)},
 * {@code phys_as} = raw host MAXPHYADDR (TDP on) and {@code g_phys_as = phys_as}, capped at 48 without
 * 5-level TDP.
 *
 * <p>Not modelled (outside the spec digest): KVM's per-feature masking ({@code kvm_cpu_caps}); other
 * registers are the host's, which is what matters for the TDX flow because userspace filters the
 * table with the TDX capabilities anyway (§5.3). No KVM paravirt leaves (0x4000_0000 range).
 */
final class SupportedCpuid {
    private SupportedCpuid() {}

    static ImmutableList<KvmCpuidEntry2> compute(PlatformProfile p) {
        ImmutableList.Builder<KvmCpuidEntry2> b = ImmutableList.builder();
        int maxBase = p.maxBaseLeaf();
        int maxExt = p.maxExtLeaf();
        int n = 0;
        for (Map.Entry<CpuidLeaf, CpuidRegs> e : p.cpuid().entrySet()) {
            int leaf = e.getKey().leaf();
            boolean base = Integer.compareUnsigned(leaf, maxBase) <= 0;
            boolean ext = Integer.compareUnsigned(leaf, 0x80000000) >= 0 && Integer.compareUnsigned(leaf, maxExt) <= 0;
            if (!base && !ext) {
                continue;
            }
            if (n++ >= KvmConstants.KVM_MAX_CPUID_ENTRIES) {
                break;
            }
            boolean indexed = e.getKey().hasSubleaf();
            CpuidRegs r = e.getValue();
            int eax = r.eax();
            int ecx = r.ecx();
            if (leaf == 1) {
                ecx |= 1 << VcpuCpuid.X2APIC_BIT;
            }
            if (leaf == 0x80000008) {
                eax = guestPhysBitsEax(r.eax(), p.ept5Level());
            }
            b.add(new KvmCpuidEntry2(leaf, indexed ? e.getKey().subleaf() : 0,
                    indexed ? KvmConstants.KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0, eax, r.ebx(), ecx, r.edx()));
        }
        return b.build();
    }

    /** §4.2 for a host 0x80000008.EAX and max TDP level (5 with 5-level EPT, else 4). */
    static int guestPhysBitsEax(int hostEax, boolean fiveLevelTdp) {
        int physAs = hostEax & 0xFF;
        int virtAs = Math.max((hostEax >>> 8) & 0xFF, 48);
        int gPhysAs = fiveLevelTdp ? physAs : Math.min(physAs, 48);
        return physAs | virtAs << 8 | gPhysAs << 16;
    }
}
