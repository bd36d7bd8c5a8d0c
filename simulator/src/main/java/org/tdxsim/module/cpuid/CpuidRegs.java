package org.tdxsim.module.cpuid;

/**
 * One CPUID result (or a per-register mask) as four unsigned 32-bit registers.
 *
 * <p>Used for native CPUID values, the module's per-register masks (verify, fixed0/fixed1,
 * CONFIG_DIRECT, ALLOW_DIRECT, XFAM masks) and TD_PARAMS.CPUID_CONFIG values (16 bytes, EAX..EDX
 * little-endian, abi §3.3).
 */
public record CpuidRegs(int eax, int ebx, int ecx, int edx) {

    public static final CpuidRegs ZERO = new CpuidRegs(0, 0, 0, 0);
    public static final CpuidRegs ALL_ONES = new CpuidRegs(-1, -1, -1, -1);

    public int get(CpuidReg r) {
        return switch (r) {
            case EAX -> eax;
            case EBX -> ebx;
            case ECX -> ecx;
            case EDX -> edx;
        };
    }

    public CpuidRegs with(CpuidReg r, int value) {
        return switch (r) {
            case EAX -> new CpuidRegs(value, ebx, ecx, edx);
            case EBX -> new CpuidRegs(eax, value, ecx, edx);
            case ECX -> new CpuidRegs(eax, ebx, value, edx);
            case EDX -> new CpuidRegs(eax, ebx, ecx, value);
        };
    }

    public boolean bit(CpuidReg r, int bit) {
        return (get(r) >>> bit & 1) != 0;
    }

    public CpuidRegs withBit(CpuidReg r, int bit, boolean set) {
        int v = get(r);
        return with(r, set ? v | (1 << bit) : v & ~(1 << bit));
    }

    // Written out per operation (not through one IntBinaryOperator helper): these run for every
    // lookup entry of every TDH.MNG.INIT, and a shared lambda call site does not inline.
    public CpuidRegs and(CpuidRegs o) {
        return new CpuidRegs(eax & o.eax, ebx & o.ebx, ecx & o.ecx, edx & o.edx);
    }

    public CpuidRegs or(CpuidRegs o) {
        return new CpuidRegs(eax | o.eax, ebx | o.ebx, ecx | o.ecx, edx | o.edx);
    }

    /** {@code this & ~o}. */
    public CpuidRegs andNot(CpuidRegs o) {
        return new CpuidRegs(eax & ~o.eax, ebx & ~o.ebx, ecx & ~o.ecx, edx & ~o.edx);
    }

    public CpuidRegs not() {
        return new CpuidRegs(~eax, ~ebx, ~ecx, ~edx);
    }

    public boolean isZero() {
        return (eax | ebx | ecx | edx) == 0;
    }

    /** The 16 little-endian bytes of TD_PARAMS.CPUID_CONFIG[i] (abi §3.3). */
    public byte[] toBytes() {
        byte[] b = new byte[16];
        for (CpuidReg r : CpuidReg.values()) {
            int v = get(r);
            for (int i = 0; i < 4; i++) {
                b[r.ordinal() * 4 + i] = (byte) (v >>> (8 * i));
            }
        }
        return b;
    }

    @Override
    public String toString() {
        return String.format("{eax=0x%08X, ebx=0x%08X, ecx=0x%08X, edx=0x%08X}", eax, ebx, ecx, edx);
    }
}
