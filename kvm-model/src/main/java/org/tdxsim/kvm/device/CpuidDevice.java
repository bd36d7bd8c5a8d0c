package org.tdxsim.kvm.device;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.tdxsim.kvm.uapi.KvmConstants;
import org.tdxsim.kvm.uapi.KvmCpuidEntry2;

/**
 * Raw CPUID of one logical CPU, read through Linux's x86 {@code cpuid} driver
 * ({@code /dev/cpu/N/cpuid}, CONFIG_X86_CPUID, root only): a 16-byte pread at file offset
 * {@code subleaf << 32 | leaf} executes CPUID on CPU N and returns EAX, EBX, ECX, EDX; each further
 * 16 bytes of the same read is the next leaf with the same subleaf. This is the one way plain Java
 * gets unfiltered CPUID without native code; where the device is missing, only KVM's filtered view
 * ({@code KVM_GET_SUPPORTED_CPUID}) is available. Under a hypervisor the values are the ones that
 * hypervisor gives this guest.
 *
 * <p>Which leaves have sub-leaves is not reported by CPUID itself, so it is inferred: every leaf is
 * read with sub-leaves 0–63; a leaf whose sub-leaves all equal sub-leaf 0 is recorded once without an
 * index (flags 0), otherwise sub-leaf 0 and every non-zero sub-leaf are recorded with
 * {@code KVM_CPUID_FLAG_SIGNIFCANT_INDEX}. Leaves 0xB and 0x1F stop at the first level of type 0
 * (ECX[15:8] = 0, SDM "invalid level"), since beyond it ECX still echoes the sub-leaf. The result uses
 * the {@code kvm_cpuid_entry2} value type so both sources feed the same conversion.
 */
public final class CpuidDevice {

    /** Sub-leaves probed per leaf (leaf 0xD's state components go up to 63). */
    static final int SUBLEAVES = 64;
    /** Upper bound on basic leaves read, against a corrupt maximum. */
    private static final int MAX_BASIC = 0xFF;
    /** Upper bound on extended leaves read, against a corrupt maximum. */
    private static final int MAX_EXTENDED_SPAN = 0x100;

    private CpuidDevice() {}

    /** Reads CPU {@code cpu}'s CPUID through {@code files}; empty if the device cannot be read. */
    public static Optional<ImmutableList<KvmCpuidEntry2>> read(HostFiles files, int cpu) {
        return read(files.cpuidDevice(cpu));
    }

    /** Reads the CPUID device at {@code device}; empty if it cannot be opened or read. */
    public static Optional<ImmutableList<KvmCpuidEntry2>> read(Path device) {
        try (FileChannel ch = FileChannel.open(device, StandardOpenOption.READ)) {
            List<KvmCpuidEntry2> out = new ArrayList<>();
            int maxBasic = range(ch, 0, 0, 1)[0][0];
            readRange(ch, 0, Math.min(maxBasic, MAX_BASIC), out);
            int maxExt = range(ch, 0x8000_0000, 0, 1)[0][0];
            if (Integer.compareUnsigned(maxExt, 0x8000_0000) >= 0
                    && Integer.compareUnsigned(maxExt, 0x8000_0000 + MAX_EXTENDED_SPAN) < 0) {
                readRange(ch, 0x8000_0000, maxExt, out);
            }
            return Optional.of(ImmutableList.copyOf(out));
        } catch (IOException | SecurityException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    private static void readRange(FileChannel ch, int first, int last, List<KvmCpuidEntry2> out)
            throws IOException {
        int count = last - first + 1;
        int[][][] bySubleaf = new int[SUBLEAVES][][];
        for (int s = 0; s < SUBLEAVES; s++) {
            bySubleaf[s] = range(ch, first, s, count);
        }
        for (int i = 0; i < count; i++) {
            int leaf = first + i;
            int[] s0 = bySubleaf[0][i];
            boolean varies = false;
            for (int s = 1; s < SUBLEAVES && !varies; s++) {
                varies = !Arrays.equals(s0, bySubleaf[s][i]);
            }
            if (!varies) {
                out.add(new KvmCpuidEntry2(leaf, 0, 0, s0[0], s0[1], s0[2], s0[3]));
                continue;
            }
            boolean topology = leaf == 0xB || leaf == 0x1F;
            for (int s = 0; s < SUBLEAVES; s++) {
                int[] r = bySubleaf[s][i];
                if (topology && s > 0 && (r[2] >>> 8 & 0xFF) == 0) {
                    break;
                }
                if (s == 0 || r[0] != 0 || r[1] != 0 || r[2] != 0 || r[3] != 0) {
                    out.add(new KvmCpuidEntry2(leaf, s, KvmConstants.KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
                            r[0], r[1], r[2], r[3]));
                }
            }
        }
    }

    /** {@code count} consecutive leaves from {@code leaf} with sub-leaf {@code subleaf}: [i][eax..edx]. */
    private static int[][] range(FileChannel ch, int leaf, int subleaf, int count) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16 * count).order(ByteOrder.LITTLE_ENDIAN);
        long offset = (long) subleaf << 32 | Integer.toUnsignedLong(leaf);
        while (b.hasRemaining()) {
            int n = ch.read(b, offset + b.position() / 16);
            if (n <= 0) {
                throw new IOException("short read from cpuid device");
            }
        }
        int[][] regs = new int[count][4];
        for (int i = 0; i < count; i++) {
            for (int r = 0; r < 4; r++) {
                regs[i][r] = b.getInt(16 * i + 4 * r);
            }
        }
        return regs;
    }
}
