package org.tdxsim.kvm.sim;

import com.google.common.collect.Range;
import com.google.common.collect.RangeMap;
import com.google.common.collect.TreeRangeMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;

/** {@code struct kvm} + {@code struct kvm_tdx}: what the simulated kernel keeps per VM. */
final class KvmVm {
    /** {@code enum kvm_tdx_state} (kvm-tdx-uapi.md §0). */
    enum TdState { UNINITIALIZED, INITIALIZED, RUNNABLE }

    final int type;
    /**
     * {@code kvm->lock}; in this model it also stands for every {@code vcpu->mutex} and
     * {@code slots_lock}: all ioctls on the VM's fds run under it (see {@link SimulatedKernel}).
     */
    final ReentrantLock lock = new ReentrantLock();
    /** File references: the VM fd, each vCPU fd, each guest_memfd fd ({@code kvm_get_kvm}). */
    int refs = 1;
    boolean destroyed;
    /** {@code kvm->vm_bugged}: set by a KVM_BUG_ON; every later VM/vCPU ioctl fails -EIO. */
    Optional<String> bugged = Optional.empty();

    int maxVcpus;
    /** {@code kvm->created_vcpus}: counts a vCPU from the start of KVM_CREATE_VCPU. */
    int createdVcpus;
    /** The online vCPUs ({@code kvm->vcpu_array}); their number is {@code online_vcpus}. */
    final Map<Integer, KvmVcpu> vcpus = new LinkedHashMap<>();
    boolean irqchipSplit;
    long nrReservedIoapicPins;
    long apicBusCycleNs = 1;
    long defaultTscKhz;

    final Map<Integer, Memslot> memslots = new TreeMap<>();
    /** {@code kvm->mem_attr_array}: gfn → attributes. */
    final RangeMap<Long, Long> memAttributes = TreeRangeMap.create();
    final List<GuestMemfdFile> gmems = new ArrayList<>();

    // ---- struct kvm_tdx
    /** Volatile: {@code tdx_vcpu_create} reads it without the VM lock, as the kernel does. */
    volatile TdState tdState = TdState.UNINITIALIZED;
    int hkid = -1;
    long tdr = -1;
    final List<Long> tdcsPages = new ArrayList<>();
    /** How many of {@link #tdcsPages} TDH.MNG.ADDCX added (the rest are host pages). */
    int tdcsAdded;
    /** Shared-bit position ({@code gfn_direct_bits}), −1 before INIT_VM. */
    int sharedBit = -1;
    long tdAttributes;
    long tdXfam;
    /**
     * 6.16: GPAs whose mirror-EPT entry INIT_MEM_REGION installed but whose TDH.MEM.PAGE.ADD has not
     * succeeded; {@code nr_premapped} is their number. A GPA counts once: a retry finds the mirror
     * entry present and does not go through {@code tdx_sept_set_private_spte} again.
     */
    final TreeSet<Long> premapped = new TreeSet<>();
    /** Mirror-EPT page tables added with TDH.MEM.SEPT.ADD: key (level, aligned GPA) → HPA. */
    final Map<Long, Long> septPages = new LinkedHashMap<>();
    /** Private pages added with TDH.MEM.PAGE.ADD: gpa → HPA. */
    final Map<Long, Long> privatePages = new LinkedHashMap<>();

    KvmVm(int type, int maxVcpus, long defaultTscKhz) {
        this.type = type;
        this.maxVcpus = maxVcpus;
        this.defaultTscKhz = defaultTscKhz;
    }

    boolean isTd() {
        return type == org.tdxsim.kvm.uapi.KvmConstants.KVM_X86_TDX_VM;
    }

    /** {@code atomic_read(&kvm->online_vcpus)}. */
    int onlineVcpus() {
        return vcpus.size();
    }

    /** 6.16 {@code kvm_tdx->nr_premapped}. */
    long nrPremapped() {
        return premapped.size();
    }

    boolean hkidAssigned() {
        return hkid >= 0;
    }

    void bug(String why) {
        if (bugged.isEmpty()) {
            bugged = Optional.of(why);
        }
    }

    Optional<Memslot> memslotFor(long gfn) {
        return memslots.values().stream().filter(s -> s.contains(gfn)).findFirst();
    }

    long attributes(long gfn) {
        Long a = memAttributes.get(gfn);
        return a == null ? 0 : a;
    }

    /** {@code kvm_range_has_memory_attributes}: every gfn in [start, end) has exactly {@code attrs}. */
    boolean rangeHasAttributes(long start, long end, long mask, long attrs) {
        for (long g = start; g < end; g++) {
            if ((attributes(g) & mask) != attrs) {
                return false;
            }
        }
        return true;
    }

    void setAttributes(long start, long end, long attrs) {
        Range<Long> r = Range.closedOpen(start, end);
        if (attrs == 0) {
            memAttributes.remove(r);
        } else {
            memAttributes.put(r, attrs);
        }
    }
}
