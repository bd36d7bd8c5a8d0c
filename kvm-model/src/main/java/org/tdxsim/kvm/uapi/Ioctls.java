package org.tdxsim.kvm.uapi;

import com.google.common.collect.ImmutableMap;
import java.util.Optional;

/**
 * KVM ioctl request numbers, computed with the kernel's {@code _IOC} encoding for x86
 * ({@code dir<<30 | size<<16 | type<<8 | nr}; dir NONE=0, WRITE=1, READ=2; {@code KVMIO = 0xAE}).
 * Sizes are the uapi struct sizes (the {@code _IOW}/{@code _IOWR} "type" argument), taken from the
 * layouts in this package, so a layout mistake would also show up as a wrong request number.
 * Source: kvm-tdx-uapi.md §1 table (macro forms from {@code include/uapi/linux/kvm.h}).
 */
public final class Ioctls {
    private Ioctls() {}

    /** {@code _IOC_NONE}. */
    public static final int IOC_NONE = 0;
    /** {@code _IOC_WRITE}: userspace writes, the kernel reads. */
    public static final int IOC_WRITE = 1;
    /** {@code _IOC_READ}: the kernel writes back. */
    public static final int IOC_READ = 2;
    /** {@code KVMIO}, the ioctl type byte of every KVM request. */
    public static final int KVMIO = 0xAE;

    /** {@code _IOC(dir, type, nr, size)}. */
    public static long ioc(int dir, int type, int nr, long size) {
        if ((dir & ~3) != 0 || (type & ~0xFF) != 0 || (nr & ~0xFF) != 0 || size < 0 || size > 0x3FFF) {
            throw new IllegalArgumentException("ioctl field out of range: dir=" + dir + " type=" + type
                    + " nr=" + nr + " size=" + size);
        }
        return ((long) dir << 30) | (size << 16) | ((long) type << 8) | nr;
    }

    /** {@code _IO(type, nr)}. */
    public static long io(int type, int nr) {
        return ioc(IOC_NONE, type, nr, 0);
    }

    /** {@code _IOR(type, nr, size)}. */
    public static long ior(int type, int nr, long size) {
        return ioc(IOC_READ, type, nr, size);
    }

    /** {@code _IOW(type, nr, size)}. */
    public static long iow(int type, int nr, long size) {
        return ioc(IOC_WRITE, type, nr, size);
    }

    /** {@code _IOWR(type, nr, size)}. */
    public static long iowr(int type, int nr, long size) {
        return ioc(IOC_READ | IOC_WRITE, type, nr, size);
    }

    /** {@code _IOC_DIR(request)}. */
    public static int dir(long request) {
        return (int) ((request >>> 30) & 3);
    }

    /** {@code _IOC_TYPE(request)}. */
    public static int type(long request) {
        return (int) ((request >>> 8) & 0xFF);
    }

    /** {@code _IOC_NR(request)}. */
    public static int nr(long request) {
        return (int) (request & 0xFF);
    }

    /** {@code _IOC_SIZE(request)}. */
    public static int size(long request) {
        return (int) ((request >>> 16) & 0x3FFF);
    }

    /** {@code sizeof(unsigned long)} on x86-64, the "type" of KVM_MEMORY_ENCRYPT_OP. */
    private static final long SIZEOF_UNSIGNED_LONG = 8;
    /** {@code sizeof(struct kvm_msrs)}: {@code nmsrs u32, pad u32} + flexible entries. */
    private static final long SIZEOF_KVM_MSRS = 8;

    /** {@code _IO(KVMIO, 0x00)} = 0xAE00; returns {@link KvmConstants#KVM_API_VERSION}. */
    public static final long KVM_GET_API_VERSION = io(KVMIO, 0x00);
    /** {@code _IO(KVMIO, 0x01)} = 0xAE01; arg = VM type. */
    public static final long KVM_CREATE_VM = io(KVMIO, 0x01);
    /** {@code _IO(KVMIO, 0x03)} = 0xAE03; arg = capability. */
    public static final long KVM_CHECK_EXTENSION = io(KVMIO, 0x03);
    /** {@code _IO(KVMIO, 0x04)} = 0xAE04. */
    public static final long KVM_GET_VCPU_MMAP_SIZE = io(KVMIO, 0x04);
    /** {@code _IOWR(KVMIO, 0x05, struct kvm_cpuid2)} = 0xC008AE05. */
    public static final long KVM_GET_SUPPORTED_CPUID = iowr(KVMIO, 0x05, KvmCpuid2.LAYOUT.byteSize());
    /** {@code _IO(KVMIO, 0x41)} = 0xAE41; arg = vCPU id. */
    public static final long KVM_CREATE_VCPU = io(KVMIO, 0x41);
    /** {@code _IOW(KVMIO, 0x49, struct kvm_userspace_memory_region2)} = 0x40A0AE49. */
    public static final long KVM_SET_USER_MEMORY_REGION2 =
            iow(KVMIO, 0x49, KvmUserspaceMemoryRegion2.LAYOUT.byteSize());
    /** {@code _IO(KVMIO, 0x80)} = 0xAE80. */
    public static final long KVM_RUN = io(KVMIO, 0x80);
    /** {@code _IOW(KVMIO, 0x89, struct kvm_msrs)} = 0x4008AE89. */
    public static final long KVM_SET_MSRS = iow(KVMIO, 0x89, SIZEOF_KVM_MSRS);
    /** {@code _IOW(KVMIO, 0x90, struct kvm_cpuid2)} = 0x4008AE90. */
    public static final long KVM_SET_CPUID2 = iow(KVMIO, 0x90, KvmCpuid2.LAYOUT.byteSize());
    /** {@code _IOWR(KVMIO, 0x91, struct kvm_cpuid2)} = 0xC008AE91. */
    public static final long KVM_GET_CPUID2 = iowr(KVMIO, 0x91, KvmCpuid2.LAYOUT.byteSize());
    /** {@code _IO(KVMIO, 0xa2)} = 0xAEA2; arg = TSC frequency in kHz. */
    public static final long KVM_SET_TSC_KHZ = io(KVMIO, 0xA2);
    /**
     * {@code _IO(KVMIO, 0xa3)} = 0xAEA3; returns the TSC frequency in kHz (VM fd: the default for new
     * vCPUs; vCPU fd: that vCPU's). Not in kvm-tdx-uapi.md §1: read from {@code include/uapi/linux/kvm.h}
     * (this machine's {@code <linux/kvm.h>} line "KVM_GET_TSC_KHZ _IO(KVMIO, 0xa3)"). Same nr as
     * KVM_ENABLE_CAP, which differs in direction and size.
     */
    public static final long KVM_GET_TSC_KHZ = io(KVMIO, 0xA3);
    /** {@code _IOW(KVMIO, 0xa3, struct kvm_enable_cap)} = 0x4068AEA3. */
    public static final long KVM_ENABLE_CAP = iow(KVMIO, 0xA3, KvmEnableCap.LAYOUT.byteSize());
    /** {@code _IOWR(KVMIO, 0xba, unsigned long)} = 0xC008AEBA; arg = address of a {@code kvm_tdx_cmd}. */
    public static final long KVM_MEMORY_ENCRYPT_OP = iowr(KVMIO, 0xBA, SIZEOF_UNSIGNED_LONG);
    /** {@code _IOW(KVMIO, 0xd2, struct kvm_memory_attributes)} = 0x4020AED2. */
    public static final long KVM_SET_MEMORY_ATTRIBUTES =
            iow(KVMIO, 0xD2, KvmMemoryAttributes.LAYOUT.byteSize());
    /** {@code _IOWR(KVMIO, 0xd4, struct kvm_create_guest_memfd)} = 0xC040AED4. */
    public static final long KVM_CREATE_GUEST_MEMFD =
            iowr(KVMIO, 0xD4, KvmCreateGuestMemfd.LAYOUT.byteSize());

    private static final ImmutableMap<Long, String> NAMES = ImmutableMap.<Long, String>builder()
            .put(KVM_GET_API_VERSION, "KVM_GET_API_VERSION")
            .put(KVM_CREATE_VM, "KVM_CREATE_VM")
            .put(KVM_CHECK_EXTENSION, "KVM_CHECK_EXTENSION")
            .put(KVM_GET_VCPU_MMAP_SIZE, "KVM_GET_VCPU_MMAP_SIZE")
            .put(KVM_GET_SUPPORTED_CPUID, "KVM_GET_SUPPORTED_CPUID")
            .put(KVM_CREATE_VCPU, "KVM_CREATE_VCPU")
            .put(KVM_SET_USER_MEMORY_REGION2, "KVM_SET_USER_MEMORY_REGION2")
            .put(KVM_RUN, "KVM_RUN")
            .put(KVM_SET_MSRS, "KVM_SET_MSRS")
            .put(KVM_SET_CPUID2, "KVM_SET_CPUID2")
            .put(KVM_GET_CPUID2, "KVM_GET_CPUID2")
            .put(KVM_SET_TSC_KHZ, "KVM_SET_TSC_KHZ")
            .put(KVM_GET_TSC_KHZ, "KVM_GET_TSC_KHZ")
            .put(KVM_ENABLE_CAP, "KVM_ENABLE_CAP")
            .put(KVM_MEMORY_ENCRYPT_OP, "KVM_MEMORY_ENCRYPT_OP")
            .put(KVM_SET_MEMORY_ATTRIBUTES, "KVM_SET_MEMORY_ATTRIBUTES")
            .put(KVM_CREATE_GUEST_MEMFD, "KVM_CREATE_GUEST_MEMFD")
            .buildOrThrow();

    /** Every request number this package defines, by value. */
    public static ImmutableMap<Long, String> all() {
        return NAMES;
    }

    /** The uapi name of a request number this package knows. */
    public static Optional<String> name(long request) {
        return Optional.ofNullable(NAMES.get(request));
    }

    /** The uapi name, or the request in hex ({@code "ioctl 0x..."}) when unknown. */
    public static String describe(long request) {
        return name(request).orElseGet(() -> String.format("ioctl 0x%X", request));
    }
}
