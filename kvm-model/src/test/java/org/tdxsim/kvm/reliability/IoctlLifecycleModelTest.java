package org.tdxsim.kvm.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.Tuple;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;
import org.tdxsim.kvm.sim.SimulatedKernel;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.Ioctls;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.kvm.uapi.KvmCreateGuestMemfd;
import org.tdxsim.kvm.uapi.KvmEnableCap;
import org.tdxsim.kvm.uapi.KvmMemoryAttributes;
import org.tdxsim.kvm.uapi.KvmTdxCapabilities;
import org.tdxsim.kvm.uapi.KvmTdxCmd;
import org.tdxsim.kvm.uapi.KvmTdxInitMemRegion;
import org.tdxsim.kvm.uapi.KvmTdxInitVm;
import org.tdxsim.kvm.uapi.KvmUserspaceMemoryRegion2;
import org.tdxsim.module.TdxModule;

/**
 * Stateful model-based test at ioctl level: random chains of KVM_CREATE_VM, KVM_ENABLE_CAP(SPLIT_IRQCHIP),
 * KVM_TDX_CAPABILITIES, KVM_TDX_INIT_VM, KVM_CREATE_VCPU, KVM_TDX_GET_CPUID, KVM_SET_CPUID2 (with and
 * without X2APIC), KVM_TDX_INIT_VCPU, guest_memfd memory setup, KVM_TDX_INIT_MEM_REGION, KVM_TDX_FINALIZE_VM,
 * KVM_RUN and close of VM/vCPU/guest_memfd fds, in any order, over raw ioctls with well-formed
 * arguments, checked against a small independent model of the uapi ordering rules (kvm-tdx-uapi.md §6
 * "What the code actually enforces", §3.1 dispatch, §3.3 per sub-command, §3.2 FINALIZE failure bugs
 * the VM; KeyID per initialised TD until the VM's last fd is closed).
 *
 * <p>Property: every ioctl returns exactly the result class the model predicts (success or the errno),
 * and after every step the kernel's own accounting (open fds, KeyIDs, module HKIDs and TDs, each open
 * VM's TD state) equals the model's. Zero divergences is the pass criterion.
 */
class IoctlLifecycleModelTest {

    enum Op { CREATE_VM, SPLIT_IRQCHIP, CAPABILITIES, INIT_VM, CREATE_VCPU, GET_CPUID, SET_CPUID2, SET_CPUID2_NO_X2APIC,
        INIT_VCPU, SETUP_MEMORY, INIT_MEM_REGION, FINALIZE, RUN, CLOSE_VCPU, CLOSE_GMEM, CLOSE_VM }

    record Step(Op op, int vm, int vcpu, int n) {
        @Override
        public String toString() {
            return op + "(vm#" + vm + ", vcpu#" + vcpu + ", n=" + n + ")";
        }
    }

    /** The model (uapi §6 table): what the kernel must answer. */
    static final class MVcpu {
        final int fd;
        final int id;
        boolean open = true;
        boolean x2apic;
        boolean cpuidSet;
        boolean initialized;

        MVcpu(int fd, int id) {
            this.fd = fd;
            this.id = id;
        }
    }

    static final class MVm {
        final int fd;
        boolean open = true;
        boolean destroyed;
        boolean split;
        /** 0 UNINITIALIZED, 1 INITIALIZED, 2 RUNNABLE (§0). */
        int state;
        boolean bugged;
        boolean keyid;
        final List<MVcpu> vcpus = new ArrayList<>();
        int gmemFd = -1;
        boolean gmemOpen;
        boolean memory;
        final boolean[] populated = new boolean[8];

        MVm(int fd) {
            this.fd = fd;
        }

        int refs() {
            int r = open ? 1 : 0;
            for (MVcpu v : vcpus) {
                r += v.open ? 1 : 0;
            }
            return r + (gmemOpen ? 1 : 0);
        }
    }

    static final class Sut {
        final SimulatedKernel k = TdFlow.kernel();
        final Arena arena = k.memory().openArena();
        final int dev = k.open("/dev/kvm");
        final List<MVm> vms = new ArrayList<>();
        final List<String> log = new ArrayList<>();
        KvmTdxCapabilities caps;
        KvmCpuid2 initCpuid;
        KvmCpuid2 x2apic;
        int tdSharedBit;
        int vcpuSharedBit;
        KvmCpuid2 noX2apic;
        MemorySegment source;

        Sut() {
            source = arena.allocate(8 * 4096L, 4096);
        }

        /** 0x80000008 EAX[23:16], or 0 when the leaf is absent or above the max extended leaf (§4.5). */
        static int guestPhysBits(KvmCpuid2 c) {
            int maxExt = c.entries().stream().filter(e -> e.function() == 0x80000000).mapToInt(KvmCpuidEntry2::eax)
                    .findFirst().orElse(0);
            if (Integer.compareUnsigned(maxExt, 0x80000008) < 0) {
                return guestPhysBitsIgnoringMax(c);
            }
            return c.entries().stream().filter(e -> e.function() == 0x80000008).mapToInt(e -> e.eax() >>> 16 & 0xFF)
                    .findFirst().orElse(0);
        }

        private static int guestPhysBitsIgnoringMax(KvmCpuid2 c) {
            // the INIT_VM table: KVM reads 0x80000008 directly (§4.1), no max-leaf test
            return c.entries().stream().filter(e -> e.function() == 0x80000008).mapToInt(e -> e.eax() >>> 16 & 0xFF)
                    .findFirst().orElse(0);
        }

        long ioctl(int fd, long request, long arg) {
            return k.ioctl(fd, request, arg);
        }

        MVm vm(int i) {
            return vms.isEmpty() ? null : vms.get(Math.floorMod(i, vms.size()));
        }

        MVcpu vcpu(MVm vm, int i) {
            return vm == null || vm.vcpus.isEmpty() ? null : vm.vcpus.get(Math.floorMod(i, vm.vcpus.size()));
        }

        /** Generic gate of every VM/vCPU ioctl: closed fd → EBADF; bugged VM → EIO. */
        static Errno gate(boolean open, MVm vm) {
            if (!open) {
                return Errno.EBADF;
            }
            return vm.bugged ? Errno.EIO : null;
        }

        long tdxCmd(int fd, int id, int flags, long data) {
            MemorySegment cmd = new KvmTdxCmd(id, flags, data, 0).encode(arena);
            return ioctl(fd, Ioctls.KVM_MEMORY_ENCRYPT_OP, cmd.address());
        }

        /** The next step of the documented flow (§6) for one VM, so chains often reach RUNNABLE. */
        Step progress(int pick) {
            List<Integer> live = new ArrayList<>();
            for (int i = 0; i < vms.size(); i++) {
                if (vms.get(i).open && !vms.get(i).bugged) {
                    live.add(i);
                }
            }
            if (live.isEmpty() || (live.size() < 3 && pick % 17 == 0)) {
                return new Step(Op.CREATE_VM, 0, 0, 0);
            }
            int i = live.get(Math.floorMod(pick, live.size()));
            MVm vm = vms.get(i);
            if (caps == null) {
                return new Step(Op.CAPABILITIES, i, 0, 0);
            }
            if (!vm.split) {
                return new Step(Op.SPLIT_IRQCHIP, i, 0, 0);
            }
            if (vm.state == 0) {
                return new Step(Op.INIT_VM, i, 0, 0);
            }
            if (vm.state == 2) {
                return new Step(pick % 3 == 0 ? Op.CLOSE_VM : Op.RUN, i, 0, 0);
            }
            for (int j = 0; j < vm.vcpus.size(); j++) {
                MVcpu c = vm.vcpus.get(j);
                if (c.open && !c.initialized) {
                    return new Step(c.x2apic ? Op.INIT_VCPU : (pick % 5 == 0 ? Op.GET_CPUID : Op.SET_CPUID2), i, j, 0);
                }
            }
            if (vm.vcpus.size() < 2 && (vm.vcpus.isEmpty() || pick % 4 == 0)) {
                return new Step(Op.CREATE_VCPU, i, 0, vm.vcpus.size());
            }
            if (!vm.memory) {
                return new Step(Op.SETUP_MEMORY, i, 0, 0);
            }
            int firstInit = 0;
            while (firstInit < vm.vcpus.size() && !vm.vcpus.get(firstInit).initialized) {
                firstInit++;
            }
            for (int p = 0; p < 8 && firstInit < vm.vcpus.size(); p++) {
                if (!vm.populated[p] && pick % 3 != 0) {
                    return new Step(Op.INIT_MEM_REGION, i, firstInit, p);
                }
            }
            return new Step(Op.FINALIZE, i, 0, 0);
        }

        void step(Step s) {
            MVm vm = vm(s.vm());
            MVcpu v = vcpu(vm, s.vcpu());
            int targetFd = -1;
            boolean targetOpen = true;
            switch (s.op()) {
                case CREATE_VM -> { }
                case GET_CPUID, INIT_VCPU, INIT_MEM_REGION, SET_CPUID2, SET_CPUID2_NO_X2APIC, RUN, CLOSE_VCPU -> {
                    if (v != null) {
                        targetFd = v.fd;
                        targetOpen = v.open;
                    }
                }
                case CLOSE_GMEM -> {
                    if (vm != null && vm.gmemFd >= 0) {
                        targetFd = vm.gmemFd;
                        targetOpen = vm.gmemOpen;
                    }
                }
                default -> {
                    if (vm != null) {
                        targetFd = vm.fd;
                        targetOpen = vm.open;
                    }
                }
            }
            boolean isClose = s.op() == Op.CLOSE_VCPU || s.op() == Op.CLOSE_GMEM || s.op() == Op.CLOSE_VM;
            // A closed handle is probed for EBADF only while its number is not in use by a newer file;
            // closing a closed handle again is skipped (it could close a newer file with the same number).
            if (targetFd >= 0 && !targetOpen && (isClose || reused(targetFd))) {
                return;
            }
            Errno expect;
            long r;
            String what = s.toString();
            switch (s.op()) {
                case CREATE_VM -> {
                    long type = s.n() % 5 == 4 ? 7 : KvmConstants.KVM_X86_TDX_VM;
                    expect = type == KvmConstants.KVM_X86_TDX_VM ? null : Errno.EINVAL;
                    r = ioctl(dev, Ioctls.KVM_CREATE_VM, type);
                    if (r >= 0) {
                        vms.add(new MVm((int) r));
                    }
                }
                case SPLIT_IRQCHIP -> {
                    if (vm == null) {
                        return;
                    }
                    expect = gate(vm.open, vm);
                    if (expect == null && (vm.split || !vm.vcpus.isEmpty())) {
                        expect = Errno.EEXIST;
                    }
                    r = ioctl(vm.fd, Ioctls.KVM_ENABLE_CAP,
                            KvmEnableCap.of(KvmConstants.KVM_CAP_SPLIT_IRQCHIP, 24).encode(arena).address());
                    if (r >= 0) {
                        vm.split = true;
                    }
                }
                case CAPABILITIES -> {
                    if (vm == null) {
                        return;
                    }
                    expect = gate(vm.open, vm); // §3.3: no TD-state check, usable any time
                    MemorySegment buf = KvmTdxCapabilities.FAM.allocate(arena, 64);
                    r = tdxCmd(vm.fd, KvmConstants.KVM_TDX_CAPABILITIES, 0, buf.address());
                    if (r >= 0 && caps == null) {
                        caps = KvmTdxCapabilities.decode(buf);
                        var kvm = org.tdxsim.kvm.Kvm.open(k);
                        KvmCpuid2 supported = kvm.getSupportedCpuid(KvmConstants.KVM_MAX_CPUID_ENTRIES);
                        kvm.close();
                        initCpuid = TdFlow.filter(supported, caps);
                        tdSharedBit = guestPhysBits(initCpuid) == 52 ? 51 : 47; // §4.1
                        // the vCPU tables: the TD's CPUID with X2APIC (CPUID.1:ECX[21], fixed-1 for TDs, not in
                        // the configurable masks CAPABILITIES reports) set, and the same without it
                        List<KvmCpuidEntry2> with = new ArrayList<>();
                        List<KvmCpuidEntry2> without = new ArrayList<>();
                        for (KvmCpuidEntry2 x : supported.entries()) {
                            with.add(x.function() == 1 ? x.withRegisters(x.eax(), x.ebx(), x.ecx() | 1 << 21, x.edx()) : x);
                            without.add(x.function() == 1 ? x.withRegisters(x.eax(), x.ebx(), x.ecx() & ~(1 << 21), x.edx()) : x);
                        }
                        x2apic = KvmCpuid2.of(with);
                        noX2apic = KvmCpuid2.of(without);
                        // §4.5: the vCPU's TDP root level from its CPUID's EAX[23:16]; the GNR host has 5-level EPT
                        int maxpa = guestPhysBits(x2apic);
                        vcpuSharedBit = maxpa > 48 ? 51 : 47;
                    }
                }
                case INIT_VM -> {
                    if (vm == null || caps == null) {
                        return;
                    }
                    expect = gate(vm.open, vm);
                    if (expect == null && vm.state != 0) {
                        expect = Errno.EINVAL; // §3.3 INIT_VM step 1
                    }
                    KvmTdxInitVm req = KvmTdxInitVm.of(TdFlow.SEPT_VE_DISABLE & caps.supportedAttrs(), caps.supportedXfam(),
                            initCpuid);
                    r = tdxCmd(vm.fd, KvmConstants.KVM_TDX_INIT_VM, 0, req.encode(arena).address());
                    if (r >= 0) {
                        vm.state = 1;
                        vm.keyid = true;
                    }
                }
                case CREATE_VCPU -> {
                    if (vm == null) {
                        return;
                    }
                    int id = s.n() % 4;
                    expect = gate(vm.open, vm);
                    if (expect == null && vm.state != 1) {
                        expect = Errno.EIO; // §3.3 "Other ioctls": TD state ≠ INITIALIZED
                    } else if (expect == null && !vm.split) {
                        expect = Errno.EINVAL;
                    } else if (expect == null && vm.vcpus.stream().anyMatch(x -> x.id == id)) {
                        expect = Errno.EEXIST;
                    }
                    r = ioctl(vm.fd, Ioctls.KVM_CREATE_VCPU, id);
                    if (r >= 0) {
                        vm.vcpus.add(new MVcpu((int) r, id));
                    }
                }
                case GET_CPUID, INIT_VCPU, INIT_MEM_REGION -> {
                    if (v == null) {
                        return;
                    }
                    expect = gate(v.open, vm);
                    // §3.1 vCPU path: TD not INIT_VM'd or already RUNNABLE, before reading the command
                    if (expect == null && vm.state != 1) {
                        expect = Errno.EINVAL;
                    }
                    if (s.op() == Op.GET_CPUID) {
                        MemorySegment buf = KvmCpuid2.FAM.allocate(arena, 256);
                        r = tdxCmd(v.fd, KvmConstants.KVM_TDX_GET_CPUID, 0, buf.address());
                    } else if (s.op() == Op.INIT_VCPU) {
                        if (expect == null && (v.initialized || !v.x2apic)) {
                            expect = Errno.EINVAL; // §3.3 INIT_VCPU steps 1-2
                        }
                        r = tdxCmd(v.fd, KvmConstants.KVM_TDX_INIT_VCPU, 0, TdFlow.HOB_GPA);
                        if (r >= 0) {
                            v.initialized = true;
                        }
                    } else {
                        int page = s.n() % 8;
                        if (expect == null && !v.initialized) {
                            expect = Errno.EINVAL; // §3.3 INIT_MEM_REGION step 1
                        } else if (expect == null && vcpuSharedBit != tdSharedBit) {
                            expect = Errno.EIO; // 6.16 kvm_mmu_reload → tdx_load_mmu_pgd KVM_BUG_ON (§4.5)
                            vm.bugged = true;
                        } else if (expect == null && !vm.memory) {
                            expect = Errno.EINVAL; // not in a guest_memfd-backed memslot
                        } else if (expect == null && vm.populated[page]) {
                            expect = Errno.EEXIST; // populate of a populated page (sim's choice; spec §11 gap)
                        }
                        KvmTdxInitMemRegion reg = new KvmTdxInitMemRegion(source.address() + page * 4096L,
                                TdFlow.MEM_BASE + page * 4096L, 1);
                        r = tdxCmd(v.fd, KvmConstants.KVM_TDX_INIT_MEM_REGION, KvmConstants.KVM_TDX_MEASURE_MEMORY_REGION,
                                reg.encode(arena).address());
                        if (r >= 0) {
                            vm.populated[page] = true;
                        }
                    }
                }
                case SET_CPUID2, SET_CPUID2_NO_X2APIC -> {
                    if (v == null || initCpuid == null) {
                        return;
                    }
                    expect = gate(v.open, vm); // §5.4: no TDX-specific validation
                    boolean x2 = s.op() == Op.SET_CPUID2;
                    r = ioctl(v.fd, Ioctls.KVM_SET_CPUID2, (x2 ? x2apic : noX2apic).encode(arena).address());
                    if (r >= 0) {
                        v.x2apic = x2;
                        v.cpuidSet = true;
                    }
                }
                case SETUP_MEMORY -> {
                    if (vm == null || vm.memory) {
                        return;
                    }
                    expect = gate(vm.open, vm);
                    r = ioctl(vm.fd, Ioctls.KVM_CREATE_GUEST_MEMFD, KvmCreateGuestMemfd.of(8 * 4096L, 0).encode(arena).address());
                    if (r >= 0) {
                        vm.gmemFd = (int) r;
                        vm.gmemOpen = true;
                        MemorySegment shared = arena.allocate(8 * 4096L, 4096);
                        r = ioctl(vm.fd, Ioctls.KVM_SET_USER_MEMORY_REGION2, KvmUserspaceMemoryRegion2.of(0,
                                KvmConstants.KVM_MEM_GUEST_MEMFD, TdFlow.MEM_BASE, 8 * 4096L, shared.address(), 0,
                                vm.gmemFd).encode(arena).address());
                        what += " memslot";
                        if (r >= 0) {
                            r = ioctl(vm.fd, Ioctls.KVM_SET_MEMORY_ATTRIBUTES, new KvmMemoryAttributes(TdFlow.MEM_BASE,
                                    8 * 4096L, KvmConstants.KVM_MEMORY_ATTRIBUTE_PRIVATE, 0).encode(arena).address());
                            what += "+attributes";
                        }
                        if (r >= 0) {
                            vm.memory = true;
                        }
                    }
                }
                case FINALIZE -> {
                    if (vm == null) {
                        return;
                    }
                    expect = gate(vm.open, vm);
                    if (expect == null && vm.state != 1) {
                        expect = Errno.EINVAL; // §3.3 FINALIZE step 1
                    } else if (expect == null && vm.vcpus.stream().noneMatch(x -> x.initialized)) {
                        expect = Errno.EIO; // TDH.MR.FINALIZE fails (TDX_NO_VCPUS, abi §7.3) → -EIO, VM bugged (§3.2)
                        vm.bugged = true;
                    }
                    r = tdxCmd(vm.fd, KvmConstants.KVM_TDX_FINALIZE_VM, 0, 0);
                    if (r >= 0) {
                        vm.state = 2;
                    }
                }
                case RUN -> {
                    if (v == null) {
                        return;
                    }
                    expect = gate(v.open, vm);
                    if (expect == null) {
                        // §6: KVM_RUN needs the vCPU initialised and the TD finalized; past that the simulator
                        // answers EOPNOTSUPP (guest execution is not simulated)
                        expect = v.initialized && vm.state == 2 ? Errno.EOPNOTSUPP : Errno.EINVAL;
                    }
                    r = ioctl(v.fd, Ioctls.KVM_RUN, 0);
                }
                case CLOSE_VCPU, CLOSE_GMEM, CLOSE_VM -> {
                    if (vm == null) {
                        return;
                    }
                    int fd;
                    if (s.op() == Op.CLOSE_VCPU) {
                        if (v == null) {
                            return;
                        }
                        fd = v.fd;
                        v.open = false;
                    } else if (s.op() == Op.CLOSE_GMEM) {
                        if (vm.gmemFd < 0) {
                            return;
                        }
                        fd = vm.gmemFd;
                        vm.gmemOpen = false;
                    } else {
                        fd = vm.fd;
                        vm.open = false;
                    }
                    expect = null;
                    r = k.close(fd);
                    if (vm.refs() == 0) {
                        vm.destroyed = true;
                        vm.keyid = false;
                    }
                }
                default -> throw new IllegalStateException();
            }
            log.add(what + " -> " + (r >= 0 ? "ok" : Errno.nameOf((int) -r)));
            Errno got = r >= 0 ? null : Errno.fromResult(r).orElseThrow();
            net.jqwik.api.statistics.Statistics.label("ioctl").collect(s.op() + " -> " + (expect == null ? "ok" : expect));
            assertThat(got).as("%s: model expects %s, kernel returned %s (%s)%nhistory:%n%s", what,
                    expect == null ? "success" : "-" + expect, r, explain(targetFd),
                    String.join("\n", log)).isEqualTo(expect);
        }

        private String explain(int fd) {
            return k.lastExplanation(fd < 0 ? dev : fd).orElse("-");
        }

        /** True if an open file of the model currently has fd number {@code fd}. */
        boolean reused(int fd) {
            for (MVm vm : vms) {
                if ((vm.open && vm.fd == fd) || (vm.gmemOpen && vm.gmemFd == fd)) {
                    return true;
                }
                for (MVcpu c : vm.vcpus) {
                    if (c.open && c.fd == fd) {
                        return true;
                    }
                }
            }
            return false;
        }

        void invariants() {
            TdxModule m = TdFlow.module(k);
            long keyids = vms.stream().filter(x -> x.keyid).count();
            assertThat(k.keyidsInUse()).as("KeyIDs").isEqualTo(keyids);
            assertThat(m.hkidsInUse()).as("module HKIDs").isEqualTo(1 + keyids);
            assertThat(m.liveTds()).as("module TDs").isEqualTo(keyids);
            int fds = 1;
            for (MVm vm : vms) {
                fds += vm.refs();
                if (vm.open) {
                    assertThat(k.vmView(vm.fd).orElseThrow().tdState()).as("TD state of fd %d", vm.fd)
                            .isEqualTo(List.of("UNINITIALIZED", "INITIALIZED", "RUNNABLE").get(vm.state));
                }
            }
            assertThat(k.openFds()).as("open fds").isEqualTo(fds);
        }

        /** Closes what is still open; the kernel must then be clean. */
        void finish() {
            k.close();
            arena.close();
            TdxModule m = TdFlow.module(k);
            assertThat(k.keyidsInUse()).isZero();
            assertThat(m.hkidsInUse()).isEqualTo(1);
            assertThat(m.liveTds()).isZero();
            assertThat(m.assignedPages()).isEmpty();
            assertThat(m.memory().allocatedPages()).isZero();
        }
    }

    static Arbitrary<Step> steps() {
        Arbitrary<Op> ops = Arbitraries.frequency(
                Tuple.of(3, Op.CREATE_VM), Tuple.of(4, Op.SPLIT_IRQCHIP), Tuple.of(4, Op.CAPABILITIES),
                Tuple.of(5, Op.INIT_VM), Tuple.of(6, Op.CREATE_VCPU), Tuple.of(4, Op.GET_CPUID), Tuple.of(6, Op.SET_CPUID2),
                Tuple.of(2, Op.SET_CPUID2_NO_X2APIC), Tuple.of(6, Op.INIT_VCPU), Tuple.of(3, Op.SETUP_MEMORY),
                Tuple.of(6, Op.INIT_MEM_REGION), Tuple.of(3, Op.FINALIZE), Tuple.of(2, Op.RUN), Tuple.of(1, Op.CLOSE_VCPU),
                Tuple.of(1, Op.CLOSE_GMEM), Tuple.of(1, Op.CLOSE_VM));
        Arbitrary<Integer> idx = Arbitraries.integers().between(0, 15);
        return net.jqwik.api.Combinators.combine(ops, idx, idx, idx).as(Step::new);
    }

    static final class StepAction implements Action.Independent<Sut> {
        @Override
        public Arbitrary<Transformer<Sut>> transformer() {
            return steps().map(s -> Transformer.mutate(s.toString(), sut -> sut.step(s)));
        }
    }

    static final class ProgressAction implements Action.Independent<Sut> {
        @Override
        public Arbitrary<Transformer<Sut>> transformer() {
            return Arbitraries.integers().between(0, 1 << 16)
                    .map(pick -> Transformer.mutate("progress#" + pick, sut -> sut.step(sut.progress(pick))));
        }
    }

    static Arbitrary<ActionChain<Sut>> chains(int max) {
        return ActionChain.startWith(Sut::new).withAction(2, new StepAction()).withAction(3, new ProgressAction())
                .withMaxTransformations(max);
    }

    @Provide
    Arbitrary<ActionChain<Sut>> chains() {
        return chains(60);
    }

    @Provide
    Arbitrary<ActionChain<Sut>> longChains() {
        return chains(300);
    }

    /** Property: the simulated kernel follows the uapi §6 ordering model on every ioctl of every chain. */
    @Property(tries = 120)
    void ioctlOrderingMatchesModel(@ForAll("chains") ActionChain<Sut> chain) {
        Sut end = chain.withInvariant("accounting", Sut::invariants).run();
        end.finish();
    }

    /** Long profile: 1,000 chains of up to 300 ioctls. */
    @Property(tries = 1000)
    @Tag("long")
    void ioctlOrderingMatchesModelLong(@ForAll("longChains") ActionChain<Sut> chain) {
        Sut end = chain.withInvariant("accounting", Sut::invariants).run();
        end.finish();
    }
}
