package org.tdxsim.kvm.uapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Request numbers against kvm-tdx-uapi.md §1 ("ioctl numbers" table, value column). */
class IoctlsTest {

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
            "KVM_GET_API_VERSION, 0000AE00",
            "KVM_CREATE_VM, 0000AE01",
            "KVM_CHECK_EXTENSION, 0000AE03",
            "KVM_GET_VCPU_MMAP_SIZE, 0000AE04",
            "KVM_GET_SUPPORTED_CPUID, C008AE05",
            "KVM_CREATE_VCPU, 0000AE41",
            "KVM_SET_USER_MEMORY_REGION2, 40A0AE49",
            "KVM_RUN, 0000AE80",
            "KVM_SET_MSRS, 4008AE89",
            "KVM_SET_CPUID2, 4008AE90",
            "KVM_GET_CPUID2, C008AE91",
            "KVM_SET_TSC_KHZ, 0000AEA2",
            "KVM_ENABLE_CAP, 4068AEA3",
            "KVM_MEMORY_ENCRYPT_OP, C008AEBA",
            "KVM_SET_MEMORY_ATTRIBUTES, 4020AED2",
            "KVM_CREATE_GUEST_MEMFD, C040AED4",
    })
    void requestNumbersMatchSpecTable(String name, String hex) throws Exception {
        long value = Ioctls.class.getField(name).getLong(null);
        assertThat(value).as(name).isEqualTo(Long.parseLong(hex, 16));
        assertThat(Ioctls.name(value)).contains(name);
    }

    @Test
    void allRequestsAreDistinctAndNamed() {
        assertThat(Ioctls.all()).hasSize(17);
        assertThat(Ioctls.all().values()).doesNotHaveDuplicates();
    }

    /**
     * KVM_GET_TSC_KHZ is {@code _IO(KVMIO, 0xa3)} = 0xAEA3 (include/uapi/linux/kvm.h, outside the §1
     * table): it shares nr 0xa3 with KVM_ENABLE_CAP and differs from it in direction and size only.
     */
    @Test
    void getTscKhzSharesItsNumberWithEnableCap() {
        assertThat(Ioctls.KVM_GET_TSC_KHZ).isEqualTo(0xAEA3L);
        assertThat(Ioctls.nr(Ioctls.KVM_GET_TSC_KHZ)).isEqualTo(Ioctls.nr(Ioctls.KVM_ENABLE_CAP));
        assertThat(Ioctls.dir(Ioctls.KVM_GET_TSC_KHZ)).isEqualTo(Ioctls.IOC_NONE);
        assertThat(Ioctls.size(Ioctls.KVM_GET_TSC_KHZ)).isZero();
        assertThat(Ioctls.describe(Ioctls.KVM_GET_TSC_KHZ)).isEqualTo("KVM_GET_TSC_KHZ");
    }

    @Test
    void fieldExtractorsInvertTheEncoding() {
        long r = Ioctls.KVM_MEMORY_ENCRYPT_OP;
        assertThat(Ioctls.dir(r)).isEqualTo(Ioctls.IOC_READ | Ioctls.IOC_WRITE);
        assertThat(Ioctls.type(r)).isEqualTo(0xAE);
        assertThat(Ioctls.nr(r)).isEqualTo(0xBA);
        assertThat(Ioctls.size(r)).isEqualTo(8);
        assertThat(Ioctls.size(Ioctls.KVM_SET_USER_MEMORY_REGION2)).isEqualTo(160);
    }

    @Test
    void macroArgumentsOutOfRangeAreRejected() {
        assertThatThrownBy(() -> Ioctls.ioc(4, 0xAE, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Ioctls.ioc(0, 0x1AE, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Ioctls.ioc(0, 0xAE, 0, 0x4000)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void unknownRequestIsDescribedInHex() {
        assertThat(Ioctls.describe(0xAE99)).isEqualTo("ioctl 0xAE99");
    }

    /** §1 "Capability / type constants" and sub-command tables. */
    @Test
    void constantsMatchSpec() {
        assertThat(KvmConstants.KVM_API_VERSION).isEqualTo(12);
        assertThat(KvmConstants.KVM_MAX_CPUID_ENTRIES).isEqualTo(256);
        assertThat(KvmConstants.KVM_CAP_SPLIT_IRQCHIP).isEqualTo(121);
        assertThat(KvmConstants.KVM_CAP_MAX_VCPUS).isEqualTo(66);
        assertThat(KvmConstants.KVM_CAP_EXIT_HYPERCALL).isEqualTo(201);
        assertThat(KvmConstants.KVM_CAP_MEMORY_ATTRIBUTES).isEqualTo(233);
        assertThat(KvmConstants.KVM_CAP_GUEST_MEMFD).isEqualTo(234);
        assertThat(KvmConstants.KVM_CAP_VM_TYPES).isEqualTo(235);
        assertThat(KvmConstants.KVM_CAP_X86_APIC_BUS_CYCLES_NS).isEqualTo(237);
        assertThat(KvmConstants.KVM_X86_DEFAULT_VM).isEqualTo(0);
        assertThat(KvmConstants.KVM_X86_SW_PROTECTED_VM).isEqualTo(1);
        assertThat(KvmConstants.KVM_X86_SEV_VM).isEqualTo(2);
        assertThat(KvmConstants.KVM_X86_SEV_ES_VM).isEqualTo(3);
        assertThat(KvmConstants.KVM_X86_SNP_VM).isEqualTo(4);
        assertThat(KvmConstants.KVM_X86_TDX_VM).isEqualTo(5);
        assertThat(KvmConstants.KVM_MEM_GUEST_MEMFD).isEqualTo(4);
        assertThat(KvmConstants.KVM_MEMORY_ATTRIBUTE_PRIVATE).isEqualTo(8);
        assertThat(KvmConstants.KVM_CPUID_FLAG_SIGNIFCANT_INDEX).isEqualTo(1);
        assertThat(KvmConstants.KVM_CPUID_FLAG_STATEFUL_FUNC).isEqualTo(2);
        assertThat(KvmConstants.KVM_CPUID_FLAG_STATE_READ_NEXT).isEqualTo(4);
        assertThat(KvmConstants.KVM_TDX_MEASURE_MEMORY_REGION).isEqualTo(1);
        assertThat(KvmConstants.KVM_EXIT_TDX).isEqualTo(40);
        assertThat(KvmConstants.KVM_SYSTEM_EVENT_TDX_FATAL).isEqualTo(7);
    }

    @Test
    void subCommandIdsAndFdKinds() {
        assertThat(KvmTdxCmdId.values()).extracting(KvmTdxCmdId::id).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(KvmTdxCmdId.values()).filteredOn(KvmTdxCmdId::onVcpuFd)
                .containsExactly(KvmTdxCmdId.KVM_TDX_INIT_VCPU, KvmTdxCmdId.KVM_TDX_INIT_MEM_REGION,
                        KvmTdxCmdId.KVM_TDX_GET_CPUID);
        assertThat(KvmTdxCmdId.fromId(KvmConstants.KVM_TDX_CMD_NR_MAX)).isEmpty();
        assertThat(KvmTdxCmdId.fromId(4)).contains(KvmTdxCmdId.KVM_TDX_FINALIZE_VM);
    }
}
