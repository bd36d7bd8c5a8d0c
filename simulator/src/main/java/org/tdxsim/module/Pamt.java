package org.tdxsim.module;

import com.google.common.collect.ImmutableList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Physical Address Metadata Table: one entry per 4 KiB page of every TDMR, holding the page type,
 * the owner (TDR HPA) and the per-page lock ([M1.5.01] {@code pamt_manager.c}; abi §4.1 row 2 "in a
 * TDMR, PAMT type must be TDR, lockable exclusively"). Only 4 KiB pages are modelled (no 2 MiB/1 GiB
 * PAMT levels). Entries are created lazily; an untouched page is {@link PageType#PT_NDA}, or
 * {@link PageType#PT_RSVD} inside a TDMR reserved area.
 */
final class Pamt {

    /** One TDMR as configured by TDH.SYS.CONFIG. PAMT entries exist below {@code lastInitialized}. */
    static final class Tdmr {
        final long base;
        final long size;
        final ImmutableList<long[]> reserved; // {offset, size} pairs relative to base
        final AtomicLong lastInitialized;
        final SharexLock lock = new SharexLock();

        Tdmr(long base, long size, List<long[]> reserved) {
            this.base = base;
            this.size = size;
            this.reserved = ImmutableList.copyOf(reserved);
            this.lastInitialized = new AtomicLong(base);
        }

        boolean contains(long pa) {
            return pa >= base && pa - base < size;
        }

        boolean fullyInitialized() {
            return lastInitialized.get() >= base + size;
        }

        boolean inReservedArea(long pa) {
            for (long[] r : reserved) {
                if (pa >= base + r[0] && pa < base + r[0] + r[1]) {
                    return true;
                }
            }
            return false;
        }
    }

    /** A PAMT entry. Fields change only while {@link #lock} is held exclusively by the changing leaf. */
    static final class Entry {
        final long pa;
        final SharexLock lock = new SharexLock();
        volatile PageType type;
        volatile long owner;

        Entry(long pa, PageType type) {
            this.pa = pa;
            this.type = type;
        }
    }

    private volatile ImmutableList<Tdmr> tdmrs = ImmutableList.of();
    /** Entries by page number ({@code pa >>> 12}). */
    private final ConcurrentHashMap<Long, Entry> entries = new ConcurrentHashMap<>();

    void configure(List<Tdmr> configured) {
        tdmrs = ImmutableList.copyOf(configured);
    }

    ImmutableList<Tdmr> tdmrs() {
        return tdmrs;
    }

    /** {@code pamt_get_block}: the TDMR covering {@code pa}, if that part of it is initialised. */
    Optional<Tdmr> coveringInitialized(long pa) {
        for (Tdmr t : tdmrs) {
            if (t.contains(pa) && pa < t.lastInitialized.get()) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    Optional<Tdmr> tdmrAt(long base) {
        return tdmrs.stream().filter(t -> t.base == base).findFirst();
    }

    /** The entry of the 4 KiB page at {@code pa}; only call for covered, initialised addresses. */
    Entry entry(long pa, Tdmr tdmr) {
        long page = pa & ~0xFFFL;
        // Keyed by page number: 4 KiB-aligned addresses as Long keys collide in the map's low hash
        // bits (bins degrade to trees); page numbers spread.
        Long key = page >>> 12;
        Entry e = entries.get(key); // the common case, without computeIfAbsent's capturing lambda
        if (e != null) {
            return e;
        }
        return entries.computeIfAbsent(key,
                k -> new Entry(page, tdmr.inReservedArea(page) ? PageType.PT_RSVD : PageType.PT_NDA));
    }

    /** The type of the page at {@code pa} without creating an entry (PT_NDA when none exists). */
    PageType peekType(long pa) {
        Entry e = entries.get(pa >>> 12); // keyed by page number, like entry()
        return e == null ? PageType.PT_NDA : e.type;
    }

    /** Pages whose type is neither NDA nor RSVD, by type (diagnostics and tests). */
    Map<PageType, Long> assignedPageCounts() {
        return entries.values().stream()
                .filter(e -> e.type != PageType.PT_NDA && e.type != PageType.PT_RSVD)
                .collect(Collectors.groupingBy(e -> e.type, Collectors.counting()));
    }
}
