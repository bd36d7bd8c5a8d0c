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

/** {@code struct kvm} + {@code struct kvm_tdx}: what the simulated kernel keeps per VM. */
final class KvmVm {
    /** {@code enum kvm_tdx_state} (kvm-tdx-uapi.md §0). */
    enum TdState { UNINITIALIZED, INITIALIZED, RUNNABLE }

    final int type;
    /** File references: the VM fd, each vCPU fd, each guest_memfd fd ({@code kvm_get_kvm}). */
    int refs = 1;
    boolean destroyed;
    /** {@code kvm->vm_bugged}: set by a KVM_BUG_ON; every later VM/vCPU ioctl fails -EIO. */
    Optional<String> bugged = Optional.empty();

    int maxVcpus;
    int createdVcpus;
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
    TdState tdState = TdState.UNINITIALIZED;
    int hkid = -1;
    long tdr = -1;
    final List<Long> tdcsPages = new ArrayList<>();
    /** How many of {@link #tdcsPages} TDH.MNG.ADDCX added (the rest are host pages). */
    int tdcsAdded;
    /** Shared-bit position ({@code gfn_direct_bits}), −1 before INIT_VM. */
    int sharedBit = -1;
    long tdAttributes;
    long tdXfam;
    /** 6.16: pages mapped by INIT_MEM_REGION but not yet TDH.MEM.PAGE.ADDed. */
    long nrPremapped;
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
