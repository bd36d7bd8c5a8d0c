package org.tdxsim.kvm.sim;

import java.util.Optional;

/**
 * A snapshot of a simulated VM as the kernel sees it, for tests and diagnostics.
 *
 * @param type the VM type
 * @param tdState {@code UNINITIALIZED}, {@code INITIALIZED} or {@code RUNNABLE} ({@code kvm_tdx->state})
 * @param hkid the TD's KeyID, or −1 when none is assigned
 * @param tdr host physical address of the TD's TDR page, or −1
 * @param bugged the reason of the KVM_BUG_ON that killed the VM, if any
 * @param sharedBit the GPA shared bit chosen at INIT_VM (47 or 51), −1 before
 * @param nrPremapped 6.16's count of mapped-but-not-added pages
 * @param createdVcpus {@code created_vcpus} (counts a vCPU whose KVM_CREATE_VCPU is still in flight)
 * @param onlineVcpus {@code online_vcpus}
 */
public record VmView(int type, String tdState, int hkid, long tdr, Optional<String> bugged, int createdVcpus, int maxVcpus,
                     int sharedBit, long nrPremapped, int privatePages, int septPages, boolean splitIrqchip,
                     long defaultTscKhz, int onlineVcpus) {

    static VmView of(KvmVm vm) {
        return new VmView(vm.type, vm.tdState.name(), vm.hkid, vm.tdr, vm.bugged, vm.createdVcpus, vm.maxVcpus, vm.sharedBit,
                vm.nrPremapped(), vm.privatePages.size(), vm.septPages.size(), vm.irqchipSplit, vm.defaultTscKhz,
                vm.onlineVcpus());
    }
}
