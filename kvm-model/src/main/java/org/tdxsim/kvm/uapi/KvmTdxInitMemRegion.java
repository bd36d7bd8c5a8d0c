package org.tdxsim.kvm.uapi;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * {@code struct kvm_tdx_init_mem_region} — 24 bytes (kvm-tdx-uapi.md §2). In/out: KVM writes it back
 * with {@code source_addr}/{@code gpa} advanced and {@code nr_pages} decremented by the pages done.
 *
 * @param sourceAddr userspace VA of the source, page aligned
 * @param gpa private guest physical address, page aligned
 * @param nrPages number of 4 KiB pages, &gt; 0
 */
public record KvmTdxInitMemRegion(long sourceAddr, long gpa, long nrPages) {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("source_addr"),
            JAVA_LONG.withName("gpa"),
            JAVA_LONG.withName("nr_pages")).withName("kvm_tdx_init_mem_region");

    public static final VarHandle SOURCE_ADDR = Structs.field(LAYOUT, "source_addr");
    public static final VarHandle GPA = Structs.field(LAYOUT, "gpa");
    public static final VarHandle NR_PAGES = Structs.field(LAYOUT, "nr_pages");

    public void encode(MemorySegment s) {
        Structs.checkFits("kvm_tdx_init_mem_region", s, LAYOUT.byteSize());
        SOURCE_ADDR.set(s, sourceAddr);
        GPA.set(s, gpa);
        NR_PAGES.set(s, nrPages);
    }

    public MemorySegment encode(SegmentAllocator a) {
        MemorySegment s = a.allocate(LAYOUT);
        encode(s);
        return s;
    }

    public static KvmTdxInitMemRegion decode(MemorySegment s) {
        Structs.checkFits("kvm_tdx_init_mem_region", s, LAYOUT.byteSize());
        return new KvmTdxInitMemRegion((long) SOURCE_ADDR.get(s), (long) GPA.get(s), (long) NR_PAGES.get(s));
    }
}
