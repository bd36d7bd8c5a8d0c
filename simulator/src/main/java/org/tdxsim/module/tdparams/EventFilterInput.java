package org.tdxsim.module.tdparams;

import com.google.common.collect.ImmutableList;

/**
 * The perfmon event-filter operands of TDH.MNG.INIT on 2.0, present when RCX bit 0 (the
 * event-filtering flag) is set (abi §1.1: "[M2.0] adds: RCX bit 0 = event-filtering flag, R8 =
 * event-filter info"). The layouts below are from [M2.0] {@code td_control_structures.h}
 * ({@code event_filter_info_t}, {@code event_filter_t}) at commit 1666adc4, not in the digest:
 * <ul>
 *   <li>R8 = {@code event_filter_info_t}: bits 11:0 number of filters, bits 51:12 the 4 KiB aligned
 *       HPA of the filter table, bits 63:52 reserved.</li>
 *   <li>each table entry = {@code event_filter_t} (8 bytes): bits 7:0 event select, 30:8 reserved,
 *       31 negative, 47:32 umask, 63:48 umask mask.</li>
 * </ul>
 *
 * @param info           R8 as given
 * @param tableHpaValid  whether bits 51:12 of {@code info} pass {@code shared_hpa_check_with_pwr_2_alignment}
 *                       for 4 KiB (the engine knows MAX_PA and the HKID ranges)
 * @param entries        the first {@link #count()} table entries when the table could be read (empty
 *                       otherwise; the checks never look at them then)
 */
public record EventFilterInput(long info, boolean tableHpaValid, ImmutableList<Long> entries) {

    /** {@code event_filter_info_t.event_filters_hpa_51_12} as an address. */
    public static final long TABLE_HPA_MASK = 0x000F_FFFF_FFFF_F000L;

    /** {@code event_filter_info_t.event_filters_num} (bits 11:0). */
    public int count() {
        return (int) (info & 0xFFF);
    }

    /** The table's host physical address (bits 51:12 of R8). */
    public long tableHpa() {
        return info & TABLE_HPA_MASK;
    }

    /** {@code event_filter_info_t.reserved} (bits 63:52). */
    public long reserved() {
        return info >>> 52;
    }

    /** Bits 7:0 of a table entry. */
    public static int eventSelect(long entry) {
        return (int) (entry & 0xFF);
    }

    /** Bits 30:8 of a table entry (must be 0). */
    public static long reserved0(long entry) {
        return entry >>> 8 & 0x7F_FFFFL;
    }

    /** Bit 31 of a table entry: negative filtering (not supported by 2.0.08). */
    public static boolean negative(long entry) {
        return (entry >>> 31 & 1) != 0;
    }

    /** Bits 47:32 of a table entry. */
    public static int umask(long entry) {
        return (int) (entry >>> 32 & 0xFFFF);
    }

    /** Bits 63:48 of a table entry. */
    public static int umaskMask(long entry) {
        return (int) (entry >>> 48 & 0xFFFF);
    }
}
