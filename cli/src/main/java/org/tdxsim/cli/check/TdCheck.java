package org.tdxsim.cli.check;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.tdxsim.kvm.Kvm;
import org.tdxsim.kvm.KvmException;
import org.tdxsim.kvm.QemuProtocols;
import org.tdxsim.kvm.VcpuFd;
import org.tdxsim.kvm.VmFd;
import org.tdxsim.kvm.sim.SimulatedKernel;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.kvm.uapi.KvmTdxCapabilities;
import org.tdxsim.kvm.uapi.KvmTdxInitVm;
import org.tdxsim.module.cpuid.CpuidClassifier;
import org.tdxsim.module.cpuid.CpuidLeaf;
import org.tdxsim.module.cpuid.CpuidRegs;
import org.tdxsim.module.profile.ModuleProfile;

/**
 * {@code tdxsim check}: will KVM_TDX_INIT_VM succeed with this CPUID table, and what will the TD see?
 *
 * <p><b>Method.</b> "Will it succeed" is answered by running the real path — KVM_CREATE_VM(KVM_X86_TDX_VM),
 * KVM_TDX_CAPABILITIES, KVM_TDX_INIT_VM — through the typed client on a throw-away
 * {@link SimulatedKernel} with the chosen module and platform. So every KVM check (kvm-tdx-uapi §3.3)
 * and every TDH.MNG.INIT row (abi §4.1) runs exactly as for a real VMM, in their order, and the
 * answer is the first failure with its errno, hw_error and the kernel's/module's reason. On success the
 * guest-visible CPUID is read back with KVM_TDX_GET_CPUID on vCPU 0.
 *
 * <p>The per-bit answer (which requested bits the TD will not get and why, which bits it gets
 * unrequested) comes from the simulator's {@link CpuidClassifier}, given the TD_PARAMS values KVM
 * builds: {@code attributes | ATTRIBUTES_FIXED1}, {@code xfam | XFAM_FIXED1} (kvm-tdx-uapi §5.2),
 * CONFIG_FLAGS {@code NO_RBP_MOD | (GuestPhysBits 52 ? MAX_GPAW : 0)} and CPUID 0x80000008 EAX[23:16]
 * zeroed (§4.1), TSC_FREQUENCY = platform TSC / 25 MHz. These few lines restate KVM's
 * {@code setup_tdparams} for the classifier because the simulated kernel does not expose the TD_PARAMS
 * it built (noted in the CLI report).
 */
public final class TdCheck {
    private TdCheck() {}

    /** {@code TDX_CONFIG_FLAGS_MAX_GPAW} BIT(0), {@code TDX_CONFIG_FLAGS_NO_RBP_MOD} BIT(2) (kvm-tdx-uapi §2). */
    static final long CONFIG_FLAGS_MAX_GPAW = 1L << 0;
    static final long CONFIG_FLAGS_NO_RBP_MOD = 1L << 2;

    /** CPUID leaf carrying GuestPhysBits in EAX[23:16] (kvm-tdx-uapi §4.1). */
    static final int LEAF_80000008 = 0x8000_0008;

    public static CheckReport run(CheckRequest req) {
        ImmutableList<KvmCpuidEntry2> cpuid = withGuestPhysBits(req);
        long attributes = req.attributes().orElse(CheckRequest.SEPT_VE_DISABLE);
        OptionalLong supportedAttrs = OptionalLong.empty();
        OptionalLong supportedXfam = OptionalLong.empty();
        long xfam = req.xfam().orElse(0);
        CheckReport.Outcome outcome;
        ImmutableList<KvmCpuidEntry2> guest = ImmutableList.of();
        Optional<String> getCpuidProblem = Optional.empty();
        try (SimulatedKernel kernel = SimulatedKernel.create(req.module(), req.platform());
                Kvm kvm = Kvm.open(kernel)) {
            try (VmFd vm = kvm.createVm(KvmConstants.KVM_X86_TDX_VM)) {
                KvmTdxCapabilities caps = QemuProtocols.tdxCapabilities(vm);
                supportedAttrs = OptionalLong.of(caps.supportedAttrs());
                supportedXfam = OptionalLong.of(caps.supportedXfam());
                if (req.xfam().isEmpty()) {
                    xfam = caps.supportedXfam();
                }
                vm.tdxInitVm(KvmTdxInitVm.of(attributes, xfam, KvmCpuid2.of(cpuid)));
                outcome = new CheckReport.Outcome.Succeeded();
                try {
                    vm.enableSplitIrqchip(24);
                    try (VcpuFd vcpu = vm.createVcpu(0)) {
                        guest = QemuProtocols.tdxGetCpuid(vcpu).entries();
                    }
                } catch (RuntimeException e) {
                    // INIT_VM's answer stands; the read-back is a separate step (its failure is reported).
                    getCpuidProblem = Optional.of(e instanceof KvmException k ? k.error().describe() : e.toString());
                }
            }
        } catch (KvmException e) {
            outcome = new CheckReport.Outcome.Failed(e.error());
        }
        ModuleProfile m = req.module();
        long tdAttributes = attributes | m.constant("TDX_ATTRIBUTES_FIXED1").orElse(0);
        long tdXfam = xfam | m.constant("TDX_XFAM_FIXED1").orElse(0);
        int gpaBits = cpuid.stream().filter(e -> e.function() == LEAF_80000008).findFirst()
                .map(e -> (e.eax() >>> 16) & 0xFF).orElse(0);
        long configFlags = CONFIG_FLAGS_NO_RBP_MOD | (gpaBits == 52 ? CONFIG_FLAGS_MAX_GPAW : 0);
        int tsc = (int) Math.max(1, Math.min(0xFFFF, req.platform().tscHz() / 25_000_000L));
        CpuidClassifier.Report cls = CpuidClassifier.classify(m, req.platform(), requestMap(cpuid), tdAttributes, tdXfam,
                configFlags, tsc);
        List<KvmCpuidEntry2> notVirt = new ArrayList<>();
        for (KvmCpuidEntry2 e : cpuid) {
            if (m.lookupEntry(e.function(), e.index()).isEmpty()) {
                notVirt.add(e);
            }
        }
        String source;
        if (outcome.succeeded() && getCpuidProblem.isEmpty()) {
            source = "KVM_TDX_GET_CPUID";
        } else {
            source = getCpuidProblem.map(p -> "classifier (KVM_TDX_GET_CPUID failed: " + p + ")").orElse("classifier");
            ImmutableList.Builder<KvmCpuidEntry2> b = ImmutableList.builder();
            cls.guestCpuid().forEach((leaf, regs) -> b.add(new KvmCpuidEntry2(leaf.leaf(),
                    leaf.hasSubleaf() ? leaf.subleaf() : 0, leaf.hasSubleaf() ? KvmConstants.KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0,
                    regs.eax(), regs.ebx(), regs.ecx(), regs.edx())));
            guest = b.build();
        }
        return new CheckReport(m.version().label(), req.platform().name(), "6.16", attributes, xfam, supportedAttrs,
                supportedXfam, cpuid, outcome, cls.rejection(), cls.deniedRequested(), cls.grantedUnrequested(),
                ImmutableList.copyOf(notVirt), guest, source);
    }

    /** The request's CPUID with --guest-phys-bits written into 0x80000008 EAX[23:16] (entry added if absent). */
    static ImmutableList<KvmCpuidEntry2> withGuestPhysBits(CheckRequest req) {
        if (req.guestPhysBits().isEmpty()) {
            return req.cpuid();
        }
        int bits = req.guestPhysBits().getAsInt();
        List<KvmCpuidEntry2> out = new ArrayList<>();
        boolean done = false;
        for (KvmCpuidEntry2 e : req.cpuid()) {
            if (!done && e.function() == LEAF_80000008) {
                out.add(new KvmCpuidEntry2(e.function(), e.index(), e.flags(), (e.eax() & ~0x00FF_0000) | bits << 16, e.ebx(),
                        e.ecx(), e.edx()));
                done = true;
            } else {
                out.add(e);
            }
        }
        if (!done) {
            out.add(new KvmCpuidEntry2(LEAF_80000008, 0, 0, bits << 16, 0, 0, 0));
        }
        return ImmutableList.copyOf(out);
    }

    /**
     * The CPUID values as TD_PARAMS receives them, for the classifier: KVM copies entries verbatim except
     * 0x80000008 EAX[23:16], which it zeroes (kvm-tdx-uapi §5.3). First entry per leaf/subleaf wins, as in
     * {@code find_cpuid_entry}.
     */
    static Map<CpuidLeaf, CpuidRegs> requestMap(List<KvmCpuidEntry2> cpuid) {
        Map<CpuidLeaf, CpuidRegs> m = new LinkedHashMap<>();
        for (KvmCpuidEntry2 e : cpuid) {
            int eax = e.function() == LEAF_80000008 ? e.eax() & ~0x00FF_0000 : e.eax();
            m.putIfAbsent(new CpuidLeaf(e.function(), e.index()), new CpuidRegs(eax, e.ebx(), e.ecx(), e.edx()));
        }
        return m;
    }

    static Optional<KvmCpuidEntry2> find(List<KvmCpuidEntry2> es, int function, int index) {
        return es.stream().filter(e -> e.function() == function && e.index() == index).findFirst();
    }
}
