package org.tdxsim.kvm.uapi;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * {@code struct kvm_tdx_cmd} — 24 bytes, align 8 (kvm-tdx-uapi.md §2): the argument of every TDX
 * KVM_MEMORY_ENCRYPT_OP.
 *
 * @param id {@code enum kvm_tdx_cmd_id} (u32 @0)
 * @param flags sub-command flags (u32 @4)
 * @param data pointer to the sub-command struct, or an immediate (u64 @8)
 * @param hwError in: must be 0; out: the TDX SEAMCALL status (u64 @16)
 */
public record KvmTdxCmd(int id, int flags, long data, long hwError) {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("id"),
            JAVA_INT.withName("flags"),
            JAVA_LONG.withName("data"),
            JAVA_LONG.withName("hw_error")).withName("kvm_tdx_cmd");

    public static final VarHandle ID = Structs.field(LAYOUT, "id");
    public static final VarHandle FLAGS = Structs.field(LAYOUT, "flags");
    public static final VarHandle DATA = Structs.field(LAYOUT, "data");
    public static final VarHandle HW_ERROR = Structs.field(LAYOUT, "hw_error");
    /** Offset of {@code hw_error} (16). */
    public static final long OFFSET_HW_ERROR = Structs.offset(LAYOUT, "hw_error");

    /** A command with {@code hw_error = 0}, as userspace sends it. */
    public static KvmTdxCmd of(KvmTdxCmdId id, int flags, long data) {
        return new KvmTdxCmd(id.id(), flags, data, 0);
    }

    /** id and flags share the first 8-byte word; which half is which follows the native byte order. */
    private static final boolean LE = java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN;

    public void encode(MemorySegment s) {
        Structs.checkFits("kvm_tdx_cmd", s, LAYOUT.byteSize());
        long lo = Integer.toUnsignedLong(LE ? id : flags);
        long hi = Integer.toUnsignedLong(LE ? flags : id);
        MemorySegment.copy(new long[] {lo | hi << 32, data, hwError}, 0, s, JAVA_LONG, 0, 3);
    }

    public MemorySegment encode(SegmentAllocator a) {
        MemorySegment s = a.allocate(LAYOUT);
        encode(s);
        return s;
    }

    public static KvmTdxCmd decode(MemorySegment s) {
        Structs.checkFits("kvm_tdx_cmd", s, LAYOUT.byteSize());
        long[] w = new long[3];
        MemorySegment.copy(s, JAVA_LONG, 0, w, 0, 3);
        int lo = (int) w[0];
        int hi = (int) (w[0] >>> 32);
        return new KvmTdxCmd(LE ? lo : hi, LE ? hi : lo, w[1], w[2]);
    }

    public KvmTdxCmd withHwError(long status) {
        return new KvmTdxCmd(id, flags, data, status);
    }
}
