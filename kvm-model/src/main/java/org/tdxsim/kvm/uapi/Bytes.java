package org.tdxsim.kvm.uapi;

import java.util.Arrays;
import java.util.HexFormat;

/** An immutable byte string (for {@code __u8[]} fields), compared by content. */
public final class Bytes {
    private final byte[] bytes;

    private Bytes(byte[] bytes) {
        this.bytes = bytes;
    }

    /** A copy of {@code bytes}. */
    public static Bytes of(byte... bytes) {
        return new Bytes(bytes.clone());
    }

    /** {@code n} zero bytes. */
    public static Bytes zeros(int n) {
        return new Bytes(new byte[n]);
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

    public boolean isAllZero() {
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bytes other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return HexFormat.of().formatHex(bytes);
    }
}
