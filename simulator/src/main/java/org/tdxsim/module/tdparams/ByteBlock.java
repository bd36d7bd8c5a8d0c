package org.tdxsim.module.tdparams;

import java.util.Arrays;
import java.util.HexFormat;

/** An immutable run of bytes (a reserved area or a 48-byte measurement register of TD_PARAMS). */
public final class ByteBlock {

    private final byte[] bytes;

    private ByteBlock(byte[] bytes) {
        this.bytes = bytes;
    }

    public static ByteBlock of(byte[] bytes) {
        return new ByteBlock(bytes.clone());
    }

    public static ByteBlock zeros(int length) {
        return new ByteBlock(new byte[length]);
    }

    static ByteBlock copyOf(byte[] src, int offset, int length) {
        return new ByteBlock(Arrays.copyOfRange(src, offset, offset + length));
    }

    public int length() {
        return bytes.length;
    }

    public byte get(int i) {
        return bytes[i];
    }

    public byte[] toArray() {
        return bytes.clone();
    }

    void copyTo(byte[] dst, int offset) {
        System.arraycopy(bytes, 0, dst, offset, bytes.length);
    }

    public boolean isZero() {
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    /** Index of the first non-zero byte, or -1. */
    public int firstNonZero() {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] != 0) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ByteBlock b && Arrays.equals(bytes, b.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return isZero() ? "zeros[" + bytes.length + "]" : HexFormat.of().formatHex(bytes);
    }
}
