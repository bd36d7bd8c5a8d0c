package org.tdxsim.kvm.device;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.tdxsim.kvm.uapi.KvmConstants;

/** KVM_CAP_VM_TYPES bit decoding (uapi §1: bit n = KVM_CREATE_VM type n is accepted). */
class VmTypeTest {

    @Test
    void typesAreTheUapiNumbers() {
        assertThat(VmType.DEFAULT.type()).isEqualTo(0);
        assertThat(VmType.TDX.type()).isEqualTo(5).isEqualTo(KvmConstants.KVM_X86_TDX_VM);
        assertThat(VmType.SNP.uapiName()).isEqualTo("KVM_X86_SNP_VM");
    }

    @Test
    void decodeAndDescribe() {
        assertThat(VmType.decode(0b100001)).containsExactly(VmType.DEFAULT, VmType.TDX);
        assertThat(VmType.describe(0b11111)).isEqualTo("{DEFAULT, SW_PROTECTED, SEV, SEV_ES, SNP}");
        assertThat(VmType.describe(1)).isEqualTo("{DEFAULT}");
        assertThat(VmType.describe(0)).isEqualTo("{}");
        // a type newer than this list is still shown, by number
        assertThat(VmType.describe(1L | 1L << 6)).isEqualTo("{DEFAULT, type 6}");
        assertThat(VmType.decode(1L << 6)).isEmpty();
    }
}
