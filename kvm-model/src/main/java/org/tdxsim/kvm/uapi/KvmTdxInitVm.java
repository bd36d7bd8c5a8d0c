package org.tdxsim.kvm.uapi;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import com.google.common.primitives.ImmutableLongArray;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * {@code struct kvm_tdx_init_vm} — 264-byte header + {@code nent × 40}, align 8 (kvm-tdx-uapi.md §2;
 * the kernel's {@code BUILD_BUG_ON(sizeof(*init_vm) != 256 + sizeof_field(..., cpuid))}).
 *
 * @param attributes TD ATTRIBUTES
 * @param mrconfigid {@code __u64[6]} SHA-384
 * @param mrowner {@code __u64[6]} SHA-384
 * @param mrownerconfig {@code __u64[6]} SHA-384
 * @param reserved {@code __u64[12]}, must be all zero (else -EINVAL)
 * @param cpuid the CPUID entries; {@code nent ≤ 256} else -E2BIG, padding must be 0 (else -EINVAL)
 */
public record KvmTdxInitVm(long attributes, long xfam, ImmutableLongArray mrconfigid, ImmutableLongArray mrowner,
                           ImmutableLongArray mrownerconfig, ImmutableLongArray reserved, KvmCpuid2 cpuid) {

    public static final int SHA384_WORDS = 6;
    public static final int RESERVED_WORDS = 12;

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("attributes"),
            JAVA_LONG.withName("xfam"),
            MemoryLayout.sequenceLayout(SHA384_WORDS, JAVA_LONG).withName("mrconfigid"),
            MemoryLayout.sequenceLayout(SHA384_WORDS, JAVA_LONG).withName("mrowner"),
            MemoryLayout.sequenceLayout(SHA384_WORDS, JAVA_LONG).withName("mrownerconfig"),
            MemoryLayout.sequenceLayout(RESERVED_WORDS, JAVA_LONG).withName("reserved"),
            KvmCpuid2.LAYOUT.withName("cpuid")).withName("kvm_tdx_init_vm");

    public static final VarHandle ATTRIBUTES = Structs.field(LAYOUT, "attributes");
    public static final VarHandle XFAM = Structs.field(LAYOUT, "xfam");
    public static final long OFFSET_MRCONFIGID = Structs.offset(LAYOUT, "mrconfigid");
    public static final long OFFSET_MROWNER = Structs.offset(LAYOUT, "mrowner");
    public static final long OFFSET_MROWNERCONFIG = Structs.offset(LAYOUT, "mrownerconfig");
    public static final long OFFSET_RESERVED = Structs.offset(LAYOUT, "reserved");
    /** Offset of the nested {@code cpuid} header (256). */
    public static final long OFFSET_CPUID = Structs.offset(LAYOUT, "cpuid");

    /** Header 264, count at 256, 40-byte entries. */
    public static final FamLayout FAM = new FamLayout("kvm_tdx_init_vm", LAYOUT, OFFSET_CPUID,
            KvmCpuidEntry2.LAYOUT, KvmConstants.KVM_MAX_CPUID_ENTRIES);

    public KvmTdxInitVm {
        Structs.checkLength("mrconfigid", SHA384_WORDS, mrconfigid.length());
        Structs.checkLength("mrowner", SHA384_WORDS, mrowner.length());
        Structs.checkLength("mrownerconfig", SHA384_WORDS, mrownerconfig.length());
        Structs.checkLength("kvm_tdx_init_vm.reserved", RESERVED_WORDS, reserved.length());
    }

    /** The usual request: zero measurements, zero reserved, these CPUID entries. */
    public static KvmTdxInitVm of(long attributes, long xfam, KvmCpuid2 cpuid) {
        return new KvmTdxInitVm(attributes, xfam, ZEROS_6, ZEROS_6, ZEROS_6, ZEROS_12, cpuid);
    }

    private static final ImmutableLongArray ZEROS_6 = Structs.zeros(SHA384_WORDS);
    private static final ImmutableLongArray ZEROS_12 = Structs.zeros(RESERVED_WORDS);
    /** The fixed part before {@code cpuid} is 32 contiguous u64 words: encoded/decoded with one copy. */
    private static final int HEADER_WORDS = (int) (OFFSET_CPUID / 8);

    public long byteSize() {
        return FAM.byteSize(cpuid.entries().size());
    }

    public void encode(MemorySegment s) {
        Structs.checkFits("kvm_tdx_init_vm", s, byteSize());
        long[] w = new long[HEADER_WORDS];
        w[0] = attributes;
        w[1] = xfam;
        System.arraycopy(mrconfigid.toArray(), 0, w, (int) (OFFSET_MRCONFIGID / 8), SHA384_WORDS);
        System.arraycopy(mrowner.toArray(), 0, w, (int) (OFFSET_MROWNER / 8), SHA384_WORDS);
        System.arraycopy(mrownerconfig.toArray(), 0, w, (int) (OFFSET_MROWNERCONFIG / 8), SHA384_WORDS);
        System.arraycopy(reserved.toArray(), 0, w, (int) (OFFSET_RESERVED / 8), RESERVED_WORDS);
        MemorySegment.copy(w, 0, s, JAVA_LONG, 0, HEADER_WORDS);
        cpuid.encode(s.asSlice(OFFSET_CPUID));
    }

    public MemorySegment encode(SegmentAllocator a) {
        MemorySegment s = a.allocate(byteSize(), 8);
        encode(s);
        return s;
    }

    public static KvmTdxInitVm decode(MemorySegment s) {
        Structs.checkFits("kvm_tdx_init_vm", s, LAYOUT.byteSize());
        long[] w = new long[HEADER_WORDS];
        MemorySegment.copy(s, JAVA_LONG, 0, w, 0, HEADER_WORDS);
        ImmutableLongArray all = ImmutableLongArray.copyOf(w);
        return new KvmTdxInitVm(w[0], w[1],
                words(all, OFFSET_MRCONFIGID, SHA384_WORDS),
                words(all, OFFSET_MROWNER, SHA384_WORDS),
                words(all, OFFSET_MROWNERCONFIG, SHA384_WORDS),
                words(all, OFFSET_RESERVED, RESERVED_WORDS),
                KvmCpuid2.decode(s.asSlice(OFFSET_CPUID)));
    }

    private static ImmutableLongArray words(ImmutableLongArray header, long offset, int count) {
        int from = (int) (offset / 8);
        return header.subArray(from, from + count);
    }
}
