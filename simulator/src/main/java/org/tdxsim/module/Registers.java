package org.tdxsim.module;

/**
 * The general-purpose registers a SEAMCALL consumes and returns (abi §1.1). RAX carries
 * {@code leaf | version << 16} on input and the completion status on output; the other registers
 * come back unchanged unless the leaf writes them.
 */
public record Registers(long rax, long rcx, long rdx, long r8, long r9, long r10, long r11) {

    public static final Registers ZERO = new Registers(0, 0, 0, 0, 0, 0, 0);

    /** RAX for a leaf and version: {@code leaf | version << 16} (abi §1). */
    public static long raxFor(int leaf, int version) {
        return (leaf & 0xFFFFL) | (version & 0xFFL) << 16;
    }

    /** Registers for {@code leaf} version 0 with all other registers 0. */
    public static Registers leaf(int leaf) {
        return ZERO.withRax(raxFor(leaf, 0));
    }

    public static Registers leaf(Leaf leaf) {
        return leaf(leaf.number());
    }

    public static Registers leaf(Leaf leaf, int version) {
        return ZERO.withRax(raxFor(leaf.number(), version));
    }

    public Registers withRax(long v) {
        return new Registers(v, rcx, rdx, r8, r9, r10, r11);
    }

    public Registers withRcx(long v) {
        return new Registers(rax, v, rdx, r8, r9, r10, r11);
    }

    public Registers withRdx(long v) {
        return new Registers(rax, rcx, v, r8, r9, r10, r11);
    }

    public Registers withR8(long v) {
        return new Registers(rax, rcx, rdx, v, r9, r10, r11);
    }

    public Registers withR9(long v) {
        return new Registers(rax, rcx, rdx, r8, v, r10, r11);
    }

    public Registers withR10(long v) {
        return new Registers(rax, rcx, rdx, r8, r9, v, r11);
    }

    public Registers withR11(long v) {
        return new Registers(rax, rcx, rdx, r8, r9, r10, v);
    }

    @Override
    public String toString() {
        return String.format("{rax=0x%X, rcx=0x%X, rdx=0x%X, r8=0x%X, r9=0x%X, r10=0x%X, r11=0x%X}",
                rax, rcx, rdx, r8, r9, r10, r11);
    }
}
