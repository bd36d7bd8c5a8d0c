package org.tdxsim.conformance;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.tdxsim.kvm.KvmBackend;
import org.tdxsim.kvm.KvmExplainer;
import org.tdxsim.kvm.UserMemory;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.Ioctls;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuid2;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;
import org.tdxsim.kvm.uapi.KvmTdxCapabilities;
import org.tdxsim.kvm.uapi.KvmTdxCmd;
import org.tdxsim.kvm.uapi.KvmTdxInitVm;

/**
 * Deliberately broken kernels: a {@link KvmBackend} that passes every call to the simulated kernel and
 * then bends one thing — a lie in CAPABILITIES, a wrong errno, a flipped GPAW decision, a missing
 * write-back. The suite must catch each (see {@link BrokenKernelTest}). They work on the raw ioctl bytes,
 * exactly where a buggy kernel would differ, so the checks cannot tell them from a real kernel.
 */
final class BrokenKernels {

    private BrokenKernels() {
    }

    /** A pass-through backend; subclasses override {@link #ioctl}. */
    abstract static class Interposer implements KvmBackend, KvmExplainer {
        final KvmBackend inner;

        Interposer(KvmBackend inner) {
            this.inner = inner;
        }

        @Override
        public String name() {
            return "broken-" + inner.name();
        }

        @Override
        public int open(String path) {
            return inner.open(path);
        }

        @Override
        public int close(int fd) {
            return inner.close(fd);
        }

        @Override
        public long ioctl(int fd, long request, long arg) {
            return inner.ioctl(fd, request, arg);
        }

        @Override
        public UserMemory memory() {
            return inner.memory();
        }

        @Override
        public void close() {
            inner.close();
        }

        @Override
        public java.util.Optional<String> lastExplanation(int fd) {
            return inner instanceof KvmExplainer e ? e.lastExplanation(fd) : java.util.Optional.empty();
        }

        @Override
        public java.util.Optional<String> statusName(long status) {
            return inner instanceof KvmExplainer e ? e.statusName(status) : java.util.Optional.empty();
        }

        /** The TDX sub-command id of a KVM_MEMORY_ENCRYPT_OP, or −1. */
        static int tdxCommand(long request, long arg) {
            if (request != Ioctls.KVM_MEMORY_ENCRYPT_OP || arg == 0) {
                return -1;
            }
            return (int) KvmTdxCmd.ID.get(user(arg, KvmTdxCmd.LAYOUT.byteSize()));
        }

        static long tdxData(long arg) {
            return (long) KvmTdxCmd.DATA.get(user(arg, KvmTdxCmd.LAYOUT.byteSize()));
        }

        @SuppressWarnings("restricted") // the interposer reads the caller's structs by address, like a kernel
        static MemorySegment user(long address, long size) {
            return MemorySegment.ofAddress(address).reinterpret(size);
        }
    }

    /** Reports ATTRIBUTES.DEBUG (bit 0) in supported_attrs, which KVM never supports (uapi §5.1). */
    static final class LiesInCapabilities extends Interposer {
        LiesInCapabilities(KvmBackend inner) {
            super(inner);
        }

        @Override
        public long ioctl(int fd, long request, long arg) {
            long r = inner.ioctl(fd, request, arg);
            if (r == 0 && tdxCommand(request, arg) == KvmConstants.KVM_TDX_CAPABILITIES) {
                MemorySegment caps = user(tdxData(arg), KvmTdxCapabilities.LAYOUT.byteSize());
                KvmTdxCapabilities.SUPPORTED_ATTRS.set(caps, (long) KvmTdxCapabilities.SUPPORTED_ATTRS.get(caps) | 1L);
            }
            return r;
        }
    }

    /** Reports HLE as configurable in CPUID.7.0 EBX (KVM clears it, uapi §4.3). */
    static final class ReportsTsx extends Interposer {
        ReportsTsx(KvmBackend inner) {
            super(inner);
        }

        @Override
        public long ioctl(int fd, long request, long arg) {
            long r = inner.ioctl(fd, request, arg);
            if (r == 0 && tdxCommand(request, arg) == KvmConstants.KVM_TDX_CAPABILITIES) {
                long data = tdxData(arg);
                int nent = (int) KvmCpuid2.NENT.get(user(data + KvmTdxCapabilities.OFFSET_CPUID, 8));
                MemorySegment caps = user(data, KvmTdxCapabilities.FAM.byteSize(nent));
                for (int i = 0; i < nent; i++) {
                    MemorySegment e = KvmTdxCapabilities.FAM.element(caps, i);
                    if ((int) KvmCpuidEntry2.FUNCTION.get(e) == 7 && (int) KvmCpuidEntry2.INDEX.get(e) == 0) {
                        KvmCpuidEntry2.EBX.set(e, (int) KvmCpuidEntry2.EBX.get(e) | CapabilitiesChecks.EBX_HLE);
                    }
                }
            }
            return r;
        }
    }

    /** Writes the needed count into cpuid.nent on CAPABILITIES -E2BIG (6.16 does not, uapi §3.3 step 4). */
    static final class E2bigUpdatesNent extends Interposer {
        E2bigUpdatesNent(KvmBackend inner) {
            super(inner);
        }

        @Override
        public long ioctl(int fd, long request, long arg) {
            long r = inner.ioctl(fd, request, arg);
            if (r == Errno.E2BIG.negated() && tdxCommand(request, arg) == KvmConstants.KVM_TDX_CAPABILITIES) {
                KvmCpuid2.NENT.set(user(tdxData(arg) + KvmTdxCapabilities.OFFSET_CPUID, 8), 99);
            }
            return r;
        }
    }

    /** KVM_CREATE_VCPU on a TD before INIT_VM answers EINVAL instead of EIO (uapi §6). */
    static final class WrongCreateVcpuErrno extends Interposer {
        WrongCreateVcpuErrno(KvmBackend inner) {
            super(inner);
        }

        @Override
        public long ioctl(int fd, long request, long arg) {
            long r = inner.ioctl(fd, request, arg);
            return request == Ioctls.KVM_CREATE_VCPU && r == Errno.EIO.negated() ? Errno.EINVAL.negated() : r;
        }
    }

    /**
     * Flips the GPAW decision for invalid widths: a GuestPhysBits outside {48, 52} is quietly treated as 48
     * (the request is rewritten before the kernel reads it), so KVM accepts what it must refuse (uapi §4.1).
     */
    static final class AcceptsAnyGuestPhysBits extends Interposer {
        AcceptsAnyGuestPhysBits(KvmBackend inner) {
            super(inner);
        }

        @Override
        public long ioctl(int fd, long request, long arg) {
            if (tdxCommand(request, arg) == KvmConstants.KVM_TDX_INIT_VM) {
                long data = tdxData(arg);
                int nent = (int) KvmCpuid2.NENT.get(user(data + KvmTdxInitVm.OFFSET_CPUID, 8));
                if (nent > 0 && nent <= KvmConstants.KVM_MAX_CPUID_ENTRIES) {
                    MemorySegment s = user(data, KvmTdxInitVm.FAM.byteSize(nent));
                    for (int i = 0; i < nent; i++) {
                        MemorySegment e = KvmTdxInitVm.FAM.element(s, i);
                        int eax = (int) KvmCpuidEntry2.EAX.get(e);
                        int g = (eax >>> 16) & 0xFF;
                        if ((int) KvmCpuidEntry2.FUNCTION.get(e) == Host.LEAF_ADDR_WIDTHS && g != 48 && g != 52) {
                            KvmCpuidEntry2.EAX.set(e, eax & ~0xFF0000 | 48 << 16);
                        }
                    }
                }
            }
            return inner.ioctl(fd, request, arg);
        }
    }

    /** KVM_TDX_GET_CPUID always reports GuestPhysBits 52, whatever width the TD got (uapi §4.4). */
    static final class GetCpuidClaims52 extends Interposer {
        GetCpuidClaims52(KvmBackend inner) {
            super(inner);
        }

        @Override
        public long ioctl(int fd, long request, long arg) {
            long r = inner.ioctl(fd, request, arg);
            if (r == 0 && tdxCommand(request, arg) == KvmConstants.KVM_TDX_GET_CPUID) {
                long data = tdxData(arg);
                int nent = (int) KvmCpuid2.NENT.get(user(data, 8));
                MemorySegment s = user(data, KvmCpuid2.FAM.byteSize(nent));
                for (int i = 0; i < nent; i++) {
                    MemorySegment e = KvmCpuid2.FAM.element(s, i);
                    if ((int) KvmCpuidEntry2.FUNCTION.get(e) == Host.LEAF_ADDR_WIDTHS) {
                        KvmCpuidEntry2.EAX.set(e, (int) KvmCpuidEntry2.EAX.get(e) & ~0xFF0000 | 52 << 16);
                    }
                }
            }
            return r;
        }
    }

    /** KVM_TDX_INIT_MEM_REGION leaves the caller's region as it was (no progress write-back, uapi §3.3 step 5). */
    static final class NoRegionWriteBack extends Interposer {
        NoRegionWriteBack(KvmBackend inner) {
            super(inner);
        }

        @Override
        public long ioctl(int fd, long request, long arg) {
            if (tdxCommand(request, arg) != KvmConstants.KVM_TDX_INIT_MEM_REGION) {
                return inner.ioctl(fd, request, arg);
            }
            MemorySegment region = user(tdxData(arg), 24);
            byte[] before = region.toArray(ValueLayout.JAVA_BYTE);
            long r = inner.ioctl(fd, request, arg);
            MemorySegment.copy(MemorySegment.ofArray(before), 0, region, 0, before.length);
            return r;
        }
    }
}
