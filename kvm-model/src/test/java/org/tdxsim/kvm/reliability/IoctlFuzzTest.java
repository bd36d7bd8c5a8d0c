package org.tdxsim.kvm.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.tdxsim.kvm.VcpuFd;
import org.tdxsim.kvm.sim.SimulatedKernel;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.Ioctls;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmTdxCapabilities;
import org.tdxsim.kvm.uapi.KvmTdxInitVm;
import org.tdxsim.module.TdxModule;

/**
 * Byte-level fuzzing of the simulated kernel's ioctl entry point, exactly where a fuzzer would hit the
 * real one: {@code ioctl(fd, request, arg)} with every request number the kernel knows (plus mutated and
 * random ones) on every kind of fd (/dev/kvm, plain VM, TDs in each state, initialised and fresh vCPUs,
 * guest_memfd, closed and bogus fds), with immediate arguments, bogus pointers, and pointers to buffers
 * holding random bytes or mutated well-formed structs — short buffers, huge {@code nent}, non-zero
 * reserved/padding, random flags, ids and sub-command ids, nested bogus pointers and fds.
 *
 * <p>Checked for every input: the call returns (never throws) either a non-negative result or
 * {@code -errno} with errno in the set the kernel gives for that ioctl on that fd (kvm-tdx-uapi.md §3.1,
 * §3.3 per sub-command, §3.3 "Other ioctls", §8; generic KVM dispatch for the rest — see {@link #allowed}),
 * and a failed call leaves a one-line explanation. After each epoch of inputs every fd is closed and the
 * kernel must be clean: the fd table holds exactly the fds the fuzzer was handed (no extra, none missing),
 * no KeyID, module HKID, TD, PAMT page or host page is left, and a fresh well-formed TD still comes up
 * and tears down clean.
 */
class IoctlFuzzTest {

    static final int EPOCH = 2_000;

    @Test
    void fuzzDefaultShare() {
        Figures f = fuzz(20_000, 0x5EED_0001L);
        System.out.println("[rel] ioctl fuzz: " + f);
    }

    @Test
    @Tag("long")
    void fuzzMillion() {
        Figures f = fuzz(1_000_000, 0x5EED_0002L);
        System.out.println("[rel] ioctl fuzz (long): " + f);
    }

    record Figures(long inputs, long successes, Map<String, Long> errnos, long epochs, long tdsCreatedByFuzz) {
        @Override
        public String toString() {
            return inputs + " inputs, " + successes + " succeeded, errnos " + errnos + ", " + epochs
                    + " epochs clean, " + tdsCreatedByFuzz + " TDs initialised by mutated inputs";
        }
    }

    enum FdClass { DEV, VM, VCPU, GMEM, BAD }

    /**
     * errnos the kernel gives per fd class and request (kvm-tdx-uapi.md; the generic dispatch defaults
     * are {@code kvm_dev_ioctl} → -EINVAL, {@code kvm_vm_ioctl} → -ENOTTY, {@code kvm_vcpu_ioctl} →
     * -EINVAL, a guest_memfd has no ioctls → -ENOTTY, a closed fd → -EBADF). EIO on VM/vCPU fds: a bugged
     * VM (§3.2, §3.3 "VM bugged"). EOPNOTSUPP for KVM_RUN past its preconditions is the simulator's
     * documented "guest execution not simulated" answer.
     */
    static Set<Errno> allowed(FdClass c, long request) {
        return switch (c) {
            case BAD -> EnumSet.of(Errno.EBADF);
            case GMEM -> EnumSet.of(Errno.ENOTTY);
            case DEV -> {
                if (request == Ioctls.KVM_GET_SUPPORTED_CPUID) {
                    yield EnumSet.of(Errno.EFAULT, Errno.E2BIG);
                }
                yield EnumSet.of(Errno.EINVAL);
            }
            case VM -> {
                EnumSet<Errno> s = EnumSet.of(Errno.EIO);
                if (request == Ioctls.KVM_CREATE_VCPU) {
                    s.addAll(EnumSet.of(Errno.EINVAL, Errno.EEXIST));
                } else if (request == Ioctls.KVM_ENABLE_CAP) {
                    s.addAll(EnumSet.of(Errno.EFAULT, Errno.EINVAL, Errno.EEXIST, Errno.ENXIO));
                } else if (request == Ioctls.KVM_SET_USER_MEMORY_REGION2) {
                    s.addAll(EnumSet.of(Errno.EFAULT, Errno.EINVAL, Errno.EEXIST, Errno.EBADF));
                } else if (request == Ioctls.KVM_CREATE_GUEST_MEMFD || request == Ioctls.KVM_SET_MEMORY_ATTRIBUTES) {
                    s.addAll(EnumSet.of(Errno.EFAULT, Errno.EINVAL));
                } else if (request == Ioctls.KVM_SET_TSC_KHZ) {
                    s.add(Errno.EINVAL);
                } else if (request == Ioctls.KVM_MEMORY_ENCRYPT_OP) {
                    // §3.1 dispatch, §3.2, §3.3 CAPABILITIES / INIT_VM / FINALIZE_VM
                    s.addAll(EnumSet.of(Errno.ENOTTY, Errno.EFAULT, Errno.EINVAL, Errno.E2BIG, Errno.EBUSY,
                            Errno.EAGAIN, Errno.ENOSPC, Errno.ENOMEM));
                } else if (request != Ioctls.KVM_CHECK_EXTENSION) {
                    s.add(Errno.ENOTTY);
                }
                yield s;
            }
            case VCPU -> {
                EnumSet<Errno> s = EnumSet.of(Errno.EIO);
                if (request == Ioctls.KVM_RUN) {
                    s.addAll(EnumSet.of(Errno.EINVAL, Errno.EOPNOTSUPP));
                } else if (request == Ioctls.KVM_SET_CPUID2) {
                    s.addAll(EnumSet.of(Errno.EFAULT, Errno.E2BIG, Errno.EINVAL));
                } else if (request == Ioctls.KVM_GET_CPUID2) {
                    s.addAll(EnumSet.of(Errno.EFAULT, Errno.E2BIG));
                } else if (request == Ioctls.KVM_MEMORY_ENCRYPT_OP) {
                    // §3.1 dispatch, §3.3 INIT_VCPU / INIT_MEM_REGION (populate: EEXIST, ENOMEM) / GET_CPUID
                    s.addAll(EnumSet.of(Errno.EINVAL, Errno.EFAULT, Errno.E2BIG, Errno.EBUSY, Errno.EEXIST,
                            Errno.ENOMEM));
                } else {
                    s.add(Errno.EINVAL);
                }
                yield s;
            }
        };
    }

    // ---------------------------------------------------------------- the fuzzer

    static Figures fuzz(int inputs, long seed) {
        SimulatedKernel k = TdFlow.kernel();
        Fuzzer f = new Fuzzer(k, new SplittableRandom(seed));
        long epochs = 0;
        for (int done = 0; done < inputs; done += EPOCH) {
            f.setUpWorld();
            for (int i = 0; i < Math.min(EPOCH, inputs - done); i++) {
                f.one();
            }
            f.tearDownWorld();
            assertClean(k, "after epoch " + epochs);
            epochs++;
        }
        try (TdFlow fresh = new TdFlow(k)) {
            fresh.all(2);
            assertThat(k.vmView(fresh.vm.fd()).orElseThrow().tdState()).isEqualTo("RUNNABLE");
        }
        assertClean(k, "after the final fresh TD");
        return new Figures(f.inputs, f.successes, f.errnoCounts, epochs, f.tdsInitialised);
    }

    static void assertClean(SimulatedKernel k, String when) {
        TdxModule m = TdFlow.module(k);
        assertThat(k.openFds()).as("open fds %s", when).isZero();
        assertThat(k.keyidsInUse()).as("KVM KeyIDs %s", when).isZero();
        assertThat(m.hkidsInUse()).as("module HKIDs %s (the global one only)", when).isEqualTo(1);
        assertThat(m.liveTds()).as("module TDs %s", when).isZero();
        assertThat(m.assignedPages()).as("PAMT pages %s", when).isEmpty();
        assertThat(m.memory().allocatedPages()).as("host pages %s", when).isZero();
        assertThat(k.memory().liveAllocations()).as("user allocations %s", when).isZero();
        assertThat(k.teardownLog().entries()).as("teardown SEAMCALLs %s", when).allSatisfy(e ->
                assertThat(e.success() || e.leaf().equals("TDH.VP.FLUSH")).as("%s", e).isTrue());
    }

    static final class Fuzzer {
        final SimulatedKernel k;
        final SplittableRandom rnd;
        final Map<Integer, FdClass> fds = new TreeMap<>();
        final List<TdFlow> flows = new ArrayList<>();
        final Map<String, Long> errnoCounts = new TreeMap<>();
        final List<Long> requests = new ArrayList<>(Ioctls.all().keySet());
        byte[] validInitVm;
        byte[] validCpuid;
        long inputs;
        long successes;
        long tdsInitialised;

        Fuzzer(SimulatedKernel k, SplittableRandom rnd) {
            this.k = k;
            this.rnd = rnd;
        }

        /** /dev/kvm, a plain VM, TDs uninitialised / initialised (+ memory, one vCPU done, one fresh) / runnable. */
        void setUpWorld() {
            TdFlow plain = new TdFlow(k);
            plain.vm = plain.kvm.createVm(KvmConstants.KVM_X86_DEFAULT_VM);
            TdFlow uninit = new TdFlow(k);
            uninit.vm = uninit.kvm.createVm(KvmConstants.KVM_X86_TDX_VM);
            uninit.vm.enableSplitIrqchip(24);
            TdFlow init = new TdFlow(k).createVm().initVm();
            init.vcpu(0);
            init.vcpus.add(init.vm.createVcpu(1));
            init.privateMemory(64);
            TdFlow runnable = new TdFlow(k).all(1);
            flows.addAll(List.of(plain, uninit, init, runnable));
            for (TdFlow f : flows) {
                fds.put(f.kvm.fd(), FdClass.DEV);
                if (f.vm != null) {
                    fds.put(f.vm.fd(), FdClass.VM);
                }
                for (VcpuFd v : f.vcpus) {
                    fds.put(v.fd(), FdClass.VCPU);
                }
                if (f.gmem != null) {
                    fds.put(f.gmem.fd(), FdClass.GMEM);
                }
            }
            try (Arena a = Arena.ofConfined()) {
                MemorySegment s = init.initVmRequest().encode(a);
                validInitVm = s.toArray(ValueLayout.JAVA_BYTE);
                MemorySegment c = KvmCpuid2.of(init.initCpuid.entries()).encode(a);
                validCpuid = c.toArray(ValueLayout.JAVA_BYTE);
            }
        }

        /** Closes every fd the fuzzer knows of with raw close(2); the flows' handles are abandoned. */
        void tearDownWorld() {
            for (var e : fds.entrySet()) {
                if (e.getValue() != FdClass.BAD) {
                    assertThat(k.close(e.getKey())).as("close(%d) of a %s", e.getKey(), e.getValue()).isZero();
                }
            }
            fds.clear();
            for (TdFlow f : flows) {
                f.arena.close();
            }
            flows.clear();
            k.teardownLog().clear();
        }

        int pickFd() {
            int r = rnd.nextInt(100);
            if (r < 3) {
                return new int[] {-1, 0, 1, 2, 4096, Integer.MAX_VALUE}[rnd.nextInt(6)];
            }
            List<Integer> open = new ArrayList<>();
            List<Integer> closed = new ArrayList<>();
            fds.forEach((fd, c) -> (c == FdClass.BAD ? closed : open).add(fd));
            if (open.isEmpty() || (r < 7 && !closed.isEmpty())) {
                return closed.isEmpty() ? -1 : closed.get(rnd.nextInt(closed.size()));
            }
            return open.get(rnd.nextInt(open.size()));
        }

        FdClass classOf(int fd) {
            return fds.getOrDefault(fd, FdClass.BAD);
        }

        long pickRequest() {
            int r = rnd.nextInt(100);
            long base = requests.get(rnd.nextInt(requests.size()));
            if (r < 80) {
                return base;
            }
            if (r < 90) {
                return base ^ (1L << rnd.nextInt(32));
            }
            if (r < 95) {
                return Ioctls.ioc(rnd.nextInt(4), Ioctls.KVMIO, rnd.nextInt(256), rnd.nextInt(0x4000));
            }
            return rnd.nextLong();
        }

        /** One input. */
        void one() {
            inputs++;
            if (rnd.nextInt(1000) < 3) {
                closeOne();
                return;
            }
            int fd = pickFd();
            FdClass c = classOf(fd);
            long request = pickRequest();
            long result;
            String input;
            try (Arena a = k.memory().openArena()) {
                long arg = arg(a, request);
                input = String.format("ioctl(fd %d [%s], %s, 0x%x)", fd, c, Ioctls.describe(request), arg);
                try {
                    result = k.ioctl(fd, request, arg);
                } catch (Throwable t) {
                    throw new AssertionError("input #" + inputs + " " + input + " threw " + t, t);
                }
            }
            if (result >= 0) {
                successes++;
                adopt(fd, c, request, result);
                return;
            }
            Errno e = Errno.fromResult(result).orElseThrow(() -> new AssertionError(input + " returned " + result));
            errnoCounts.merge(e.name(), 1L, Long::sum);
            assertThat(allowed(c, request)).as("input #%d %s returned -%s", inputs, input, e).contains(e);
            if (c != FdClass.BAD) {
                assertThat(k.lastExplanation(fd)).as("%s -> -%s has an explanation", input, e).isPresent()
                        .get().asString().isNotBlank();
            }
        }

        /** A successful create hands out a new fd; INIT_VM success is counted. */
        private void adopt(int fd, FdClass c, long request, long result) {
            if (c == FdClass.DEV && request == Ioctls.KVM_CREATE_VM) {
                fds.put((int) result, FdClass.VM);
            } else if (c == FdClass.VM && request == Ioctls.KVM_CREATE_VCPU) {
                fds.put((int) result, FdClass.VCPU);
            } else if (c == FdClass.VM && request == Ioctls.KVM_CREATE_GUEST_MEMFD) {
                fds.put((int) result, FdClass.GMEM);
            } else if (c == FdClass.VM && request == Ioctls.KVM_MEMORY_ENCRYPT_OP) {
                tdsInitialised++;
            } else if (c == FdClass.BAD) {
                throw new AssertionError("ioctl on closed/bogus fd " + fd + " succeeded: " + result);
            }
        }

        private void closeOne() {
            int fd = pickFd();
            FdClass c = classOf(fd);
            int r = k.close(fd);
            if (c == FdClass.BAD) {
                assertThat(r).as("close(%d) of a closed/bogus fd", fd).isEqualTo(Errno.EBADF.negated());
            } else {
                assertThat(r).as("close(%d) of a %s", fd, c).isZero();
                fds.put(fd, FdClass.BAD);
            }
        }

        // ------------------------------------------------------------ arguments

        long arg(Arena a, long request) {
            int r = rnd.nextInt(100);
            if (r < 20) {
                return immediate();
            }
            if (r < 28) {
                return bogusPointer();
            }
            byte[] payload = payload(a, request);
            return place(a, mutate(payload));
        }

        long immediate() {
            return switch (rnd.nextInt(6)) {
                case 0 -> rnd.nextInt(8);
                case 1 -> KvmConstants.KVM_X86_TDX_VM;
                case 2 -> -1L;
                case 3 -> 1L << rnd.nextInt(64);
                case 4 -> rnd.nextInt(300);
                default -> rnd.nextLong();
            };
        }

        long bogusPointer() {
            return switch (rnd.nextInt(5)) {
                case 0 -> 0;
                case 1 -> 1;
                case 2 -> 0xFFFF_FFFF_FFFF_F000L;
                case 3 -> Long.MIN_VALUE;
                default -> rnd.nextLong() & 0x7FFF_FFFF_FFFFL;
            };
        }

        /** Copies {@code bytes} into user memory; sometimes the allocation is cut short (a short buffer). */
        long place(Arena a, byte[] bytes) {
            int len = bytes.length;
            if (len > 0 && rnd.nextInt(8) == 0) {
                len = rnd.nextInt(len);
            }
            if (len == 0) {
                return bogusPointer();
            }
            MemorySegment s = a.allocate(len, 8);
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, s, 0, len);
            return s.address();
        }

        byte[] mutate(byte[] b) {
            int r = rnd.nextInt(100);
            if (r < 35 || b.length == 0) {
                return b;
            }
            byte[] out = b.clone();
            int n = 1 + rnd.nextInt(8);
            for (int i = 0; i < n; i++) {
                out[rnd.nextInt(out.length)] = (byte) rnd.nextInt(256);
            }
            return out;
        }

        private static void putInt(byte[] b, int off, int v) {
            for (int i = 0; i < 4 && off + i < b.length; i++) {
                b[off + i] = (byte) (v >>> (8 * i));
            }
        }

        private static void putLong(byte[] b, int off, long v) {
            for (int i = 0; i < 8 && off + i < b.length; i++) {
                b[off + i] = (byte) (v >>> (8 * i));
            }
        }

        int nent() {
            return switch (rnd.nextInt(6)) {
                case 0 -> 0;
                case 1 -> 1 + rnd.nextInt(40);
                case 2 -> 256;
                case 3 -> 257;
                case 4 -> rnd.nextInt();
                default -> rnd.nextInt(300);
            };
        }

        /** A kvm_cpuid2 of {@code entries} real entries and header nent {@code nent}. */
        byte[] cpuid2(int nent, int entries) {
            int have = Math.min(entries, (validCpuid.length - 8) / 40);
            byte[] b = new byte[8 + 40 * Math.max(0, entries)];
            System.arraycopy(validCpuid, 8, b, 8, 40 * have);
            putInt(b, 0, nent);
            if (rnd.nextInt(10) == 0) {
                putInt(b, 4, rnd.nextInt());
            }
            return b;
        }

        byte[] payload(Arena a, long request) {
            if (request == Ioctls.KVM_MEMORY_ENCRYPT_OP) {
                return tdxCmd(a);
            }
            if (request == Ioctls.KVM_SET_CPUID2 || request == Ioctls.KVM_GET_CPUID2
                    || request == Ioctls.KVM_GET_SUPPORTED_CPUID) {
                int entries = rnd.nextInt(4) == 0 ? rnd.nextInt(300) : (validCpuid.length - 8) / 40;
                return cpuid2(rnd.nextInt(3) == 0 ? nent() : entries, entries);
            }
            if (request == Ioctls.KVM_ENABLE_CAP) {
                byte[] b = new byte[104];
                putInt(b, 0, new int[] {121, 237, 201, 66, rnd.nextInt()}[rnd.nextInt(5)]);
                putInt(b, 4, rnd.nextInt(4) == 0 ? rnd.nextInt() : 0);
                putLong(b, 8, rnd.nextInt(3) == 0 ? rnd.nextLong() : rnd.nextInt(5000));
                return b;
            }
            if (request == Ioctls.KVM_SET_USER_MEMORY_REGION2) {
                byte[] b = new byte[160];
                putInt(b, 0, rnd.nextInt(4) == 0 ? rnd.nextInt() : rnd.nextInt(4));
                putInt(b, 4, new int[] {0, 4, 1, 2, rnd.nextInt()}[rnd.nextInt(5)]);
                putLong(b, 8, rnd.nextInt(3) == 0 ? rnd.nextLong() : (long) rnd.nextInt(64) << 21);
                putLong(b, 16, rnd.nextInt(3) == 0 ? rnd.nextLong() : (long) rnd.nextInt(64) << 12);
                putLong(b, 24, rnd.nextInt(2) == 0 ? a.allocate(1 << 16, 4096).address() : rnd.nextLong());
                putLong(b, 32, rnd.nextInt(3) == 0 ? rnd.nextLong() : (long) rnd.nextInt(64) << 12);
                putInt(b, 40, rnd.nextInt(3) == 0 ? rnd.nextInt() : pickFd());
                return b;
            }
            if (request == Ioctls.KVM_CREATE_GUEST_MEMFD) {
                byte[] b = new byte[64];
                putLong(b, 0, rnd.nextInt(3) == 0 ? rnd.nextLong() : (long) rnd.nextInt(64) << 12);
                putLong(b, 8, rnd.nextInt(4) == 0 ? rnd.nextLong() : 0);
                return b;
            }
            if (request == Ioctls.KVM_SET_MEMORY_ATTRIBUTES) {
                byte[] b = new byte[32];
                putLong(b, 0, rnd.nextInt(3) == 0 ? rnd.nextLong() : TdFlow.MEM_BASE + ((long) rnd.nextInt(64) << 12));
                putLong(b, 8, rnd.nextInt(3) == 0 ? rnd.nextLong() : (long) rnd.nextInt(64) << 12);
                putLong(b, 16, rnd.nextInt(3) == 0 ? rnd.nextLong() : rnd.nextInt(2) * 8L);
                putLong(b, 24, rnd.nextInt(5) == 0 ? rnd.nextLong() : 0);
                return b;
            }
            byte[] b = new byte[rnd.nextInt(300)];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) rnd.nextInt(256);
            }
            return b;
        }

        /** A kvm_tdx_cmd whose data points at a (mutated) sub-command payload. */
        byte[] tdxCmd(Arena a) {
            int id = rnd.nextInt(10) == 0 ? rnd.nextInt() : rnd.nextInt(7);
            int flags = switch (rnd.nextInt(6)) {
                case 0 -> 1;
                case 1 -> rnd.nextInt();
                default -> 0;
            };
            long data;
            int sub = rnd.nextInt(100);
            if (sub < 10) {
                data = immediate();
            } else if (sub < 15) {
                data = bogusPointer();
            } else {
                data = place(a, mutate(subPayload(a, rnd.nextInt(5) == 0 ? rnd.nextInt(6) : id)));
            }
            byte[] b = new byte[24];
            putInt(b, 0, id);
            putInt(b, 4, flags);
            putLong(b, 8, data);
            putLong(b, 16, rnd.nextInt(12) == 0 ? rnd.nextLong() : 0);
            return b;
        }

        byte[] subPayload(Arena a, int id) {
            return switch (id) {
                case KvmConstants.KVM_TDX_CAPABILITIES -> {
                    int cap = rnd.nextInt(4) == 0 ? rnd.nextInt(64) : 32;
                    byte[] b = new byte[(int) KvmTdxCapabilities.LAYOUT.byteSize() + 40 * cap];
                    putInt(b, (int) KvmTdxCapabilities.OFFSET_CPUID, rnd.nextInt(3) == 0 ? nent() : cap);
                    yield b;
                }
                case KvmConstants.KVM_TDX_INIT_VM -> {
                    byte[] b = validInitVm.clone();
                    int r = rnd.nextInt(10);
                    if (r == 0) {
                        putInt(b, (int) KvmTdxInitVm.OFFSET_CPUID, nent());
                    } else if (r == 1) {
                        b[160 + rnd.nextInt(96)] = (byte) (1 + rnd.nextInt(255));
                    } else if (r == 2) {
                        putInt(b, (int) KvmTdxInitVm.OFFSET_CPUID + 4, 1 + rnd.nextInt(100));
                    }
                    yield b;
                }
                case KvmConstants.KVM_TDX_INIT_MEM_REGION -> {
                    byte[] b = new byte[24];
                    long src = switch (rnd.nextInt(4)) {
                        case 0 -> bogusPointer();
                        case 1 -> a.allocate(4096, 4096).address() + rnd.nextInt(2) * 8;
                        default -> a.allocate(4 * 4096, 4096).address();
                    };
                    putLong(b, 0, src);
                    putLong(b, 8, rnd.nextInt(4) == 0 ? rnd.nextLong()
                            : TdFlow.MEM_BASE + ((long) rnd.nextInt(80) << 12) + (rnd.nextInt(8) == 0 ? 8 : 0));
                    putLong(b, 16, switch (rnd.nextInt(5)) {
                        case 0 -> 0;
                        case 1 -> rnd.nextLong();
                        default -> 1 + rnd.nextInt(4);
                    });
                    yield b;
                }
                case KvmConstants.KVM_TDX_GET_CPUID -> cpuid2(nent(), rnd.nextInt(3) == 0 ? rnd.nextInt(64) : 256);
                default -> {
                    byte[] b = new byte[rnd.nextInt(64)];
                    for (int i = 0; i < b.length; i++) {
                        b[i] = (byte) rnd.nextInt(256);
                    }
                    yield b;
                }
            };
        }
    }
}
