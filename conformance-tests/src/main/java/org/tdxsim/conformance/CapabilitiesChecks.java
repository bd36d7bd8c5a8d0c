package org.tdxsim.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tdxsim.conformance.KvmAssert.failsInKvm;
import static org.tdxsim.conformance.KvmAssert.succeeds;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.tdxsim.kvm.VmFd;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.Ioctls;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.kvm.uapi.KvmTdxCapabilities;
import org.tdxsim.kvm.uapi.KvmTdxCmd;
import org.tdxsim.module.cpuid.CpuidLeaf;
import org.tdxsim.module.profile.ModuleProfile;

/** KVM_TDX_CAPABILITIES: what KVM reports and the E2BIG protocol (uapi §3.3, §4.3, §5.1). */
@DisplayName("CapabilitiesChecks")
public class CapabilitiesChecks extends TargetedChecks {

    /** CPUID.7.0 EBX bit 4 (HLE), bit 11 (RTM); ECX bit 5 (WAITPKG). */
    static final int EBX_HLE = 1 << 4;
    static final int EBX_RTM = 1 << 11;
    static final int ECX_WAITPKG = 1 << 5;

    @Test
    @DisplayName("supported_attrs ⊆ KVM's SEPT_VE_DISABLE and the module's ATTRIBUTES_FIXED0; neither it nor supported_xfam is 0 (uapi §5.1, §3.3.5)")
    void supportedAttrsWithinMasks() {
        KvmTdxCapabilities caps = host.caps();
        assertThat(caps.supportedAttrs()).as("supported_attrs (uapi §3.3 CAPABILITIES step 5: 0 → -EIO)").isNotZero();
        assertThat(caps.supportedXfam()).as("supported_xfam (uapi §3.3 CAPABILITIES step 5)").isNotZero();
        assertThat(caps.supportedAttrs() & ~Host.ATTR_SEPT_VE_DISABLE)
                .as("supported_attrs 0x%x outside KVM_SUPPORTED_TD_ATTRS = SEPT_VE_DISABLE (uapi §5.1)",
                        caps.supportedAttrs()).isZero();
        host.target().module().ifPresent(m -> {
            long fixed0 = attributesFixed0(m);
            assertThat(caps.supportedAttrs() & ~fixed0)
                    .as("supported_attrs 0x%x outside module %s ATTRIBUTES_FIXED0 0x%x (uapi §5.1)",
                            caps.supportedAttrs(), m.version(), fixed0).isZero();
        });
    }

    @Test
    @DisplayName("supported_xfam ⊆ TDX_XFAM_FIXED0 and ⊇ XFAM_FIXED1 (uapi §5.1, abi §4.1 row 9)")
    void supportedXfamWithinMasks() {
        long xfam = host.caps().supportedXfam();
        // TDX_XFAM_FIXED0 & (XCR0-supported | IA32_XSS-supported) of the CPU (abi §4.1 row 9).
        long fixed0 = host.target().module().flatMap(m -> optionalConstant(m, "TDX_XFAM_FIXED0")).orElse(0x6DBE7L)
                & host.target().platform().map(p -> p.supportedXcr0() | p.supportedXss()).orElse(-1L);
        assertThat(xfam & ~fixed0).as("supported_xfam 0x%x outside XFAM_FIXED0 0x%x", xfam, fixed0).isZero();
        assertThat(xfam & Host.XFAM_FIXED1).as("supported_xfam 0x%x must include XFAM_FIXED1 0x3 "
                + "(uapi §5.1: else reported as 0)", xfam).isEqualTo(Host.XFAM_FIXED1);
    }

    @Test
    @DisplayName("0x80000008 EAX[23:16] (GuestPhysBits) is reported configurable as 0xFF (uapi §4.3)")
    void guestPhysBitsReportedConfigurable() {
        KvmCpuidEntry2 e = host.capsEntry(Host.LEAF_ADDR_WIDTHS, 0).orElseThrow(() -> new AssertionError(
                "KVM_TDX_CAPABILITIES lists no leaf 0x80000008, so no INIT_VM can carry GuestPhysBits "
                        + "(uapi §4.1 requires the entry; §5.3 rejects unlisted leaves)"));
        assertThat((e.eax() >>> 16) & 0xFF).as("0x80000008 EAX[23:16] in KVM_TDX_CAPABILITIES").isEqualTo(0xFF);
    }

    @Test
    @DisplayName("HLE, RTM and WAITPKG are never reported configurable (uapi §4.3 tdx_clear_unsupported_cpuid)")
    void tsxAndWaitpkgNeverReported() {
        for (KvmCpuidEntry2 e : host.caps().cpuid().entries()) {
            if (e.function() == 7 && e.index() == 0) {
                assertThat(e.ebx() & (EBX_HLE | EBX_RTM)).as("CPUID.7.0 EBX HLE|RTM in caps").isZero();
                assertThat(e.ecx() & ECX_WAITPKG).as("CPUID.7.0 ECX WAITPKG in caps").isZero();
            }
        }
    }

    @Test
    @DisplayName("CPUID entries: flags 0, each leaf once, the module's CPUID_CONFIG list in order (uapi §4.3)")
    void entriesMirrorModuleConfigList() {
        KvmTdxCapabilities caps = host.caps();
        Set<Long> seen = new HashSet<>();
        Problems p = new Problems();
        for (KvmCpuidEntry2 e : caps.cpuid().entries()) {
            p.check(e.flags() == 0, "leaf 0x%x.%d has flags 0x%x", e.function(), e.index(), e.flags());
            p.check(seen.add((long) e.function() << 32 | e.index()), "leaf 0x%x.%d listed twice", e.function(), e.index());
        }
        p.check(caps.cpuid().entries().size() == caps.cpuid().nent(), "%d entries present, nent %d",
                caps.cpuid().entries().size(), caps.cpuid().nent());
        host.target().module().ifPresent(m -> {
            var config = m.cpuidConfigurable();
            p.check(caps.cpuid().nent() == config.size(), "nent %d, module %s NUM_CPUID_CONFIG %d",
                    caps.cpuid().nent(), m.version(), config.size());
            for (int i = 0; i < Math.min(config.size(), caps.cpuid().entries().size()); i++) {
                CpuidLeaf l = config.get(i).cpuidLeaf();
                KvmCpuidEntry2 e = caps.cpuid().entries().get(i);
                int index = l.subleaf() == CpuidLeaf.SUBLEAF_NA ? 0 : l.subleaf();
                p.check(e.function() == l.leaf() && e.index() == index, "entry %d is 0x%x.%d, module slot %d is 0x%x.%d",
                        i, e.function(), e.index(), i, l.leaf(), index);
            }
        });
        p.assertNone();
    }

    @Test
    @DisplayName("E2BIG when nent is below the module's count, and nent is left as the caller wrote it (uapi §3.3.4)")
    void e2bigLeavesNentUnchanged() {
        int count = host.caps().cpuid().nent();
        VmFd vm = host.createBareTd();
        try (Arena a = host.backend().memory().openArena()) {
            for (int nent : new int[] {0, count - 1}) {
                MemorySegment buf = KvmTdxCapabilities.FAM.allocate(a, Math.max(nent, 1));
                KvmTdxCapabilities.FAM.setCount(buf, nent);
                failsInKvm(Errno.E2BIG, "uapi §3.3 CAPABILITIES step 4: nent " + nent + " < " + count,
                        () -> vm.memoryEncryptOp(KvmConstants.KVM_TDX_CAPABILITIES, 0, buf.address()));
                assertThat(KvmTdxCapabilities.FAM.count(buf))
                        .as("cpuid.nent after -E2BIG (KVM does not report the needed count)").isEqualTo(nent);
            }
            MemorySegment exact = KvmTdxCapabilities.FAM.allocate(a, count);
            KvmTdxCapabilities.FAM.setCount(exact, count);
            succeeds("nent = the module's count", () -> vm.memoryEncryptOp(KvmConstants.KVM_TDX_CAPABILITIES, 0, exact.address()));
        }
    }

    @Test
    @DisplayName("non-zero kvm_tdx_cmd.flags → EINVAL (uapi §3.3 CAPABILITIES step 1)")
    void flagsMustBeZero() {
        VmFd vm = host.createBareTd();
        try (Arena a = host.backend().memory().openArena()) {
            MemorySegment buf = KvmTdxCapabilities.FAM.allocate(a, 256);
            KvmTdxCapabilities.FAM.setCount(buf, 256);
            failsInKvm(Errno.EINVAL, "uapi §3.3 CAPABILITIES step 1: flags != 0",
                    () -> vm.memoryEncryptOp(KvmConstants.KVM_TDX_CAPABILITIES, 1, buf.address()));
        }
    }

    @Test
    @DisplayName("kvm_tdx_cmd.hw_error non-zero on input → EINVAL; an unknown sub-command id → EINVAL (uapi §3.1)")
    void dispatchRefusesBadCommands() {
        VmFd vm = host.createBareTd();
        try (Arena a = host.backend().memory().openArena()) {
            MemorySegment buf = KvmTdxCapabilities.FAM.allocate(a, 256);
            KvmTdxCapabilities.FAM.setCount(buf, 256);
            MemorySegment cmd = new KvmTdxCmd(KvmConstants.KVM_TDX_CAPABILITIES, 0, buf.address(), 1).encode(a);
            long r = vm.rawIoctl(Ioctls.KVM_MEMORY_ENCRYPT_OP, cmd.address());
            assertThat(r).as("KVM_MEMORY_ENCRYPT_OP with hw_error = 1 on input (uapi §3.1)")
                    .isEqualTo(Errno.EINVAL.negated());
            for (int id : new int[] {KvmConstants.KVM_TDX_CMD_NR_MAX, 0x7F, -1}) {
                failsInKvm(Errno.EINVAL, "uapi §3.1: unknown VM-fd sub-command id " + id,
                        () -> vm.memoryEncryptOp(id, 0, buf.address()));
            }
        }
    }

    @Test
    @DisplayName("reserved[250] comes back zeroed even if the caller's buffer held garbage (uapi §2, §3.3.6 6.16 fix)")
    void reservedIsZeroed() {
        VmFd vm = host.createBareTd();
        try (Arena a = host.backend().memory().openArena()) {
            MemorySegment buf = KvmTdxCapabilities.FAM.allocate(a, 256);
            buf.fill((byte) 0xA5);
            KvmTdxCapabilities.FAM.setCount(buf, 256);
            succeeds("KVM_TDX_CAPABILITIES", () -> vm.memoryEncryptOp(KvmConstants.KVM_TDX_CAPABILITIES, 0, buf.address()));
            for (int i = 0; i < KvmTdxCapabilities.RESERVED_WORDS; i++) {
                long w = buf.get(ValueLayout.JAVA_LONG_UNALIGNED, KvmTdxCapabilities.OFFSET_RESERVED + 8L * i);
                assertThat(w).as("reserved[%d]", i).isZero();
            }
        }
    }

    @Test
    @DisplayName("CAPABILITIES answers in every TD state: before and after INIT_VM and after FINALIZE (uapi §3.3 'no TD-state check')")
    void capabilitiesInEveryState() {
        var expected = host.caps();
        VmFd fresh = host.createTd();
        assertThat(org.tdxsim.kvm.QemuProtocols.tdxCapabilities(fresh)).as("before INIT_VM").isEqualTo(expected);
        VmFd fin = host.finalizedTd();
        assertThat(org.tdxsim.kvm.QemuProtocols.tdxCapabilities(fin)).as("after FINALIZE").isEqualTo(expected);
    }

    /**
     * The module's compile-time TDX_ATTRIBUTES_FIXED0 (abi §3.4 table; TDH.SYS.INIT may only clear bits
     * of it, e.g. LASS), from the module profile's constants.
     */
    static long attributesFixed0(ModuleProfile m) {
        return optionalConstant(m, "TDX_ATTRIBUTES_FIXED0")
                .orElseThrow(() -> new AssertionError("module profile " + m.version() + " has no TDX_ATTRIBUTES_FIXED0"));
    }

    static java.util.Optional<Long> optionalConstant(ModuleProfile m, String name) {
        var c = m.constant(name);
        return c.isPresent() ? java.util.Optional.of(c.getAsLong()) : java.util.Optional.empty();
    }
}
