package org.tdxsim.kvm.uapi;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import com.google.common.collect.ImmutableList;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.Optional;

/**
 * {@code struct kvm_cpuid2} — 8-byte header + {@code nent × 40}, align 4 (kvm-tdx-uapi.md §2). The
 * layout's {@code entries} is a zero-length sequence, like the C flexible array, so
 * {@code LAYOUT.byteSize() == sizeof(struct kvm_cpuid2) == 8}.
 *
 * <p>{@code nent} and {@code entries.size()} are kept apart: a decoded buffer holds at most as many
 * entries as fit its capacity, while {@code nent} is whatever the header says (KVM_TDX_GET_CPUID
 * writes the <em>needed</em> count on -E2BIG without entries).
 *
 * @param nent the header count (C {@code __u32}; compare with {@link Integer#toUnsignedLong})
 * @param padding the header's padding word (must be 0 inside {@code kvm_tdx_init_vm})
 * @param entries the entries present in the buffer
 */
public record KvmCpuid2(int nent, int padding, ImmutableList<KvmCpuidEntry2> entries) {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("nent"),
            JAVA_INT.withName("padding"),
            MemoryLayout.sequenceLayout(0, KvmCpuidEntry2.LAYOUT).withName("entries")).withName("kvm_cpuid2");

    public static final VarHandle NENT = Structs.field(LAYOUT, "nent");
    public static final VarHandle PADDING = Structs.field(LAYOUT, "padding");

    /** The flexible-array description: header 8, count at 0, 40-byte entries, max 256. */
    public static final FamLayout FAM = new FamLayout("kvm_cpuid2",
            MemoryLayout.structLayout(JAVA_INT.withName("nent"), JAVA_INT.withName("padding")),
            0, KvmCpuidEntry2.LAYOUT, KvmConstants.KVM_MAX_CPUID_ENTRIES);

    /** An array of these entries: {@code nent = entries.size()}, padding 0. */
    public static KvmCpuid2 of(List<KvmCpuidEntry2> entries) {
        return new KvmCpuid2(entries.size(), 0, ImmutableList.copyOf(entries));
    }

    /** {@code nent} as the unsigned C value. */
    public long nentUnsigned() {
        return Integer.toUnsignedLong(nent);
    }

    /** Bytes needed to encode this value: the header plus the entries present. */
    public long byteSize() {
        return FAM.byteSize(entries.size());
    }

    /**
     * KVM's {@code kvm_find_cpuid_entry2} lookup: the first entry with this function whose index
     * matches, where the index is only compared if the entry has SIGNIFCANT_INDEX.
     */
    public Optional<KvmCpuidEntry2> find(int function, int index) {
        for (KvmCpuidEntry2 e : entries) {
            if (e.function() == function && (!e.hasSignificantIndex() || e.index() == index)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** Writes the header and every present entry at the start of {@code s}. */
    public void encode(MemorySegment s) {
        Structs.checkFits("kvm_cpuid2", s, byteSize());
        // header and entries as one word image, copied in one go
        int[] w = new int[2 + KvmCpuidEntry2.WORDS * entries.size()];
        w[0] = nent;
        w[1] = padding;
        for (int i = 0; i < entries.size(); i++) {
            entries.get(i).toWords(w, 2 + KvmCpuidEntry2.WORDS * i);
        }
        MemorySegment.copy(w, 0, s, JAVA_INT, 0, w.length);
    }

    public MemorySegment encode(SegmentAllocator a) {
        MemorySegment s = a.allocate(byteSize(), 8);
        encode(s);
        return s;
    }

    /** Reads the header and {@code min(nent, capacity(s))} entries. */
    public static KvmCpuid2 decode(MemorySegment s) {
        Structs.checkFits("kvm_cpuid2", s, LAYOUT.byteSize());
        int[] hdr = new int[2];
        MemorySegment.copy(s, JAVA_INT, 0, hdr, 0, 2);
        int nent = hdr[0];
        int present = (int) Math.min(Integer.toUnsignedLong(nent), FAM.capacity(s));
        int[] w = new int[KvmCpuidEntry2.WORDS * present];
        MemorySegment.copy(s, JAVA_INT, FAM.entriesOffset(), w, 0, w.length);
        ImmutableList.Builder<KvmCpuidEntry2> b = ImmutableList.builderWithExpectedSize(present);
        for (int i = 0; i < present; i++) {
            b.add(KvmCpuidEntry2.fromWords(w, KvmCpuidEntry2.WORDS * i));
        }
        return new KvmCpuid2(nent, hdr[1], b.build());
    }
}
