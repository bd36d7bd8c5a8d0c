package org.tdxsim.cli.explain;

import com.google.common.collect.ImmutableList;
import java.util.Locale;
import java.util.Optional;
import org.tdxsim.cli.BadInput;
import org.tdxsim.kvm.uapi.Errno;

/** Builds {@link ErrnoReport}s: {@code tdxsim explain --errno EINVAL --ioctl KVM_TDX_INIT_VM}. */
public final class ErrnoExplainer {
    private ErrnoExplainer() {}

    /** Parses {@code EINVAL}, {@code einval}, {@code 22} or {@code -22}. */
    public static Errno parseErrno(String option, String text) {
        String t = text.strip();
        Optional<Errno> e;
        if (t.matches("-?[0-9]{1,4}")) {
            e = Errno.of(Math.abs(Integer.parseInt(t)));
        } else {
            e = java.util.Arrays.stream(Errno.values()).filter(x -> x.name().equalsIgnoreCase(t)).findFirst();
        }
        return e.orElseThrow(() -> new BadInput(option, "unknown errno '" + text + "' (use a name like EINVAL or a number like 22)"));
    }

    /** Normalises an ioctl name ({@code kvm_tdx_init_vm}, {@code INIT_VM}) to the table's spelling. */
    public static String parseIoctl(String option, String text) {
        String t = text.strip().toUpperCase(Locale.ROOT).replace('-', '_');
        for (String known : KernelChecks.ioctls()) {
            if (known.equals(t) || known.equals("KVM_" + t) || known.equals("KVM_TDX_" + t)) {
                return known;
            }
        }
        throw new BadInput(option, "unknown ioctl '" + text + "'; known: " + String.join(", ", KernelChecks.ioctls()));
    }

    public static ErrnoReport explain(Errno errno, Optional<String> ioctl) {
        String name = errno.name();
        ImmutableList<KernelCheck> dispatch = ImmutableList.of();
        ImmutableList<KernelCheck> checks;
        ImmutableList<String> returned = ImmutableList.of();
        if (ioctl.isPresent()) {
            String i = ioctl.get();
            checks = ImmutableList.copyOf(KernelChecks.producing(name, i));
            if (KernelChecks.isTdxSubCommand(i)) {
                dispatch = KernelChecks.all().stream()
                        .filter(k -> k.ioctl().equals(KernelChecks.DISPATCH) && k.errno().equals(name))
                        .filter(k -> applies(k, i))
                        .collect(ImmutableList.toImmutableList());
            }
            returned = KernelChecks.all().stream().filter(k -> k.ioctl().equals(i)).map(KernelCheck::errno)
                    .filter(e -> e.startsWith("E")).distinct().collect(ImmutableList.toImmutableList());
        } else {
            checks = KernelChecks.all().stream().filter(k -> k.errno().equals(name))
                    .collect(ImmutableList.toImmutableList());
        }
        return new ErrnoReport(name, errno.number(), errno.message(), ioctl.orElse(""), dispatch, checks, returned);
    }

    /** Dispatch rows say "VM path" / "vCPU path"; keep those that fit the sub-command's fd. */
    private static boolean applies(KernelCheck k, String subCommand) {
        boolean vcpu = org.tdxsim.kvm.uapi.KvmTdxCmdId.valueOf(subCommand).onVcpuFd();
        String c = k.condition();
        if (c.startsWith("VM path") || c.startsWith("VM-fd") || c.contains("on a VM fd")) {
            return !vcpu;
        }
        if (c.startsWith("vCPU path") || c.startsWith("vCPU-fd")) {
            return vcpu;
        }
        return true;
    }
}
