package org.tdxsim.kvm.sim;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import com.google.common.collect.ImmutableList;
import com.google.common.primitives.ImmutableLongArray;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.kvm.uapi.KvmTdxCapabilities;
import org.tdxsim.kvm.uapi.KvmTdxCmd;
import org.tdxsim.kvm.uapi.KvmTdxCmdId;
import org.tdxsim.kvm.uapi.KvmTdxInitMemRegion;
import org.tdxsim.kvm.uapi.KvmTdxInitVm;
import org.tdxsim.kvm.uapi.Structs;
import org.tdxsim.module.Registers;
import org.tdxsim.module.SeamcallResult;
import org.tdxsim.module.TdxModule;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.status.TdxStatus;

/**
 * KVM's TDX logic ({@code arch/x86/kvm/vmx/tdx.c}): one method per kernel function, checks in the
 * kernel's order, errno chosen at the check (kvm-tdx-uapi.md §3, §4, §5; later kernels per §8).
 */
final class Tdx {
    /** CPUID.7.0:EBX[4] HLE, EBX[11] RTM, ECX[5] WAITPKG (Intel SDM Vol. 2A; KVM's TSX/WAITPKG rule, §5.3). */
    static final int HLE = 1 << 4;
    static final int RTM = 1 << 11;
    static final int WAITPKG = 1 << 5;
    /** {@code KVM_TDX_CPUID_NO_SUBLEAF}. */
    static final int NO_SUBLEAF = 0xFFFFFFFF;
    /** 6.16 {@code user_tdvmcallinfo_1_r11 = BIT(1)} (SetupEventNotifyInterrupt), §2. */
    static final long USER_TDVMCALLINFO_1_R11 = 1L << 1;
    /** {@code TD_MD_FIELD_ID_CPUID_VALUES} (§2 [S10]). */
    static final long TD_MD_FIELD_ID_CPUID_VALUES = 0x9410000300000000L;
    /** {@code TDCS_EXEC(TSC_OFFSET)}, {@code TDCS_EXEC(TSC_MULTIPLIER)}: KVM's short ids (class 17, abi §6.1). */
    static final long TDCS_EXEC_TSC_OFFSET = (17L << 56) | 10;
    static final long TDCS_EXEC_TSC_MULTIPLIER = (17L << 56) | 11;
    /** {@code TDX_EXTENDMR_CHUNKSIZE}: TDH.MR.EXTEND measures 256 bytes per call. */
    static final int EXTENDMR_CHUNK = 256;
    /**
     * The kernel's {@code TDX_RND_NO_ENTROPY} (0x8000020300000000, abi §2.2; {@code sc_retry} in
     * {@code arch/x86/include/asm/tdx.h} compares the whole RAX with it, operand bits included).
     */
    static final long KERNEL_TDX_RND_NO_ENTROPY = 0x8000020300000000L;
    /**
     * {@code RDRAND_RETRY_LOOPS} ({@code arch/x86/include/asm/archrandom.h}): how many times
     * {@code sc_retry} issues a SEAMCALL that keeps returning TDX_RND_NO_ENTROPY.
     */
    static final int RDRAND_RETRY_LOOPS = 10;

    private final SimulatedKernel k;

    /**
     * Linux's global {@code tdx_lock} ({@code arch/x86/kvm/vmx/tdx.c}): TDH.MNG.CREATE, TDH.MNG.VPFLUSHDONE,
     * TDH.PHYMEM.CACHE.WB and TDH.MNG.KEY.FREEID take the module's Key Ownership Table lock with
     * try-semantics (abi §7.4: contention → TDX_OPERAND_BUSY|KOT), so KVM issues them under one mutex
     * ("Acquire global lock to avoid TDX_OPERAND_BUSY") and two TDs created or destroyed at once never
     * see each other's KOT lock. Not in the spec digest; read in tdx.c {@code __tdx_td_init} and
     * {@code tdx_mmu_release_hkid}.
     */
    private final Object tdxLock = new Object();

    Tdx(SimulatedKernel k) {
        this.k = k;
    }

    private TdxHost host() {
        return k.tdx().orElseThrow(() -> new IllegalStateException("a TD exists although TDX is disabled"));
    }

    private TdxModule module() {
        return host().module;
    }

    private ModuleProfile profile() {
        return module().profile();
    }

    private KernelVersion kv() {
        return k.cfg().kernelVersion();
    }

    /**
     * {@code seamcall()} = {@code sc_retry(__seamcall, ...)}: every SEAMCALL the kernel issues is
     * repeated while it returns exactly TDX_RND_NO_ENTROPY, at most {@link #RDRAND_RETRY_LOOPS} times in
     * all, and the last result is what the caller sees. So a transient entropy shortage never reaches
     * KVM; only one lasting {@value #RDRAND_RETRY_LOOPS} attempts does (→ -EAGAIN for TD creation).
     */
    private static SeamcallResult sc(Supplier<SeamcallResult> call) {
        SeamcallResult r = call.get();
        for (int retry = RDRAND_RETRY_LOOPS; r.rax() == KERNEL_TDX_RND_NO_ENTROPY && --retry > 0; ) {
            r = call.get();
        }
        return r;
    }

    /**
     * The private-fault loop around a mirror-EPT update ({@code kvm_tdp_map_page},
     * {@code kvm_tdp_mmu_map_private_pfn}): TDX_OPERAND_BUSY makes {@code tdp_mmu_set_spte_atomic} fail,
     * the fault answers {@code RET_PF_RETRY} and the loop tries again; it ends only with another
     * outcome or a pending signal (-EINTR). The model has no signals and its only source of contention
     * is the finite {@code FaultInjector}, so it retries until the status changes; the bound of
     * {@value #FAULT_RETRY_GUARD} only protects the simulator from spinning forever on a bug.
     */
    private SeamcallResult faultRetryWhileBusy(Supplier<SeamcallResult> call) {
        SeamcallResult r = sc(call);
        for (int i = 0; isStatus(r, "TDX_OPERAND_BUSY"); i++) {
            if (i == FAULT_RETRY_GUARD) {
                throw KernelError.of(Errno.EINTR, "%s kept failing; the kernel's fault loop would spin until a signal"
                        + " (-EINTR)", why("S-EPT update", r));
            }
            r = sc(call);
        }
        return r;
    }

    /** Safety bound of {@link #faultRetryWhileBusy}: far above any injected count, reached only by a model bug. */
    static final int FAULT_RETRY_GUARD = 1 << 20;

    private boolean isStatus(SeamcallResult r, String name) {
        var v = profile().findStatus(name);
        return v.isPresent() && r.status().base() == (v.getAsLong() & TdxStatus.STATUS_MASK);
    }

    private static String why(String leaf, SeamcallResult r) {
        return leaf + " failed: " + r.status() + " — " + r.explanation().summary();
    }

    // ================================================================ VM fd: tdx_vm_ioctl

    /**
     * {@code tdx_vm_ioctl} (§3.1). 6.16: copy the command (-EFAULT), {@code hw_error} ≠ 0 → -EINVAL;
     * under {@code kvm->lock} run the sub-command; unknown id → -EINVAL without copy-back; for known
     * ids the command is <em>always</em> copied back (so {@code hw_error} reaches userspace on failure;
     * a failed copy-back → -EFAULT). 6.19 (§8, [S11][S23]): {@code tdx_get_cmd}, then CAPABILITIES
     * answered at once with no copy-back; then the {@link #vmStateGuard} (-EBUSY while a vCPU creation
     * is in flight, nothing copied back); unknown id → -EINVAL; INIT_VM/FINALIZE copied back as before.
     */
    long vmIoctl(KvmVm vm, long arg) {
        KvmTdxCmd cmd = tdxGetCmd(arg);
        if (kv().isAtLeast619()) {
            if (cmd.id() == KvmConstants.KVM_TDX_CAPABILITIES) {
                return tdxGetCapabilities(cmd);
            }
            vmStateGuard(vm);
        }
        int id = cmd.id();
        if (id != KvmConstants.KVM_TDX_CAPABILITIES && id != KvmConstants.KVM_TDX_INIT_VM
                && id != KvmConstants.KVM_TDX_FINALIZE_VM) {
            // the switch's default: "r = -EINVAL; goto out" (6.16) / "return -EINVAL" (6.19), no copy-back
            throw KernelError.of(Errno.EINVAL, "kvm_tdx_cmd.id %d is not a VM-fd TDX sub-command%s", id,
                    KvmTdxCmdId.fromId(id).map(c -> " (" + c.name() + " is issued on a vCPU fd)").orElse(""));
        }
        long[] hw = {0};
        KernelError err = null;
        try {
            switch (id) {
                case KvmConstants.KVM_TDX_CAPABILITIES -> tdxGetCapabilities(cmd);
                case KvmConstants.KVM_TDX_INIT_VM -> tdxTdInit(vm, cmd, hw);
                default -> tdxTdFinalize(vm, hw);
            }
        } catch (KernelError e) {
            err = e;
        }
        MemorySegment back = MemorySegment.ofArray(new long[3]);
        cmd.withHwError(hw[0]).encode(back);
        if (!k.memory().copyToUser(arg, back)) {
            throw KernelError.of(Errno.EFAULT, "copying struct kvm_tdx_cmd back to 0x%x faulted%s", arg,
                    err == null ? "" : " (the sub-command itself failed: " + err.explanation() + ")");
        }
        if (err != null) {
            throw err;
        }
        return 0;
    }

    /** {@code tdx_get_cmd}: copy the 24-byte command (-EFAULT); {@code hw_error} must be 0 on input (-EINVAL). */
    private KvmTdxCmd tdxGetCmd(long arg) {
        KvmTdxCmd cmd = KvmTdxCmd.decode(k.copyFromUser(arg, KvmTdxCmd.LAYOUT.byteSize(), "struct kvm_tdx_cmd"));
        if (cmd.hwError() != 0) {
            throw hwErrorInput(cmd);
        }
        return cmd;
    }

    /**
     * 6.19 {@code tdx_acquire_vm_state_locks} ([S23] "KVM: TDX: Guard VM state transitions with 'all'
     * the locks"; §8): with {@code kvm->lock} held, {@code created_vcpus != online_vcpus} → -EBUSY, so
     * a TD state transition can never race with a half-created vCPU (6.16 let FINALIZE, INIT_VCPU and
     * INIT_MEM_REGION run then). The vCPU mutexes and {@code slots_lock} it then takes are the VM lock
     * this model already holds; {@code kvm_lock_all_vcpus}' -EINTR on a fatal signal is not modelled.
     */
    private static void vmStateGuard(KvmVm vm) {
        if (vm.createdVcpus != vm.onlineVcpus()) {
            throw KernelError.of(Errno.EBUSY, "a KVM_CREATE_VCPU is in flight (created_vcpus %d != online_vcpus %d);"
                    + " TD state changes wait for it (tdx_acquire_vm_state_locks, 6.19)", vm.createdVcpus, vm.onlineVcpus());
        }
    }

    private static KernelError hwErrorInput(KvmTdxCmd cmd) {
        return KernelError.of(Errno.EINVAL, "kvm_tdx_cmd.hw_error is 0x%x on input; userspace must pass 0", cmd.hwError());
    }

    /**
     * {@code td_init_cpuid_entry2}: CPUID_CONFIG slot {@code i} as a {@code kvm_cpuid_entry2} — no-subleaf
     * becomes index 0, flags 0, the module's configurable masks, 0x80000008 EAX[23:16] reported as 0xFF
     * ("KVM uses it as an interface to the userspace to configure the GPAW"), then
     * {@code tdx_clear_unsupported_cpuid} strips HLE/RTM/WAITPKG (§4.3).
     */
    KvmCpuidEntry2 tdInitCpuidEntry2(int i) {
        TdxSysInfo info = host().info;
        long leaf = info.cpuidConfigLeaves().get(i);
        long[] v = info.cpuidConfigValues().get(i);
        int function = (int) leaf;
        int index = (int) (leaf >>> 32);
        if (index == NO_SUBLEAF) {
            index = 0;
        }
        int eax = (int) v[0];
        int ebx = (int) (v[0] >>> 32);
        int ecx = (int) v[1];
        int edx = (int) (v[1] >>> 32);
        if (function == 0x80000008) {
            eax = (eax & ~0x00FF0000) | 0x00FF0000;
        }
        if (function == 7 && index == 0) {
            ebx &= ~(HLE | RTM);
            ecx &= ~WAITPKG;
        }
        return new KvmCpuidEntry2(function, index, 0, eax, ebx, ecx, edx);
    }

    /**
     * {@code tdx_get_capabilities} (§3.3 CAPABILITIES): flags ≠ 0 → -EINVAL; {@code get_user(cpuid.nent)}
     * → -EFAULT; nent &lt; num_cpuid_config → -E2BIG without updating nent; zero attrs/xfam → -EIO;
     * copy header then entries (6.16) or both at once (6.19) → -EFAULT.
     */
    long tdxGetCapabilities(KvmTdxCmd cmd) {
        if (cmd.flags() != 0) {
            throw KernelError.of(Errno.EINVAL, "KVM_TDX_CAPABILITIES flags 0x%x must be 0", cmd.flags());
        }
        TdxHost h = host();
        int n = h.info.numCpuidConfig();
        long userNent = Integer.toUnsignedLong(k.getUserU32(cmd.data() + KvmTdxCapabilities.OFFSET_CPUID,
                "kvm_tdx_capabilities.cpuid.nent"));
        if (userNent < n) {
            throw KernelError.of(Errno.E2BIG, "cpuid.nent %d is below the module's %d CPUID_CONFIG entries"
                    + " (KVM does not report the needed count; grow the buffer and retry)", userNent, n);
        }
        if (h.supportedAttrs == 0 || h.supportedXfam == 0) {
            throw KernelError.of(Errno.EIO, "no supported attributes/XFAM");
        }
        List<KvmCpuidEntry2> entries = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            entries.add(tdInitCpuidEntry2(i));
        }
        KvmTdxCapabilities caps = new KvmTdxCapabilities(h.supportedAttrs, h.supportedXfam, 0, USER_TDVMCALLINFO_1_R11,
                0, 0, ImmutableLongArray.copyOf(new long[KvmTdxCapabilities.RESERVED_WORDS]), KvmCpuid2.of(entries));
        MemorySegment bytes = SimUserMemory.kernelBuffer(caps.byteSize());
        caps.encode(bytes);
        long hdr = KvmTdxCapabilities.LAYOUT.byteSize();
        if (kv().isAtLeast619()) {
            k.copyToUser(cmd.data(), bytes, "struct kvm_tdx_capabilities");
        } else {
            k.copyToUser(cmd.data(), bytes.asSlice(0, hdr), "struct kvm_tdx_capabilities");
            k.copyToUser(cmd.data() + hdr, bytes.asSlice(hdr), "kvm_tdx_capabilities.cpuid.entries");
        }
        return 0;
    }

    // ---------------------------------------------------------------- KVM_TDX_INIT_VM

    /**
     * {@code tdx_td_init} (§3.3 INIT_VM, checks 1–9): state, flags, copy-in (6.16: header then
     * entries; 6.19: {@code get_user(nent)} then one copy), reserved/padding, {@link #setupTdparams},
     * {@link #tdxTdInitSeamcalls}; on success the TD is INITIALIZED with its shared bit.
     */
    void tdxTdInit(KvmVm vm, KvmTdxCmd cmd, long[] hw) {
        if (vm.tdState != KvmVm.TdState.UNINITIALIZED) {
            throw KernelError.of(Errno.EINVAL, "KVM_TDX_INIT_VM on a TD that is already %s", vm.tdState);
        }
        if (cmd.flags() != 0) {
            throw KernelError.of(Errno.EINVAL, "KVM_TDX_INIT_VM flags 0x%x must be 0", cmd.flags());
        }
        long hdrSize = KvmTdxInitVm.LAYOUT.byteSize();
        MemorySegment all;
        long firstNent = -1;
        if (kv().isAtLeast619()) {
            long nent = Integer.toUnsignedLong(k.getUserU32(cmd.data() + KvmTdxInitVm.OFFSET_CPUID, "kvm_tdx_init_vm.cpuid.nent"));
            checkNent(nent);
            firstNent = nent;
            all = k.copyFromUser(cmd.data(), hdrSize + 40 * nent, "struct kvm_tdx_init_vm");
        } else {
            MemorySegment hdr = k.copyFromUser(cmd.data(), hdrSize, "struct kvm_tdx_init_vm");
            long nent = Integer.toUnsignedLong(hdr.get(JAVA_INT, KvmTdxInitVm.OFFSET_CPUID));
            checkNent(nent);
            MemorySegment entries = k.copyFromUser(cmd.data() + hdrSize, 40 * nent, "kvm_tdx_init_vm.cpuid.entries");
            all = SimUserMemory.kernelBuffer(hdrSize + 40 * nent);
            MemorySegment.copy(hdr, 0, all, 0, hdrSize);
            MemorySegment.copy(entries, 0, all, hdrSize, 40 * nent);
        }
        KvmTdxInitVm init = KvmTdxInitVm.decode(all);
        if (!Structs.allZero(init.reserved())) {
            throw KernelError.of(Errno.EINVAL, "kvm_tdx_init_vm.reserved[] is not all zero");
        }
        if (init.cpuid().padding() != 0) {
            throw KernelError.of(Errno.EINVAL, "kvm_tdx_init_vm.cpuid.padding 0x%x must be 0", init.cpuid().padding());
        }
        if (kv() == KernelVersion.LATEST && Integer.toUnsignedLong(init.cpuid().nent()) != firstNent) {
            // [S25] "Reject concurrent change to CPUID entry count": only a user thread rewriting the
            // struct during the ioctl can get here (6.19 itself would read past its buffer instead).
            throw KernelError.of(Errno.EINVAL, "kvm_tdx_init_vm.cpuid.nent changed from %d to %d during the ioctl",
                    firstNent, Integer.toUnsignedLong(init.cpuid().nent()));
        }
        SetupResult params = setupTdparams(vm, init);
        tdxTdInitSeamcalls(vm, params, hw);
        TdxModule m = module();
        sc(() -> m.tdhMngRd(vm.tdr, TDCS_EXEC_TSC_OFFSET, 0));
        sc(() -> m.tdhMngRd(vm.tdr, TDCS_EXEC_TSC_MULTIPLIER, 0));
        vm.tdAttributes = params.tdParams.attributes();
        vm.tdXfam = params.tdParams.xfam();
        vm.sharedBit = params.ept.sharedBit();
        vm.tdState = KvmVm.TdState.INITIALIZED;
    }

    private static void checkNent(long nent) {
        if (nent > KvmConstants.KVM_MAX_CPUID_ENTRIES) {
            throw KernelError.of(Errno.E2BIG, "kvm_tdx_init_vm.cpuid.nent %d > KVM_MAX_CPUID_ENTRIES 256", nent);
        }
    }

    record SetupResult(KvmTdParams tdParams, GpawPolicy.EptDecision ept) {}

    /**
     * {@code setup_tdparams} (§3.3 step 5–7, §5.2): vCPUs exist → -EBUSY; attributes/xfam outside the
     * supported sets → -EINVAL; fixed-1 bits ORed in; CONFIG_FLAGS.NO_RBP_MOD always; TSC in 25 MHz units;
     * then {@code setup_tdparams_eptp_controls} ({@link GpawPolicy#setupTdparamsEptpControls}) and
     * {@link #setupTdparamsCpuids}.
     */
    SetupResult setupTdparams(KvmVm vm, KvmTdxInitVm init) {
        TdxHost h = host();
        if (vm.createdVcpus != 0) {
            throw KernelError.of(Errno.EBUSY, "vCPUs already exist (%d)", vm.createdVcpus);
        }
        if ((init.attributes() & ~h.supportedAttrs) != 0) {
            throw KernelError.of(Errno.EINVAL, "attributes 0x%x has bits 0x%x outside supported_attrs 0x%x",
                    init.attributes(), init.attributes() & ~h.supportedAttrs, h.supportedAttrs);
        }
        if ((init.xfam() & ~h.supportedXfam) != 0) {
            throw KernelError.of(Errno.EINVAL, "xfam 0x%x has bits 0x%x outside supported_xfam 0x%x",
                    init.xfam(), init.xfam() & ~h.supportedXfam, h.supportedXfam);
        }
        GpawPolicy.EptDecision ept = k.cfg().gpawPolicy().setupTdparamsEptpControls(init.cpuid(),
                k.cfg().platform().ept5Level());
        int[][] values = setupTdparamsCpuids(init.cpuid());
        long configFlags = KvmTdParams.CONFIG_FLAGS_NO_RBP_MOD | (ept.fiveLevel() ? KvmTdParams.CONFIG_FLAGS_MAX_GPAW : 0);
        KvmTdParams p = new KvmTdParams(init.attributes() | h.info.attributesFixed1(), init.xfam() | h.info.xfamFixed1(),
                vm.maxVcpus, ept.eptpControls(), configFlags, tdParamsTscFrequency(vm.defaultTscKhz),
                init.mrconfigid(), init.mrowner(), init.mrownerconfig(), values);
        return new SetupResult(p, ept);
    }

    /**
     * {@code td_params->tsc_frequency = TDX_TSC_KHZ_TO_25MHZ(kvm->arch.default_tsc_khz)} (§2 internal
     * {@code struct td_params}): the field is a {@code u16}, so the C assignment keeps the low 16 bits
     * of {@code khz / 25000}; an out-of-range result is left to TDH.MNG.INIT (TSC_FREQUENCY check).
     */
    static int tdParamsTscFrequency(long defaultTscKhz) {
        return (int) (defaultTscKhz / 25000) & 0xFFFF;
    }

    /**
     * {@code setup_tdparams_cpuids} (§5.3): for each module CPUID_CONFIG slot, the first user entry that
     * matches it (index compared only with SIGNIFCANT_INDEX) is copied verbatim into that slot, except
     * 0x80000008 EAX[23:16] which is zeroed; a matched leaf 7.0 entry with HLE/RTM/WAITPKG → -EINVAL;
     * and unless every user entry was used exactly once ({@code copy_cnt != nent}) → -EINVAL.
     */
    int[][] setupTdparamsCpuids(KvmCpuid2 cpuid) {
        TdxHost h = host();
        int n = h.info.numCpuidConfig();
        int[][] values = new int[n][4];
        ImmutableList<KvmCpuidEntry2> user = cpuid.entries();
        int[] uses = new int[user.size()];
        int copyCnt = 0;
        for (int i = 0; i < n; i++) {
            KvmCpuidEntry2 slot = tdInitCpuidEntry2(i);
            int match = firstMatch(user, slot.function(), slot.index());
            if (match < 0) {
                continue;
            }
            KvmCpuidEntry2 e = user.get(match);
            if (e.function() == 7 && e.index() == 0 && ((e.ebx() & (HLE | RTM)) != 0 || (e.ecx() & WAITPKG) != 0)) {
                throw KernelError.of(Errno.EINVAL, "entry 0x7.0 has %s, which TDX does not support",
                        (e.ebx() & (HLE | RTM)) != 0 ? "HLE/RTM" : "WAITPKG");
            }
            copyCnt++;
            uses[match]++;
            int eax = e.eax();
            if (e.function() == 0x80000008) {
                eax &= ~0x00FF0000;
            }
            values[i] = new int[] {eax, e.ebx(), e.ecx(), e.edx()};
        }
        if (copyCnt != user.size()) {
            throw KernelError.of(Errno.EINVAL, "%s", unmatchedReason(user, uses, h));
        }
        return values;
    }

    private static int firstMatch(List<KvmCpuidEntry2> user, int function, int index) {
        for (int j = 0; j < user.size(); j++) {
            KvmCpuidEntry2 e = user.get(j);
            if (e.function() == function && (!e.hasSignificantIndex() || e.index() == index)) {
                return j;
            }
        }
        return -1;
    }

    /** Which user entry broke {@code copy_cnt == nent}, in words. */
    private String unmatchedReason(List<KvmCpuidEntry2> user, int[] uses, TdxHost h) {
        for (int j = 0; j < user.size(); j++) {
            KvmCpuidEntry2 e = user.get(j);
            String name = String.format("0x%x", e.function()) + (e.hasSignificantIndex() ? "." + e.index() : "");
            if (uses[j] > 1) {
                return "entry " + name + " has no SIGNIFCANT_INDEX flag and matches " + uses[j]
                        + " TDX-configurable sub-leaves; give one entry per sub-leaf";
            }
            if (uses[j] == 0) {
                boolean leafKnown = false;
                for (long l : h.info.cpuidConfigLeaves()) {
                    leafKnown |= (int) l == e.function();
                }
                if (!leafKnown) {
                    return String.format("leaf 0x%x is not a TDX-configurable leaf", e.function());
                }
                if (firstMatch(user, e.function(), e.index()) != j && !e.hasSignificantIndex()) {
                    return "entry " + name + " (#" + j + ") is shadowed by an earlier entry of the same leaf";
                }
                return "entry " + name + " (#" + j + ") does not match a TDX-configurable sub-leaf"
                        + " (or an earlier entry already matched it)";
            }
        }
        return "the CPUID entries do not map one-to-one onto the module's CPUID_CONFIG slots";
    }

    /**
     * {@code __tdx_td_init} (§3.3 step 8, §3.2; 6.16 tdx.c): KeyID (-ENOSPC), TDR/TDCS pages (-ENOMEM),
     * TDH.MNG.CREATE (exactly TDX_RND_NO_ENTROPY after {@link #sc}'s ten tries → -EAGAIN, anything else →
     * -EIO with a WARN only; both free the pages and the KeyID and leave the VM UNINITIALIZED and usable),
     * TDH.MNG.KEY.CONFIG on each package (any failure is a KVM_BUG_ON in {@code tdx_do_tdh_mng_key_config}:
     * -EIO, VM bugged), TDH.MNG.ADDCX per TDCS page (RND_NO_ENTROPY → -EAGAIN, else -EIO, WARN only),
     * TDH.MNG.INIT (OPERAND_INVALID → -EINVAL with {@code hw_error}; else -EIO, WARN only). Failures after
     * TDH.MNG.CREATE tear the TD down again ({@link #releaseHkid}, {@link #reclaimTdControlPages}: the
     * "teardown" label), so the VM is UNINITIALIZED again with nothing assigned; {@code hw_error} is set
     * only for OPERAND_INVALID.
     */
    void tdxTdInitSeamcalls(KvmVm vm, SetupResult params, long[] hw) {
        TdxHost h = host();
        TdxModule m = h.module;
        hw[0] = 0;
        OptionalInt keyid = h.allocKeyid();
        if (keyid.isEmpty()) {
            throw TdxHost.noKeyid(h.guestKeyidCount());
        }
        vm.hkid = keyid.getAsInt();
        List<Long> pages = new ArrayList<>();
        for (int i = 0; i < 1 + h.info.tdcsNrPages(); i++) {
            var p = m.memory().tryAllocatePage();
            if (p.isEmpty()) {
                pages.forEach(m.memory()::freePage);
                h.freeKeyid(vm.hkid);
                vm.hkid = -1;
                throw KernelError.of(Errno.ENOMEM, "no host memory for the TDR/TDCS pages");
            }
            pages.add(p.getAsLong());
        }
        long tdr = pages.getFirst();
        SeamcallResult r;
        synchronized (tdxLock) {
            r = sc(() -> m.tdhMngCreate(tdr, vm.hkid));
        }
        if (!r.isSuccess()) {
            pages.forEach(m.memory()::freePage);
            h.freeKeyid(vm.hkid);
            vm.hkid = -1;
            if (r.rax() == KERNEL_TDX_RND_NO_ENTROPY) {
                throw KernelError.of(Errno.EAGAIN, "%s (retry; QEMU retries up to 10000 times)", why("TDH.MNG.CREATE", r));
            }
            throw KernelError.of(Errno.EIO, "%s", why("TDH.MNG.CREATE", r));
        }
        vm.tdr = tdr;
        vm.tdcsPages.clear();
        vm.tdcsPages.addAll(pages.subList(1, pages.size()));
        vm.tdcsAdded = 0;
        for (int pkg = 0; pkg < m.numPackages(); pkg++) {
            int p = pkg;
            r = sc(() -> m.tdhMngKeyConfig(tdr, p));
            if (!r.isSuccess()) {
                vm.bug(why("TDH.MNG.KEY.CONFIG on package " + pkg, r));
                teardownAfterFailedInit(vm);
                throw KernelError.of(Errno.EIO, "%s; the VM is now bugged", why("TDH.MNG.KEY.CONFIG on package " + pkg, r));
            }
        }
        for (long page : vm.tdcsPages) {
            r = sc(() -> m.tdhMngAddcx(page, tdr));
            if (!r.isSuccess()) {
                teardownAfterFailedInit(vm);
                if (r.rax() == KERNEL_TDX_RND_NO_ENTROPY) {
                    throw KernelError.of(Errno.EAGAIN, "%s", why("TDH.MNG.ADDCX", r));
                }
                throw KernelError.of(Errno.EIO, "%s", why("TDH.MNG.ADDCX", r));
            }
            vm.tdcsAdded++;
        }
        long paramsPa = m.memory().allocatePage();
        try {
            m.memory().write(paramsPa, params.tdParams.encode(profile()));
            r = sc(() -> m.tdhMngInit(tdr, paramsPa));
        } finally {
            m.memory().freePage(paramsPa);
        }
        if (!r.isSuccess()) {
            teardownAfterFailedInit(vm);
            if (isStatus(r, "TDX_OPERAND_INVALID")) {
                hw[0] = r.status().value();
                throw KernelError.of(Errno.EINVAL, "TDH.MNG.INIT rejected TD_PARAMS: %s — %s", r.status(),
                        r.explanation().toString().replace(System.lineSeparator(), "; "));
            }
            throw KernelError.of(Errno.EIO, "%s (RCX 0x%x)", why("TDH.MNG.INIT", r), r.rcx());
        }
    }

    private void teardownAfterFailedInit(KvmVm vm) {
        releaseHkid(vm);
        reclaimTdControlPages(vm);
    }

    // ---------------------------------------------------------------- KVM_TDX_FINALIZE_VM

    /**
     * {@code tdx_td_finalize} (§3.3 FINALIZE, §3.2): not INIT_VM'd or already RUNNABLE → -EINVAL; 6.16:
     * {@code nr_premapped} ≠ 0 → -EINVAL; {@code hw_error} = TDH.MR.FINALIZE status; OPERAND_BUSY →
     * -EBUSY; other non-zero → -EIO and the VM is bugged.
     */
    void tdxTdFinalize(KvmVm vm, long[] hw) {
        if (!vm.hkidAssigned() || vm.tdState == KvmVm.TdState.RUNNABLE) {
            throw KernelError.of(Errno.EINVAL, "KVM_TDX_FINALIZE_VM needs an initialized, not yet finalized TD (TD is %s)",
                    vm.tdState);
        }
        if (!kv().isAtLeast619() && vm.nrPremapped() != 0) {
            throw KernelError.of(Errno.EINVAL, "%d page(s) mapped by KVM_TDX_INIT_MEM_REGION were never added with"
                    + " TDH.MEM.PAGE.ADD (nr_premapped; GPA 0x%x first): run KVM_TDX_INIT_MEM_REGION for them again",
                    vm.nrPremapped(), vm.premapped.first());
        }
        SeamcallResult r = sc(() -> module().tdhMrFinalize(vm.tdr));
        hw[0] = r.status().value();
        if (isStatus(r, "TDX_OPERAND_BUSY")) {
            throw KernelError.of(Errno.EBUSY, "%s", why("TDH.MR.FINALIZE", r));
        }
        if (!r.isSuccess()) {
            vm.bug(why("TDH.MR.FINALIZE", r));
            throw KernelError.of(Errno.EIO, "%s; the VM is now bugged", why("TDH.MR.FINALIZE", r));
        }
        vm.tdState = KvmVm.TdState.RUNNABLE;
    }

    // ================================================================ vCPU fd: tdx_vcpu_ioctl

    /**
     * The vCPU-fd TDX path (§3.1). 6.16 {@code tdx_vcpu_ioctl}: TD not INIT_VM'd or already RUNNABLE →
     * -EINVAL <em>before</em> reading the command; {@code tdx_get_cmd} (-EFAULT, {@code hw_error} ≠ 0 →
     * -EINVAL); unknown id → -EINVAL. 6.19 (§8, [S11][S23]): {@code tdx_vcpu_unlocked_ioctl} runs first —
     * {@code tdx_get_cmd}, the {@link #vmStateGuard} (-EBUSY while a vCPU creation is in flight, for
     * every id), the TD-state check, then INIT_MEM_REGION or INIT_VCPU; any other id falls through
     * ({@code -ENOIOCTLCMD}) to the locked {@code tdx_vcpu_ioctl}, which now only knows GET_CPUID. The
     * command is never copied back on this path.
     */
    long vcpuIoctl(KvmVcpu v, long arg) {
        KvmVm vm = v.vm;
        if (kv().isAtLeast619()) {
            KvmTdxCmd cmd = tdxGetCmd(arg);
            vmStateGuard(vm);
            checkTdBuildable(vm);
            switch (cmd.id()) {
                case KvmConstants.KVM_TDX_INIT_MEM_REGION -> {
                    return tdxVcpuInitMemRegion(v, cmd);
                }
                case KvmConstants.KVM_TDX_INIT_VCPU -> {
                    return tdxVcpuInit(v, cmd);
                }
                default -> { }
            }
        }
        checkTdBuildable(vm);
        KvmTdxCmd cmd = tdxGetCmd(arg);
        return switch (cmd.id()) {
            // 6.16 only: from 6.19 the unlocked path above has already handled these two ids
            case KvmConstants.KVM_TDX_INIT_VCPU -> tdxVcpuInit(v, cmd);
            case KvmConstants.KVM_TDX_INIT_MEM_REGION -> tdxVcpuInitMemRegion(v, cmd);
            case KvmConstants.KVM_TDX_GET_CPUID -> tdxVcpuGetCpuid(v, cmd);
            default -> unknownVcpuCmd(cmd);
        };
    }

    /** {@code !is_hkid_assigned(kvm_tdx) || kvm_tdx->state == TD_STATE_RUNNABLE} → -EINVAL. */
    private static void checkTdBuildable(KvmVm vm) {
        if (!vm.hkidAssigned() || vm.tdState == KvmVm.TdState.RUNNABLE) {
            throw KernelError.of(Errno.EINVAL, "vCPU TDX sub-commands need an initialized, not yet finalized TD (TD is %s)",
                    vm.tdState);
        }
    }

    private static long unknownVcpuCmd(KvmTdxCmd cmd) {
        throw KernelError.of(Errno.EINVAL, "kvm_tdx_cmd.id %d is not a vCPU-fd TDX sub-command%s", cmd.id(),
                KvmTdxCmdId.fromId(cmd.id()).map(c -> " (" + c.name() + " is issued on the VM fd)").orElse(""));
    }

    /**
     * {@code tdx_vcpu_init} (§3.3 INIT_VCPU): flags → -EINVAL; already initialized → -EINVAL; APIC base
     * {@code 0xFEE00000 | x2APIC | (BSP)} through {@code kvm_apic_set_base(host_initiated)}, which fails
     * (-EINVAL) when the vCPU CPUID lacks X2APIC or the base has bits at/above the CPUID MAXPHYADDR
     * (derived, §3.3); then {@link #tdxTdVcpuInit}.
     */
    long tdxVcpuInit(KvmVcpu v, KvmTdxCmd cmd) {
        if (cmd.flags() != 0) {
            throw KernelError.of(Errno.EINVAL, "KVM_TDX_INIT_VCPU flags 0x%x must be 0", cmd.flags());
        }
        if (v.tdxState != KvmVcpu.TdxState.UNINITIALIZED) {
            throw KernelError.of(Errno.EINVAL, "vCPU %d is already initialized", v.vcpuId);
        }
        long apicBase = SimulatedKernel.APIC_DEFAULT_PHYS_BASE | SimulatedKernel.MSR_IA32_APICBASE_ENABLE
                | SimulatedKernel.X2APIC_ENABLE | (v.vcpuId == 0 ? SimulatedKernel.MSR_IA32_APICBASE_BSP : 0);
        kvmApicSetBase(v, apicBase);
        tdxTdVcpuInit(v, cmd.data());
        v.tdxState = KvmVcpu.TdxState.INITIALIZED;
        return 0;
    }

    /** {@code kvm_apic_set_base(..., host_initiated = true)}: reserved-bit check only (§3.3 derived, [S18]). */
    private void kvmApicSetBase(KvmVcpu v, long value) {
        if (v.apicBase == value) {
            return;
        }
        int maxpa = v.cpuid.maxPhyAddr();
        long reserved = (maxpa >= 64 ? 0 : -1L << maxpa) | 0x2FFL | (v.cpuid.hasX2apic() ? 0 : SimulatedKernel.X2APIC_ENABLE);
        if ((value & reserved) != 0) {
            String why = !v.cpuid.hasX2apic() ? "the vCPU's CPUID (KVM_SET_CPUID2) does not enumerate X2APIC (leaf 1 ECX[21]),"
                    + " so x2APIC mode is reserved; TDX requires X2APIC — call KVM_SET_CPUID2 first"
                    : String.format("APIC base 0x%x has bits at or above the vCPU's MAXPHYADDR %d", value, maxpa);
            throw KernelError.of(Errno.EINVAL, "%s", why);
        }
        v.apicBase = value;
    }

    /**
     * {@code tdx_td_vcpu_init}: TDVPR + TDCX pages (-ENOMEM), TDH.VP.CREATE, TDH.VP.ADDCX per page,
     * TDH.VP.INIT version 1 with RDX = initial RCX and R8 = x2APIC id = vCPU id (as Linux's
     * {@code tdh_vp_init}); any SEAMCALL failure bugs the VM (-EIO).
     */
    private void tdxTdVcpuInit(KvmVcpu v, long rcx) {
        TdxHost h = host();
        TdxModule m = h.module;
        KvmVm vm = v.vm;
        int n = h.info.tdcxNrPages();
        List<Long> pages = new ArrayList<>();
        for (int i = 0; i < 1 + n; i++) {
            var p = m.memory().tryAllocatePage();
            if (p.isEmpty()) {
                pages.forEach(m.memory()::freePage);
                throw KernelError.of(Errno.ENOMEM, "no host memory for the TDVPR/TDCX pages");
            }
            pages.add(p.getAsLong());
        }
        long tdvpr = pages.getFirst();
        SeamcallResult r = sc(() -> m.tdhVpCreate(tdvpr, vm.tdr));
        if (!r.isSuccess()) {
            pages.forEach(m.memory()::freePage);
            vm.bug(why("TDH.VP.CREATE", r));
            throw KernelError.of(Errno.EIO, "%s; the VM is now bugged", why("TDH.VP.CREATE", r));
        }
        v.tdvpr = tdvpr;
        for (int i = 1; i < pages.size(); i++) {
            long page = pages.get(i);
            r = sc(() -> m.tdhVpAddcx(page, tdvpr));
            if (!r.isSuccess()) {
                pages.subList(i, pages.size()).forEach(m.memory()::freePage);
                vm.bug(why("TDH.VP.ADDCX", r));
                throw KernelError.of(Errno.EIO, "%s; the VM is now bugged", why("TDH.VP.ADDCX", r));
            }
            v.tdcx.add(page);
        }
        r = sc(() -> m.seamcall(0, new Registers(Registers.raxFor(22, 1), tdvpr, rcx, v.vcpuId, 0, 0, 0)));
        v.associatedLp = 0;
        if (!r.isSuccess()) {
            vm.bug(why("TDH.VP.INIT", r));
            throw KernelError.of(Errno.EIO, "%s; the VM is now bugged", why("TDH.VP.INIT (version 1, x2APIC id " + v.vcpuId + ")", r));
        }
    }

    // ---------------------------------------------------------------- KVM_TDX_GET_CPUID

    /**
     * {@code tdx_vcpu_get_cpuid} (§3.3 GET_CPUID, §4.4): header copy (-EFAULT); leaf 0 and 0x80000000
     * must read (-EIO); walk both ranges reading CPUID_VALUES with TDH.MNG.RD (no sub-leaf first, else
     * sub-leaves 0,1,… until a read fails), stop at 256 entries; 0x80000008 EAX[23:16] synthesized from
     * the shared bit; user nent below the count → header with the needed nent and -E2BIG.
     */
    long tdxVcpuGetCpuid(KvmVcpu v, KvmTdxCmd cmd) {
        MemorySegment hdr = k.copyFromUser(cmd.data(), 8, "struct kvm_cpuid2");
        long userNent = Integer.toUnsignedLong(hdr.get(JAVA_INT, 0));
        List<KvmCpuidEntry2> out = new ArrayList<>();
        if (!getCpuidLeaf(v.vm, 0, out)) {
            throw KernelError.of(Errno.EIO, "TDH.MNG.RD of CPUID leaf 0 failed");
        }
        int level = out.getFirst().eax();
        for (int leaf = 1; Integer.compareUnsigned(leaf, level) <= 0 && out.size() < KvmConstants.KVM_MAX_CPUID_ENTRIES; leaf++) {
            getCpuidLeaf(v.vm, leaf, out);
        }
        int before = out.size();
        if (!getCpuidLeaf(v.vm, 0x80000000, out)) {
            throw KernelError.of(Errno.EIO, "TDH.MNG.RD of CPUID leaf 0x80000000 failed");
        }
        int extLevel = out.get(before).eax();
        for (int leaf = 0x80000001; Integer.compareUnsigned(leaf, extLevel) <= 0
                && out.size() < KvmConstants.KVM_MAX_CPUID_ENTRIES; leaf++) {
            getCpuidLeaf(v.vm, leaf, out);
        }
        List<KvmCpuidEntry2> entries = out.size() > KvmConstants.KVM_MAX_CPUID_ENTRIES
                ? out.subList(0, KvmConstants.KVM_MAX_CPUID_ENTRIES) : out;
        KvmCpuid2 result = KvmCpuid2.of(entries);
        MemorySegment bytes = SimUserMemory.kernelBuffer(result.byteSize());
        result.encode(bytes);
        k.copyToUser(cmd.data(), bytes.asSlice(0, 8), "struct kvm_cpuid2");
        if (userNent < entries.size()) {
            throw KernelError.of(Errno.E2BIG, "the TD has %d CPUID entries, the buffer holds %d; nent now says %d",
                    entries.size(), userNent, entries.size());
        }
        k.copyToUser(cmd.data() + 8, bytes.asSlice(8), "kvm_cpuid2.entries");
        return 0;
    }

    /** {@code tdx_vcpu_get_cpuid_leaf}: false if the leaf could not be read at all. */
    private boolean getCpuidLeaf(KvmVm vm, int leaf, List<KvmCpuidEntry2> out) {
        if ((leaf & 0x7FFFFF80) != 0) {
            return false;
        }
        Optional<KvmCpuidEntry2> e = readCpuid(vm, leaf, 0, false);
        if (e.isPresent()) {
            out.add(e.get());
            return true;
        }
        int sub = 0;
        while (sub <= 0x7F && out.size() < KvmConstants.KVM_MAX_CPUID_ENTRIES) {
            Optional<KvmCpuidEntry2> s = readCpuid(vm, leaf, sub, true);
            if (s.isEmpty()) {
                break;
            }
            out.add(s.get());
            sub++;
        }
        return sub > 0;
    }

    /** {@code tdx_read_cpuid}: two TDH.MNG.RD of CPUID_VALUES (EBX:EAX, EDX:ECX), field code per abi §6.1. */
    private Optional<KvmCpuidEntry2> readCpuid(KvmVm vm, int leaf, int subleaf, boolean subleafSet) {
        long id = TD_MD_FIELD_ID_CPUID_VALUES | ((leaf & 0x80000000L) != 0 ? 1L << 16 : 0) | ((long) (leaf & 0x7F) << 9)
                | (subleafSet ? (long) (subleaf & 0x7F) << 1 : 0x1FEL);
        SeamcallResult lo = sc(() -> module().tdhMngRd(vm.tdr, id, 0));
        if (!lo.isSuccess()) {
            return Optional.empty();
        }
        SeamcallResult hi = sc(() -> module().tdhMngRd(vm.tdr, id + 1, 0));
        if (!hi.isSuccess()) {
            return Optional.empty();
        }
        int eax = (int) lo.r8();
        if (leaf == 0x80000008) {
            // "Work around missing support on old TDX modules, fetch guest maxpa from gfn_direct_bits."
            eax = (eax & ~0x00FF0000) | ((vm.sharedBit + 1) << 16);
        }
        return Optional.of(new KvmCpuidEntry2(leaf, subleafSet ? subleaf : 0,
                subleafSet ? KvmConstants.KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0, eax, (int) (lo.r8() >>> 32),
                (int) hi.r8(), (int) (hi.r8() >>> 32)));
    }

    // ---------------------------------------------------------------- KVM_TDX_INIT_MEM_REGION

    /**
     * {@code tdx_vcpu_init_mem_region} (§3.3 INIT_MEM_REGION, §8): vCPU not initialized → -EINVAL; TD
     * RUNNABLE → -EINVAL; flags other than MEASURE → -EINVAL; copy (-EFAULT); alignment / empty / wrap /
     * shared first or last GPA → -EINVAL (latest: also {@code source_addr == 0}); 6.16/6.19:
     * {@code kvm_mmu_reload} (a TDP level whose shared bit disagrees with the TD's bugs the VM, §4.5);
     * then per page {@link #populatePage}; the region is <em>always</em> copied back with the progress.
     */
    long tdxVcpuInitMemRegion(KvmVcpu v, KvmTdxCmd cmd) {
        KvmVm vm = v.vm;
        if (v.tdxState != KvmVcpu.TdxState.INITIALIZED) {
            throw KernelError.of(Errno.EINVAL, "vCPU %d has not run KVM_TDX_INIT_VCPU", v.vcpuId);
        }
        if (vm.tdState == KvmVm.TdState.RUNNABLE) {
            throw KernelError.of(Errno.EINVAL, "the TD is finalized; its initial memory is fixed");
        }
        if ((cmd.flags() & ~KvmConstants.KVM_TDX_MEASURE_MEMORY_REGION) != 0) {
            throw KernelError.of(Errno.EINVAL, "KVM_TDX_INIT_MEM_REGION flags 0x%x: only KVM_TDX_MEASURE_MEMORY_REGION (1)"
                    + " is defined", cmd.flags());
        }
        KvmTdxInitMemRegion region = KvmTdxInitMemRegion.decode(k.copyFromUser(cmd.data(),
                KvmTdxInitMemRegion.LAYOUT.byteSize(), "struct kvm_tdx_init_mem_region"));
        long end = region.gpa() + (region.nrPages() << 12);
        long sharedMask = 1L << vm.sharedBit;
        if ((region.sourceAddr() & 4095) != 0 || (region.gpa() & 4095) != 0) {
            throw KernelError.of(Errno.EINVAL, "source_addr 0x%x and gpa 0x%x must be 4 KiB aligned", region.sourceAddr(), region.gpa());
        }
        if (region.nrPages() == 0) {
            throw KernelError.of(Errno.EINVAL, "nr_pages is 0");
        }
        if (Long.compareUnsigned(end, region.gpa()) <= 0 || region.nrPages() >>> 52 != 0) {
            throw KernelError.of(Errno.EINVAL, "gpa 0x%x + %d pages wraps", region.gpa(), region.nrPages());
        }
        if ((region.gpa() & sharedMask) != 0 || ((end - 1) & sharedMask) != 0) {
            throw KernelError.of(Errno.EINVAL, "GPA range [0x%x, 0x%x) is not private: shared bit %d is set", region.gpa(),
                    end, vm.sharedBit);
        }
        if (kv() == KernelVersion.LATEST && region.sourceAddr() == 0) {
            throw KernelError.of(Errno.EINVAL, "source_addr is 0");
        }
        if (kv() != KernelVersion.LATEST) {
            kvmMmuReload(v);
        }
        KvmTdxInitMemRegion cur = region;
        KernelError err = null;
        try {
            while (cur.nrPages() != 0) {
                populatePage(v, cur.gpa(), cur.sourceAddr(), (cmd.flags() & KvmConstants.KVM_TDX_MEASURE_MEMORY_REGION) != 0);
                cur = new KvmTdxInitMemRegion(cur.sourceAddr() + 4096, cur.gpa() + 4096, cur.nrPages() - 1);
            }
        } catch (KernelError e) {
            err = e;
        }
        MemorySegment back = MemorySegment.ofArray(new long[3]);
        cur.encode(back);
        if (!k.memory().copyToUser(cmd.data(), back)) {
            throw KernelError.of(Errno.EFAULT, "copying struct kvm_tdx_init_mem_region back to 0x%x faulted", cmd.data());
        }
        if (err != null) {
            throw err;
        }
        return 0;
    }

    /**
     * {@code kvm_mmu_reload} on a TD vCPU (§4.5, derived): the root level is 4 when the host has 5-level
     * EPT but the vCPU CPUID's guest MAXPHYADDR ≤ 48, else the host's; {@code tdx_load_mmu_pgd}'s
     * {@code KVM_BUG_ON(shared_bit(level) != gfn_direct_bits)} bugs the VM on a mismatch.
     */
    void kvmMmuReload(KvmVcpu v) {
        boolean host5 = k.cfg().platform().ept5Level();
        int maxpa = k.cfg().gpawPolicy().tdpMaxPhysAddr(v.cpuid);
        int level = host5 && maxpa > 48 ? 5 : 4;
        int shared = level == 5 ? GpawPolicy.SHARED_BIT_GPAW52 : GpawPolicy.SHARED_BIT_GPAW48;
        if (shared != v.vm.sharedBit) {
            String why = String.format("vCPU %d's TDP root level %d (guest MAXPHYADDR %d from its KVM_SET_CPUID2 table)"
                    + " puts the shared bit at %d, but the TD uses bit %d", v.vcpuId, level, maxpa, shared, v.vm.sharedBit);
            v.vm.bug("tdx_load_mmu_pgd: " + why);
            throw KernelError.of(Errno.EIO, "KVM_BUG_ON in tdx_load_mmu_pgd: %s; the VM is now bugged", why);
        }
    }

    /**
     * One page of {@code kvm_gmem_populate} + {@code tdx_gmem_post_populate}: the GPA must lie in a
     * guest_memfd memslot (-EINVAL) marked PRIVATE (-EINVAL) and not yet populated (-EEXIST); the source
     * page must be mapped (-EFAULT, {@code get_user_pages_fast}); then the mirror EPT is built with
     * TDH.MEM.SEPT.ADD as needed ({@link #mapMirrorEpt}) and the page added:
     * <ul>
     *   <li>6.16 ({@code tdx_gmem_post_populate} after {@code kvm_tdp_map_page}): the mapping only
     *       counts the page ({@code nr_premapped}); then TDH.MEM.PAGE.ADD — busy → -EBUSY (the page stays
     *       premapped, so FINALIZE refuses until a retry adds it), anything else → -EIO; success
     *       uncounts it.</li>
     *   <li>6.19 ({@code kvm_tdp_mmu_map_private_pfn} → {@code tdx_mem_page_add}): TDH.MEM.PAGE.ADD is
     *       the mirror-EPT leaf update itself; busy fails the SPTE update, the fault returns
     *       {@code RET_PF_RETRY} and the loop retries — busy never reaches userspace; anything else is a
     *       KVM_BUG_ON (-EIO, VM bugged).</li>
     * </ul>
     * When measuring, TDH.MR.EXTEND per 256-byte chunk: failure → -EIO (6.19: also a KVM_BUG_ON).
     */
    private void populatePage(KvmVcpu v, long gpa, long src, boolean measure) {
        KvmVm vm = v.vm;
        TdxModule m = module();
        long gfn = gpa >>> 12;
        Optional<Memslot> slot = vm.memslotFor(gfn);
        if (slot.isEmpty() || !slot.get().canBePrivate()) {
            throw KernelError.of(Errno.EINVAL, "GPA 0x%x is not in a guest_memfd-backed memslot", gpa);
        }
        GuestMemfdFile g = slot.get().gmem();
        long index = slot.get().gmemPgoff() + (gfn - slot.get().baseGfn());
        if (g.prepared.contains(index)) {
            throw KernelError.of(Errno.EEXIST, "GPA 0x%x was already populated", gpa);
        }
        if ((vm.attributes(gfn) & KvmConstants.KVM_MEMORY_ATTRIBUTE_PRIVATE) == 0) {
            throw KernelError.of(Errno.EINVAL, "GPA 0x%x is not marked KVM_MEMORY_ATTRIBUTE_PRIVATE"
                    + " (KVM_SET_MEMORY_ATTRIBUTES)", gpa);
        }
        Long target = g.pages.get(index);
        if (target == null) {
            var p = m.memory().tryAllocatePage();
            if (p.isEmpty()) {
                throw KernelError.of(Errno.ENOMEM, "no host memory for guest_memfd page %d", index);
            }
            target = p.getAsLong();
            g.pages.put(index, target);
        }
        var srcBytes = k.memory().copyFromUser(src, 4096);
        if (srcBytes.isEmpty()) {
            throw KernelError.of(Errno.EFAULT, "source page 0x%x is not mapped (get_user_pages_fast)", src);
        }
        mapMirrorEpt(vm, gpa);
        long srcPa = m.memory().allocatePage();
        long page = target;
        try {
            m.memory().write(srcPa, srcBytes.get().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            if (kv().isAtLeast619()) {
                SeamcallResult r = faultRetryWhileBusy(() -> m.tdhMemPageAdd(gpa, vm.tdr, page, srcPa));
                if (!r.isSuccess()) {
                    vm.bug(why("TDH.MEM.PAGE.ADD", r));
                    throw KernelError.of(Errno.EIO, "%s; the VM is now bugged (tdx_mem_page_add)", why("TDH.MEM.PAGE.ADD", r));
                }
            } else {
                // 6.16 tdx_sept_set_private_spte before finalization only accounts the page (nr_premapped);
                // a retry finds the mirror SPTE present (RET_PF_SPURIOUS) and does not count it again.
                vm.premapped.add(gpa);
                SeamcallResult r = sc(() -> m.tdhMemPageAdd(gpa, vm.tdr, page, srcPa));
                if (isStatus(r, "TDX_OPERAND_BUSY")) {
                    throw KernelError.of(Errno.EBUSY, "%s; the page stays premapped: retry KVM_TDX_INIT_MEM_REGION from"
                            + " the written-back region", why("TDH.MEM.PAGE.ADD", r));
                }
                if (!r.isSuccess()) {
                    throw KernelError.of(Errno.EIO, "%s", why("TDH.MEM.PAGE.ADD", r));
                }
                vm.premapped.remove(gpa);
            }
        } finally {
            m.memory().freePage(srcPa);
        }
        vm.privatePages.put(gpa, target);
        if (measure) {
            for (int off = 0; off < 4096; off += EXTENDMR_CHUNK) {
                long chunk = gpa + off;
                SeamcallResult r = sc(() -> m.tdhMrExtend(chunk, vm.tdr));
                if (!r.isSuccess()) {
                    if (kv().isAtLeast619()) {
                        vm.bug(why("TDH.MR.EXTEND", r));
                    }
                    throw KernelError.of(Errno.EIO, "%s", why("TDH.MR.EXTEND", r));
                }
            }
        }
        g.prepared.add(index);
    }

    /**
     * The TDP MMU's fault-in of a private GPA ({@code kvm_tdp_map_page} / 6.19
     * {@code kvm_tdp_mmu_map_private_pfn} → {@code tdx_sept_link_private_spt}): TDH.MEM.SEPT.ADD for
     * every S-EPT level from the root down to level 1 that is not there yet. Busy fails the SPTE update
     * and the fault loop retries ({@link #faultRetryWhileBusy}); any other failure is a KVM_BUG_ON
     * (-EIO, VM bugged).
     */
    private void mapMirrorEpt(KvmVm vm, long gpa) {
        TdxModule m = module();
        int root = vm.sharedBit == GpawPolicy.SHARED_BIT_GPAW52 ? 4 : 3;
        for (int level = root; level >= 1; level--) {
            long aligned = gpa & -(1L << (12 + 9 * level));
            long key = ((long) level << 56) | aligned;
            if (vm.septPages.containsKey(key)) {
                continue;
            }
            var p = m.memory().tryAllocatePage();
            if (p.isEmpty()) {
                throw KernelError.of(Errno.ENOMEM, "no host memory for an S-EPT page");
            }
            long info = aligned | level;
            SeamcallResult r = faultRetryWhileBusy(() -> m.tdhMemSeptAdd(info, vm.tdr, p.getAsLong()));
            if (!r.isSuccess()) {
                m.memory().freePage(p.getAsLong());
                vm.bug(why("TDH.MEM.SEPT.ADD", r));
                throw KernelError.of(Errno.EIO, "%s; the VM is now bugged", why("TDH.MEM.SEPT.ADD level " + level, r));
            }
            vm.septPages.put(key, p.getAsLong());
        }
    }

    // ================================================================ teardown

    /**
     * {@code kvm_destroy_vm} for a TD once its last file reference is gone, in the order of Linux 6.16
     * (and later): {@code kvm_arch_pre_destroy_vm} → {@code vt_vm_pre_destroy} →
     * {@link #releaseHkid} ({@code tdx_mmu_release_hkid}: VP.FLUSH, VPFLUSHDONE, CACHE.WB, KEY.FREEID);
     * then {@code kvm_arch_destroy_vm}: {@code kvm_destroy_vcpus} → {@code tdx_vcpu_free} reclaims each
     * vCPU's TDCX pages, then its TDVPR; {@code kvm_mmu_uninit_vm} frees the mirror page tables →
     * {@code tdx_sept_free_private_spt} reclaims each S-EPT page, children before parents ("only called
     * after hkid is freed when TD is tearing down"); {@code vt_vm_destroy} → {@code tdx_vm_destroy} →
     * {@link #reclaimTdControlPages} reclaims the TDCS pages and finally the TDR. Every reclaim is
     * TDH.PHYMEM.PAGE.RECLAIM and needs the HKID released; if releasing it failed nothing is reclaimed
     * and the pages leak, as in {@code tdx_vcpu_free}/{@code tdx_reclaim_td_control_pages}.
     *
     * <p>Sources: KT0511/linux-6.16.1 {@code arch/x86/kvm/vmx/tdx.c} (tdx_mmu_release_hkid,
     * tdx_vcpu_free, tdx_sept_free_private_spt, tdx_reclaim_td_control_pages, and the comment in
     * {@code tdx_sept_remove_private_spte}: "HKID is released after all private pages have been removed,
     * and set before any might be populated"); {@code arch/x86/kvm/vmx/main.c} ({@code vt_vm_pre_destroy}
     * → tdx_mmu_release_hkid, {@code vt_vm_destroy} → tdx_vm_destroy); the x86.c order
     * {@code kvm_destroy_vcpus}, {@code kvm_mmu_uninit_vm}, {@code vm_destroy} from Sean Christopherson's
     * Feb 2025 series ("Do final MMU teardown prior to calling into vendor code").
     *
     * <p>Not modelled: Linux removes <em>private leaf</em> pages while the HKID is still assigned —
     * when the guest_memfd is released ({@code kvm_gmem_release} invalidation →
     * {@code tdx_sept_remove_private_spte}: TDH.MEM.RANGE.BLOCK, TDH.MEM.TRACK, TDH.MEM.PAGE.REMOVE,
     * TDH.PHYMEM.PAGE.WBINVD), which a guest_memfd's VM reference guarantees happens before the VM is
     * destroyed. The module model has none of those four leaves, so here the private pages are
     * reclaimed with TDH.PHYMEM.PAGE.RECLAIM right after TDH.MNG.KEY.FREEID, before anything else (the
     * module accepts that order for any TD page in TD_TEARDOWN); and the TDH.PHYMEM.PAGE.WBINVD of the
     * TDR after its reclaim is skipped for the same reason.
     */
    void destroyVm(KvmVm vm) {
        TdxModule m = k.tdx().map(h -> h.module).orElse(null);
        if (m == null || vm.tdr < 0) {
            return;
        }
        releaseHkid(vm);
        if (!vm.hkidAssigned()) {
            // stands in for the guest_memfd release's TDH.MEM.PAGE.REMOVE (see above)
            for (var e : vm.privatePages.entrySet()) {
                reclaimNoFree(e.getValue(), String.format("private page GPA 0x%x", e.getKey()));
            }
            for (KvmVcpu v : vm.vcpus.values()) {
                for (long p : v.tdcx) {
                    reclaim(p, "TDCX page of vCPU " + v.vcpuId);
                }
                if (v.tdvpr >= 0) {
                    reclaim(v.tdvpr, "TDVPR of vCPU " + v.vcpuId);
                }
                // TDVPR pages of a failed TDH.VP.CREATE are not the module's; tdvpr stays -1 then.
            }
            List<Map.Entry<Long, Long>> sept = new ArrayList<>(vm.septPages.entrySet());
            sept.sort((a, b) -> Long.compare(a.getKey() >>> 56, b.getKey() >>> 56));
            for (var e : sept) {
                reclaim(e.getValue(), String.format("S-EPT page level %d GPA 0x%x", e.getKey() >>> 56,
                        e.getKey() & ((1L << 56) - 1)));
            }
            reclaimTdControlPages(vm);
        }
        for (GuestMemfdFile g : vm.gmems) {
            if (!vm.hkidAssigned()) {
                g.pages.values().forEach(m.memory()::freePage);
            }
            g.pages.clear();
        }
    }

    /**
     * {@code tdx_mmu_release_hkid}: TDH.VP.FLUSH of every associated vCPU, TDH.MNG.VPFLUSHDONE,
     * TDH.PHYMEM.CACHE.WB on one LP per package (resumed while interrupted), TDH.MNG.KEY.FREEID, then the
     * KeyID is freed. A failure leaks the HKID (and bugs the VM), as in the kernel.
     */
    void releaseHkid(KvmVm vm) {
        if (!vm.hkidAssigned()) {
            return;
        }
        TdxHost h = host();
        TdxModule m = h.module;
        for (KvmVcpu v : vm.vcpus.values()) {
            if (v.associatedLp >= 0 && v.tdvpr >= 0) {
                SeamcallResult r = sc(() -> m.tdhVpFlush(v.associatedLp, v.tdvpr));
                log("TDH.VP.FLUSH", v.tdvpr, "TDVPR of vCPU " + v.vcpuId, r);
                if (!r.isSuccess() && !isStatus(r, "TDX_VCPU_NOT_ASSOCIATED")) {
                    vm.bug(why("TDH.VP.FLUSH", r));
                }
                v.associatedLp = -1;
            }
        }
        synchronized (tdxLock) {
            releaseHkidLocked(vm, h, m);
        }
    }

    /** The part of {@code tdx_mmu_release_hkid} that runs under {@code tdx_lock}. */
    private void releaseHkidLocked(KvmVm vm, TdxHost h, TdxModule m) {
        SeamcallResult r = sc(() -> m.tdhMngVpflushdone(vm.tdr));
        log("TDH.MNG.VPFLUSHDONE", vm.tdr, "TDR", r);
        if (!r.isSuccess()) {
            if (!isStatus(r, "TDX_FLUSHVP_NOT_DONE")) {
                vm.bug(why("TDH.MNG.VPFLUSHDONE", r) + "; HKID " + vm.hkid + " is leaked");
            }
            return;
        }
        for (int pkg = 0; pkg < m.numPackages(); pkg++) {
            int lp = m.firstLpOfPackage(pkg);
            long[] cmd = {0};
            do {
                r = sc(() -> m.seamcall(lp, new Registers(Registers.raxFor(40, 0), cmd[0], 0, 0, 0, 0, 0)));
                log("TDH.PHYMEM.CACHE.WB", pkg, "package " + pkg, r);
                cmd[0] = 1;
            } while (isStatus(r, "TDX_INTERRUPTED_RESUMABLE"));
        }
        r = sc(() -> m.tdhMngKeyFreeid(vm.tdr));
        log("TDH.MNG.KEY.FREEID", vm.tdr, "TDR", r);
        if (!r.isSuccess()) {
            vm.bug(why("TDH.MNG.KEY.FREEID", r) + "; HKID " + vm.hkid + " is leaked");
            return;
        }
        h.freeKeyid(vm.hkid);
        vm.hkid = -1;
    }

    /** {@code tdx_reclaim_td_control_pages}: TDCS pages (added ones reclaimed), then the TDR; skipped while the HKID is assigned. */
    void reclaimTdControlPages(KvmVm vm) {
        if (vm.hkidAssigned() || vm.tdr < 0) {
            return;
        }
        TdxModule m = module();
        for (int i = 0; i < vm.tdcsPages.size(); i++) {
            long p = vm.tdcsPages.get(i);
            if (i < vm.tdcsAdded) {
                reclaim(p, "TDCS page " + i);
            } else {
                m.memory().freePage(p);
            }
        }
        vm.tdcsPages.clear();
        vm.tdcsAdded = 0;
        reclaim(vm.tdr, "TDR");
        vm.tdr = -1;
    }

    /** {@code tdx_reclaim_control_page}: TDH.PHYMEM.PAGE.RECLAIM, then back to the allocator; leaked on failure. */
    private void reclaim(long page, String what) {
        if (reclaimNoFree(page, what)) {
            module().memory().freePage(page);
        }
    }

    private boolean reclaimNoFree(long page, String what) {
        SeamcallResult r = sc(() -> module().tdhPhymemPageReclaim(page));
        log("TDH.PHYMEM.PAGE.RECLAIM", page, what, r);
        return r.isSuccess();
    }

    private void log(String leaf, long operand, String what, SeamcallResult r) {
        k.log().add(leaf, operand, what, r.status(), r.isSuccess());
    }
}
