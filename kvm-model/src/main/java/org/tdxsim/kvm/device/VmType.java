package org.tdxsim.kvm.device;

import com.google.common.collect.ImmutableSet;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.tdxsim.kvm.uapi.KvmConstants;

/**
 * The x86 KVM VM types ({@code KVM_X86_*_VM}, {@code arch/x86/include/uapi/asm/kvm.h}, uapi §1), as
 * named bits of the {@code KVM_CHECK_EXTENSION(KVM_CAP_VM_TYPES)} result. {@code KVM_CREATE_VM(type)}
 * fails {@code -EINVAL} unless {@code type < 32 && (supported_vm_types & BIT(type))} (uapi §1 [S8]).
 * The numbers are {@link KvmConstants}'; this enum only names them for reports.
 */
public enum VmType {
    DEFAULT(KvmConstants.KVM_X86_DEFAULT_VM),
    SW_PROTECTED(KvmConstants.KVM_X86_SW_PROTECTED_VM),
    SEV(KvmConstants.KVM_X86_SEV_VM),
    SEV_ES(KvmConstants.KVM_X86_SEV_ES_VM),
    SNP(KvmConstants.KVM_X86_SNP_VM),
    TDX(KvmConstants.KVM_X86_TDX_VM);

    private final int type;

    VmType(int type) {
        this.type = type;
    }

    /** The {@code KVM_CREATE_VM} argument. */
    public int type() {
        return type;
    }

    /** The uapi macro name, e.g. {@code KVM_X86_TDX_VM}. */
    public String uapiName() {
        return "KVM_X86_" + name() + "_VM";
    }

    /** The named types whose bit is set in a {@code KVM_CAP_VM_TYPES} mask. */
    public static ImmutableSet<VmType> decode(long mask) {
        EnumSet<VmType> set = EnumSet.noneOf(VmType.class);
        for (VmType t : values()) {
            if ((mask & (1L << t.type)) != 0) {
                set.add(t);
            }
        }
        return ImmutableSet.copyOf(set);
    }

    /**
     * The mask as a set literal for messages: {@code {DEFAULT, SEV, SNP}}; bits with no name here
     * (types added after this list) are shown as {@code type N}.
     */
    public static String describe(long mask) {
        List<String> names = new ArrayList<>();
        for (int bit = 0; bit < 64; bit++) {
            if ((mask & (1L << bit)) == 0) {
                continue;
            }
            String name = "type " + bit;
            for (VmType t : values()) {
                if (t.type == bit) {
                    name = t.name();
                }
            }
            names.add(name);
        }
        return "{" + String.join(", ", names) + "}";
    }
}
