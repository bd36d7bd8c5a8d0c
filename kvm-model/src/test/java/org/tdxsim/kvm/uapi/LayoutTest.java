package org.tdxsim.kvm.uapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.StructLayout;
import org.junit.jupiter.api.Test;

/** Every offset, size and alignment kvm-tdx-uapi.md §2 lists ("Verified with offsetof/sizeof"). */
class LayoutTest {

    private static void field(StructLayout l, String name, long offset, long size) {
        assertThat(Structs.offset(l, name)).as("offsetof(%s, %s)", l.name().orElseThrow(), name).isEqualTo(offset);
        assertThat(Structs.size(l, name)).as("sizeof(%s.%s)", l.name().orElseThrow(), name).isEqualTo(size);
    }

    @Test
    void kvmTdxCmd() {
        StructLayout l = KvmTdxCmd.LAYOUT;
        assertThat(l.byteSize()).isEqualTo(24);
        assertThat(l.byteAlignment()).isEqualTo(8);
        field(l, "id", 0, 4);
        field(l, "flags", 4, 4);
        field(l, "data", 8, 8);
        field(l, "hw_error", 16, 8);
        assertThat(KvmTdxCmd.OFFSET_HW_ERROR).isEqualTo(16);
    }

    @Test
    void kvmCpuidEntry2() {
        StructLayout l = KvmCpuidEntry2.LAYOUT;
        assertThat(l.byteSize()).isEqualTo(40);
        assertThat(l.byteAlignment()).isEqualTo(4);
        field(l, "function", 0, 4);
        field(l, "index", 4, 4);
        field(l, "flags", 8, 4);
        field(l, "eax", 12, 4);
        field(l, "ebx", 16, 4);
        field(l, "ecx", 20, 4);
        field(l, "edx", 24, 4);
        field(l, "padding", 28, 12);
    }

    @Test
    void kvmCpuid2() {
        StructLayout l = KvmCpuid2.LAYOUT;
        assertThat(l.byteSize()).as("sizeof(struct kvm_cpuid2)").isEqualTo(8);
        assertThat(l.byteAlignment()).isEqualTo(4);
        field(l, "nent", 0, 4);
        field(l, "padding", 4, 4);
        assertThat(Structs.offset(l, "entries")).isEqualTo(8);
        assertThat(KvmCpuid2.FAM.entriesOffset()).isEqualTo(8);
        assertThat(KvmCpuid2.FAM.byteSize(3)).isEqualTo(8 + 3 * 40);
    }

    @Test
    void kvmTdxCapabilities() {
        StructLayout l = KvmTdxCapabilities.LAYOUT;
        assertThat(l.byteSize()).isEqualTo(2056);
        assertThat(l.byteAlignment()).isEqualTo(8);
        field(l, "supported_attrs", 0, 8);
        field(l, "supported_xfam", 8, 8);
        field(l, "kernel_tdvmcallinfo_1_r11", 16, 8);
        field(l, "user_tdvmcallinfo_1_r11", 24, 8);
        field(l, "kernel_tdvmcallinfo_1_r12", 32, 8);
        field(l, "user_tdvmcallinfo_1_r12", 40, 8);
        field(l, "reserved", 48, 2000);
        field(l, "cpuid", 2048, 8);
        assertThat(l.byteOffset(PathElement.groupElement("cpuid"), PathElement.groupElement("nent"))).isEqualTo(2048);
        assertThat(KvmTdxCapabilities.FAM.entriesOffset()).isEqualTo(2056);
        assertThat(KvmTdxCapabilities.FAM.countOffset()).isEqualTo(2048);
    }

    @Test
    void kvmTdxInitVm() {
        StructLayout l = KvmTdxInitVm.LAYOUT;
        assertThat(l.byteSize()).isEqualTo(264);
        assertThat(l.byteAlignment()).isEqualTo(8);
        field(l, "attributes", 0, 8);
        field(l, "xfam", 8, 8);
        field(l, "mrconfigid", 16, 48);
        field(l, "mrowner", 64, 48);
        field(l, "mrownerconfig", 112, 48);
        field(l, "reserved", 160, 96);
        field(l, "cpuid", 256, 8);
        assertThat(l.byteOffset(PathElement.groupElement("cpuid"), PathElement.groupElement("padding"))).isEqualTo(260);
        // BUILD_BUG_ON(sizeof(*init_vm) != 256 + sizeof_field(struct kvm_tdx_init_vm, cpuid))
        assertThat(l.byteSize()).isEqualTo(256 + KvmCpuid2.LAYOUT.byteSize());
        assertThat(KvmTdxInitVm.FAM.entriesOffset()).isEqualTo(264);
    }

    @Test
    void kvmTdxInitMemRegion() {
        StructLayout l = KvmTdxInitMemRegion.LAYOUT;
        assertThat(l.byteSize()).isEqualTo(24);
        field(l, "source_addr", 0, 8);
        field(l, "gpa", 8, 8);
        field(l, "nr_pages", 16, 8);
    }

    @Test
    void kvmUserspaceMemoryRegion2() {
        StructLayout l = KvmUserspaceMemoryRegion2.LAYOUT;
        assertThat(l.byteSize()).isEqualTo(160);
        field(l, "slot", 0, 4);
        field(l, "flags", 4, 4);
        field(l, "guest_phys_addr", 8, 8);
        field(l, "memory_size", 16, 8);
        field(l, "userspace_addr", 24, 8);
        field(l, "guest_memfd_offset", 32, 8);
        field(l, "guest_memfd", 40, 4);
        field(l, "pad1", 44, 4);
        field(l, "pad2", 48, 112);
    }

    @Test
    void kvmCreateGuestMemfd() {
        StructLayout l = KvmCreateGuestMemfd.LAYOUT;
        assertThat(l.byteSize()).isEqualTo(64);
        field(l, "size", 0, 8);
        field(l, "flags", 8, 8);
        field(l, "reserved", 16, 48);
    }

    @Test
    void kvmMemoryAttributes() {
        StructLayout l = KvmMemoryAttributes.LAYOUT;
        assertThat(l.byteSize()).isEqualTo(32);
        field(l, "address", 0, 8);
        field(l, "size", 8, 8);
        field(l, "attributes", 16, 8);
        field(l, "flags", 24, 8);
    }

    @Test
    void kvmEnableCap() {
        StructLayout l = KvmEnableCap.LAYOUT;
        assertThat(l.byteSize()).isEqualTo(104);
        field(l, "cap", 0, 4);
        field(l, "flags", 4, 4);
        field(l, "args", 8, 32);
        field(l, "pad", 40, 64);
    }
}
