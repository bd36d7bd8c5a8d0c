package org.tdxsim.kvm.sim;

import java.util.BitSet;
import java.util.Optional;
import java.util.OptionalInt;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.module.TdxModule;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.profile.ModuleProfile;

/**
 * The host kernel's TDX state once the module is up ({@code arch/x86/virt/vmx/tdx/tdx.c} and the
 * KVM bring-up {@code __tdx_bringup}): the module, what TDH.SYS.RD told the kernel, the capabilities
 * KVM derived from it, and the guest KeyID allocator.
 */
final class TdxHost {
    /** {@code KVM_SUPPORTED_TD_ATTRS}: SEPT_VE_DISABLE (bit 28) only, 6.16..latest (kvm-tdx-uapi.md §5.1). */
    static final long KVM_SUPPORTED_TD_ATTRS = 1L << 28;

    /**
     * {@code KVM_SUPPORTED_XCR0} ({@code arch/x86/kvm/x86.c}): FP, SSE, YMM, BNDREGS, BNDCSR, the three
     * AVX-512 components, PKRU and the two AMX tile components = 0x602FF. Not in the spec digest; read
     * from x86.c (kvm patches found by code search). {@code kvm_caps.supported_xcr0} is this masked by
     * what the host CPU supports.
     */
    static final long KVM_SUPPORTED_XCR0 = 0x602FFL;
    /**
     * {@code KVM_SUPPORTED_XSS} as of 6.16: 0 (CET_USER/CET_KERNEL were added later with CET
     * virtualization; not modelled). Not in the spec digest; same source as {@link #KVM_SUPPORTED_XCR0}.
     */
    static final long KVM_SUPPORTED_XSS = 0L;

    final TdxModule module;
    final TdxSysInfo info;
    final long supportedAttrs;
    final long supportedXfam;
    private final int guestKeyidStart;
    private final int guestKeyidCount;
    private final BitSet usedKeyids = new BitSet();

    private TdxHost(TdxModule module, TdxSysInfo info, long supportedAttrs, long supportedXfam) {
        this.module = module;
        this.info = info;
        this.supportedAttrs = supportedAttrs;
        this.supportedXfam = supportedXfam;
        // The first private KeyID is the global one TDH.SYS.CONFIG reserved; guests get the rest
        // (tdx_guest_keyid_start = tdx_global_keyid + 1).
        this.guestKeyidStart = module.globalPrivateHkid() + 1;
        this.guestKeyidCount = Math.max(0, module.privateHkidMax() - guestKeyidStart + 1);
    }

    /** Bring-up outcome: TDX usable, or the reason KVM left it disabled. */
    sealed interface Bringup permits Enabled, Disabled {}

    record Enabled(TdxHost host) implements Bringup {}

    record Disabled(String reason, Optional<TdxModule> module) implements Bringup {}

    /**
     * {@code tdx_bringup}/{@code __tdx_bringup} plus the host's {@code tdx_enable}: bring the module up,
     * read its metadata, and apply the checks that leave TDX disabled (kvm-tdx-uapi.md §5.1, field-notes
     * §2.6 "Bring-up preconditions").
     */
    static Bringup bringUp(ModuleProfile profile, PlatformProfile platform, boolean tdxParam, GpawPolicy policy) {
        if (!platform.tdxCapable()) {
            return new Disabled("platform " + platform.name() + " cannot run the TDX module", Optional.empty());
        }
        if (!tdxParam) {
            return new Disabled("kvm_intel.tdx=0", Optional.empty());
        }
        TdxModule m = TdxModule.create(profile, platform);
        var r = m.bringUp();
        if (!r.isSuccess()) {
            return new Disabled("TDX module " + profile.version().label() + " bring-up failed: " + r.status() + " — "
                    + r.explanation().summary(), Optional.of(m));
        }
        TdxSysInfo info;
        switch (TdxSysInfo.read(m)) {
            case TdxSysInfo.Read(TdxSysInfo i) -> info = i;
            case TdxSysInfo.Failed(String why) -> {
                return new Disabled("reading TDX module metadata failed: " + why, Optional.of(m));
            }
        }
        if ((info.features0() & TdxSysInfo.FEATURES0_NO_RBP_MOD) == 0) {
            return new Disabled(String.format("TDX module lacks TDX_FEATURES0.NO_RBP_MOD (features0 0x%X)",
                    info.features0()), Optional.of(m));
        }
        if ((info.features0() & TdxSysInfo.FEATURES0_TOPOLOGY_ENUM) == 0) {
            return new Disabled(String.format("TDX module lacks TDX_FEATURES0.TOPOLOGY_ENUM (features0 0x%X)",
                    info.features0()), Optional.of(m));
        }
        if (info.maxVcpusPerTd() < platform.logicalProcessors()) {
            return new Disabled("MAX_VCPU_PER_TD (" + info.maxVcpusPerTd() + ") smaller than number of logical CPUs ("
                    + platform.logicalProcessors() + ")", Optional.of(m));
        }
        long attrs = supportedAttrs(info);
        long xfam = supportedXfam(info, platform);
        if (attrs == 0 || xfam == 0) {
            return new Disabled(String.format("no usable TD attributes/XFAM (supported_attrs 0x%X, supported_xfam 0x%X)",
                    attrs, xfam), Optional.of(m));
        }
        Optional<String> refused = policy.refusesTdx(platform.maxPhysAddr(), platform.ept5Level(), info, profile);
        if (refused.isPresent()) {
            return new Disabled(refused.get(), Optional.of(m));
        }
        return new Enabled(new TdxHost(m, info, attrs, xfam));
    }

    /** {@code tdx_get_supported_attrs} (§5.1). */
    static long supportedAttrs(TdxSysInfo info) {
        long f1 = info.attributesFixed1();
        return (KVM_SUPPORTED_TD_ATTRS & f1) == f1 ? KVM_SUPPORTED_TD_ATTRS & info.attributesFixed0() : 0;
    }

    /** {@code tdx_get_supported_xfam} (§5.1) with {@code kvm_caps.supported_xcr0/xss} from the platform. */
    static long supportedXfam(TdxSysInfo info, PlatformProfile platform) {
        long v = (platform.supportedXcr0() & KVM_SUPPORTED_XCR0) | (platform.supportedXss() & KVM_SUPPORTED_XSS);
        long f1 = info.xfamFixed1();
        return (v & f1) == f1 ? v & info.xfamFixed0() : 0;
    }

    /** {@code tdx_guest_keyid_alloc}: {@code ida_alloc_range} over the guest KeyIDs; -ENOSPC when none is free. */
    synchronized OptionalInt allocKeyid() {
        int i = usedKeyids.nextClearBit(0);
        if (i >= guestKeyidCount) {
            return OptionalInt.empty();
        }
        usedKeyids.set(i);
        return OptionalInt.of(guestKeyidStart + i);
    }

    synchronized void freeKeyid(int hkid) {
        usedKeyids.clear(hkid - guestKeyidStart);
    }

    synchronized int keyidsInUse() {
        return usedKeyids.cardinality();
    }

    int guestKeyidCount() {
        return guestKeyidCount;
    }

    static KernelError noKeyid(int count) {
        return KernelError.of(Errno.ENOSPC, "no free TDX guest KeyID (all %d are in use; tdx_guest_keyid_alloc)", count);
    }
}
