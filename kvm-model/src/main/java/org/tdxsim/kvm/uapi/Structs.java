package org.tdxsim.kvm.uapi;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import com.google.common.primitives.ImmutableIntArray;
import com.google.common.primitives.ImmutableLongArray;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** Helpers shared by the struct codecs: field handles, offsets and fixed-size array access. */
public final class Structs {
    private Structs() {}

    /**
     * A VarHandle for a named scalar field with the base-offset coordinate fixed to 0, so it is
     * called as {@code (int) ID.get(segment)} on a segment that starts at the struct.
     */
    public static VarHandle field(StructLayout layout, String name) {
        VarHandle vh = layout.varHandle(MemoryLayout.PathElement.groupElement(name));
        return MethodHandles.insertCoordinates(vh, 1, 0L);
    }

    /** Byte offset of a named field. */
    public static long offset(StructLayout layout, String name) {
        return layout.byteOffset(MemoryLayout.PathElement.groupElement(name));
    }

    /** Byte size of a named field. */
    public static long size(StructLayout layout, String name) {
        return layout.select(MemoryLayout.PathElement.groupElement(name)).byteSize();
    }

    // Bulk copies: one bounds/alignment check per array instead of one VarHandle access per element.
    static ImmutableLongArray readLongs(MemorySegment s, long offset, int count) {
        long[] v = new long[count];
        MemorySegment.copy(s, JAVA_LONG, offset, v, 0, count);
        return ImmutableLongArray.copyOf(v);
    }

    static void writeLongs(MemorySegment s, long offset, ImmutableLongArray values) {
        MemorySegment.copy(values.toArray(), 0, s, JAVA_LONG, offset, values.length());
    }

    static ImmutableIntArray readInts(MemorySegment s, long offset, int count) {
        int[] v = new int[count];
        MemorySegment.copy(s, JAVA_INT, offset, v, 0, count);
        return ImmutableIntArray.copyOf(v);
    }

    static void writeInts(MemorySegment s, long offset, ImmutableIntArray values) {
        MemorySegment.copy(values.toArray(), 0, s, JAVA_INT, offset, values.length());
    }

    static Bytes readBytes(MemorySegment s, long offset, int count) {
        byte[] b = new byte[count];
        MemorySegment.copy(s, JAVA_BYTE, offset, b, 0, count);
        return Bytes.of(b);
    }

    static void writeBytes(MemorySegment s, long offset, Bytes value) {
        MemorySegment.copy(value.toArray(), 0, s, JAVA_BYTE, offset, value.length());
    }

    static ImmutableLongArray zeros(int n) {
        return ImmutableLongArray.copyOf(new long[n]);
    }

    static void checkLength(String what, int expected, int actual) {
        if (expected != actual) {
            throw new IllegalArgumentException(what + " must have " + expected + " elements, not " + actual);
        }
    }

    static void checkFits(String struct, MemorySegment s, long needed) {
        if (s.byteSize() < needed) {
            throw new IllegalArgumentException(struct + " needs " + needed + " bytes, segment has "
                    + s.byteSize());
        }
    }

    /** True if every u64 is zero (the kernel's {@code memchr_inv(reserved, 0, ...)} test). */
    public static boolean allZero(ImmutableLongArray a) {
        for (int i = 0; i < a.length(); i++) {
            if (a.get(i) != 0) {
                return false;
            }
        }
        return true;
    }
}
