package org.tdxsim.module;

import java.util.Arrays;
import java.util.BitSet;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongPredicate;

/**
 * Host physical memory as the simulated TDX module sees it: sparse 4 KiB pages, zero until written.
 *
 * <p>Layout (a modelling choice; the module only cares that the addresses it is given are inside
 * a TDMR covered by a PAMT, abi §4.1 row 2):
 * <ul>
 *   <li>One CMR {@code [0, cmrSize)}.</li>
 *   <li>A host-private low region below {@link #tdmrBase()} holding the TDMR_INFO structures and the
 *       PAMT areas that TDH.SYS.CONFIG is given (the PAMT contents are kept as Java objects, not as
 *       bytes here).</li>
 *   <li>One TDMR {@code [tdmrBase, tdmrBase + tdmrSize)}, 1 GiB aligned as TDH.SYS.CONFIG requires.
 *       {@link #allocatePage()} hands out its pages.</li>
 * </ul>
 *
 * <p>Addresses carry the HKID in bits {@code [hkidStartBit, maxPa)} (abi §7.4); the host uses HKID 0.
 * Because the model does not encrypt, data is stored by the address with its HKID bits cleared.
 * Reads outside the CMR return zeros and writes there are dropped ({@link #write} returns false):
 * the host cannot address such memory, and a SEAMCALL given such an address fails its own checks
 * first. Thread-safe.
 *
 * <p>TD-private pages (what the module's PAMT has given to a TD) are encrypted with the TD's or the
 * module's private key in the real system, so the host never sees their plaintext. The abi digest is
 * silent on what a host access returns; tdxsim models TDX's logical-integrity mode: through
 * {@link #read} such bytes read as zero, and {@link #write} refuses to change them (returns false).
 * The module's own accesses, made with the TD's key, use {@link #readPrivate}/{@link #writePrivate}.
 */
public final class HostMemory {

    public static final int PAGE_SIZE = 4096;
    public static final long GIB = 1L << 30;

    private final long cmrSize;
    private final long tdmrBase;
    private final long tdmrSize;
    private final int maxPa;
    private final int hkidStartBit;
    /** Written pages by page number ({@code pa >>> 12}: page-aligned addresses would crowd a few hash bins). */
    private final ConcurrentHashMap<Long, byte[]> pages = new ConcurrentHashMap<>();
    private final BitSet allocated = new BitSet();
    /** Whether the 4 KiB page at a (HKID-stripped, page-aligned) address is TD-private; set by the module. */
    private volatile LongPredicate tdPrivate = pa -> false;

    HostMemory(long cmrSize, long tdmrBase, long tdmrSize, int maxPa, int hkidStartBit) {
        if (tdmrBase % GIB != 0 || tdmrSize % GIB != 0 || tdmrSize == 0 || tdmrBase + tdmrSize > cmrSize) {
            throw new IllegalArgumentException("TDMR must be 1 GiB aligned and inside the CMR");
        }
        this.cmrSize = cmrSize;
        this.tdmrBase = tdmrBase;
        this.tdmrSize = tdmrSize;
        this.maxPa = maxPa;
        this.hkidStartBit = hkidStartBit;
    }

    /** Size of the single CMR, which starts at physical address 0. */
    public long cmrSize() {
        return cmrSize;
    }

    public long tdmrBase() {
        return tdmrBase;
    }

    public long tdmrSize() {
        return tdmrSize;
    }

    /** Native physical-address width (CPUID(0x80000008).EAX[7:0]). */
    public int maxPa() {
        return maxPa;
    }

    /** Lowest HKID bit in a physical address; the HKID occupies bits {@code [hkidStartBit, maxPa)}. */
    public int hkidStartBit() {
        return hkidStartBit;
    }

    /** The HKID bits of {@code pa} (0 for host addresses). */
    public long hkidOf(long pa) {
        if (hkidStartBit >= maxPa) {
            return 0;
        }
        return (pa >>> hkidStartBit) & ((1L << (maxPa - hkidStartBit)) - 1);
    }

    /** {@code pa} with HKID {@code hkid} put into its HKID bits. */
    public long withHkid(long pa, long hkid) {
        return stripHkid(pa) | hkid << hkidStartBit;
    }

    long stripHkid(long pa) {
        if (hkidStartBit >= 64) {
            return pa;
        }
        long mask = hkidStartBit >= maxPa ? 0 : ((1L << (maxPa - hkidStartBit)) - 1) << hkidStartBit;
        return pa & ~mask;
    }

    /** True if {@code pa} has no bit at or above MAX_PA ({@code is_pa_smaller_than_max_pa}). */
    public boolean belowMaxPa(long pa) {
        return maxPa >= 64 || (pa >>> maxPa) == 0;
    }

    /**
     * A free 4 KiB page inside the TDMR, HKID bits 0, for any host use: TDR/TDCX/TDVPR/S-EPT/TD pages,
     * TD_PARAMS, source pages. The page content is zeroed.
     *
     * @throws IllegalStateException when every TDMR page is allocated
     */
    public long allocatePage() {
        return tryAllocatePage().orElseThrow(() -> new IllegalStateException("host memory exhausted: all "
                + tdmrSize / PAGE_SIZE + " TDMR pages are allocated"));
    }

    /** Like {@link #allocatePage()} but empty when the TDMR is exhausted. */
    public synchronized OptionalLong tryAllocatePage() {
        int idx = allocated.nextClearBit(0);
        if ((long) idx >= tdmrSize / PAGE_SIZE) {
            return OptionalLong.empty();
        }
        allocated.set(idx);
        long pa = tdmrBase + (long) idx * PAGE_SIZE;
        pages.remove(pa >>> 12);
        return OptionalLong.of(pa);
    }

    /** Returns a page to the host allocator; addresses not handed out by it are ignored. */
    public synchronized void freePage(long hpa) {
        long pa = stripHkid(hpa);
        if (pa < tdmrBase || pa >= tdmrBase + tdmrSize || pa % PAGE_SIZE != 0) {
            return;
        }
        allocated.clear((int) ((pa - tdmrBase) / PAGE_SIZE));
    }

    /** Number of pages the host allocator has handed out and not freed. */
    public synchronized int allocatedPages() {
        return allocated.cardinality();
    }

    /** The module marks which pages are TD-private (see the class comment). */
    void guardTdPrivatePages(LongPredicate isTdPrivate) {
        this.tdPrivate = isTdPrivate;
    }

    /**
     * The host's write of bytes at {@code hpa} (may span pages); false (nothing written) if any byte lies
     * outside the CMR or in a TD-private page.
     */
    public boolean write(long hpa, byte[] data) {
        long pa = stripHkid(hpa);
        if (pa < 0 || pa + data.length > cmrSize || pa + data.length < pa) {
            return false;
        }
        for (long p = pa & ~(PAGE_SIZE - 1L); p < pa + data.length; p += PAGE_SIZE) {
            if (tdPrivate.test(p)) {
                return false;
            }
        }
        return writePrivate(hpa, data);
    }

    /** The module's write (with the owning TD's key): like {@link #write} but TD-private pages too. */
    boolean writePrivate(long hpa, byte[] data) {
        long pa = stripHkid(hpa);
        if (pa < 0 || pa + data.length > cmrSize || pa + data.length < pa) {
            return false;
        }
        int done = 0;
        while (done < data.length) {
            long cur = pa + done;
            long pageBase = cur & ~(PAGE_SIZE - 1L);
            int off = (int) (cur - pageBase);
            int n = Math.min(PAGE_SIZE - off, data.length - done);
            byte[] page = pages.computeIfAbsent(pageBase >>> 12, k -> new byte[PAGE_SIZE]);
            synchronized (page) {
                System.arraycopy(data, done, page, off, n);
            }
            done += n;
        }
        return true;
    }

    /**
     * The host's read of {@code len} bytes at {@code hpa}; never-written memory, memory outside the CMR and
     * TD-private pages read as zero.
     */
    public byte[] read(long hpa, int len) {
        return read(hpa, len, true);
    }

    /** The module's read (with the owning TD's key): TD-private pages too. */
    byte[] readPrivate(long hpa, int len) {
        return read(hpa, len, false);
    }

    private byte[] read(long hpa, int len, boolean hostView) {
        byte[] out = new byte[Math.max(0, len)];
        long pa = stripHkid(hpa);
        int done = 0;
        while (done < out.length) {
            long cur = pa + done;
            long pageBase = cur & ~(PAGE_SIZE - 1L);
            int off = (int) (cur - pageBase);
            int n = Math.min(PAGE_SIZE - off, out.length - done);
            byte[] page = cur >= 0 && cur < cmrSize && !(hostView && tdPrivate.test(pageBase))
                    ? pages.get(pageBase >>> 12) : null;
            if (page != null) {
                synchronized (page) {
                    System.arraycopy(page, off, out, done, n);
                }
            }
            done += n;
        }
        return out;
    }

    long readLong(long hpa) {
        byte[] b = read(hpa, 8);
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | (b[i] & 0xFF);
        }
        return v;
    }

    void writeLong(long hpa, long value) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (value >>> (8 * i));
        }
        write(hpa, b);
    }

    /** Module-side page fill (e.g. TDH.MNG.CREATE clears the TDR); drops the backing array for zero. */
    void fillPage(long hpa, byte value) {
        long pa = stripHkid(hpa) & ~(PAGE_SIZE - 1L);
        if (value == 0) {
            pages.remove(pa >>> 12);
        } else {
            byte[] p = new byte[PAGE_SIZE];
            Arrays.fill(p, value);
            pages.put(pa >>> 12, p);
        }
    }
}
