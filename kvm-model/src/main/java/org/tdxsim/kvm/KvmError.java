package org.tdxsim.kvm;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.tdxsim.kvm.uapi.Errno;
import org.tdxsim.kvm.uapi.KvmTdxCmdId;
import org.tdxsim.kvm.uapi.KvmTdxInitMemRegion;

/**
 * What a failed KVM call returned, as data: the errno, which ioctl (and TDX sub-command), the TDX
 * module status KVM reported in {@code kvm_tdx_cmd.hw_error} with its name, the backend's
 * explanation, and the in/out values some sub-commands write back even on failure.
 *
 * @param errno positive errno number as the kernel returned it
 * @param ioctl the uapi name of the request, e.g. {@code KVM_MEMORY_ENCRYPT_OP}
 * @param tdxCommand the TDX sub-command, for KVM_MEMORY_ENCRYPT_OP
 * @param hwError the non-zero {@code hw_error} read back from the command (VM-fd sub-commands only;
 *        the vCPU path never copies the command back, kvm-tdx-uapi.md §3.1)
 * @param hwErrorName the status name of {@code hwError}
 * @param explanation the backend's reason, if it gives one (the simulated kernel does)
 * @param neededEntries for KVM_TDX_GET_CPUID's -E2BIG: the {@code nent} KVM wrote back (§3.3)
 * @param regionProgress for KVM_TDX_INIT_MEM_REGION: the region as KVM wrote it back (§3.3 step 5)
 */
public record KvmError(int errno, String ioctl, Optional<KvmTdxCmdId> tdxCommand, OptionalLong hwError,
                       Optional<String> hwErrorName, Optional<String> explanation, OptionalInt neededEntries,
                       Optional<KvmTdxInitMemRegion> regionProgress) {

    /** A plain errno failure of {@code ioctl}. */
    public static KvmError of(int errno, String ioctl, Optional<String> explanation) {
        return new KvmError(errno, ioctl, Optional.empty(), OptionalLong.empty(), Optional.empty(), explanation,
                OptionalInt.empty(), Optional.empty());
    }

    /** The errno's symbolic name ({@code EINVAL}) or {@code errno N}. */
    public String errnoName() {
        return Errno.nameOf(errno);
    }

    /** The errno as an enum constant, if listed in {@link Errno}. */
    public Optional<Errno> errnoValue() {
        return Errno.of(errno);
    }

    public boolean is(Errno e) {
        return errno == e.number();
    }

    public KvmError withTdx(KvmTdxCmdId cmd, long hw, Optional<String> hwName) {
        return new KvmError(errno, ioctl, Optional.of(cmd), hw == 0 ? OptionalLong.empty() : OptionalLong.of(hw),
                hw == 0 ? Optional.empty() : hwName, explanation, neededEntries, regionProgress);
    }

    public KvmError withNeededEntries(int n) {
        return new KvmError(errno, ioctl, tdxCommand, hwError, hwErrorName, explanation, OptionalInt.of(n),
                regionProgress);
    }

    public KvmError withRegionProgress(KvmTdxInitMemRegion r) {
        return new KvmError(errno, ioctl, tdxCommand, hwError, hwErrorName, explanation, neededEntries,
                Optional.of(r));
    }

    /**
     * One line: {@code KVM_MEMORY_ENCRYPT_OP(KVM_TDX_INIT_VM): EINVAL (22, Invalid argument);
     * hw_error 0xC000010000000045 TDX_OPERAND_INVALID|CPUID_CONFIG(69); <explanation>}.
     */
    public String describe() {
        StringBuilder sb = new StringBuilder(ioctl);
        tdxCommand.ifPresent(c -> sb.append('(').append(c.name()).append(')'));
        sb.append(": ").append(errnoName()).append(" (").append(errno);
        errnoValue().ifPresent(e -> sb.append(", ").append(e.message()));
        sb.append(')');
        if (hwError.isPresent()) {
            sb.append("; hw_error ").append(String.format("0x%016X", hwError.getAsLong()));
            hwErrorName.ifPresent(n -> sb.append(' ').append(n));
        }
        neededEntries.ifPresent(n -> sb.append("; needs nent ").append(n));
        explanation.ifPresent(e -> sb.append("; ").append(e));
        return sb.toString();
    }
}
