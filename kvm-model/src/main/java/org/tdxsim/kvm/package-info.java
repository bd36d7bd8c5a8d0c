/**
 * The typed KVM client, in the style of rust-vmm kvm-ioctls: {@link org.tdxsim.kvm.Kvm} (system fd),
 * {@link org.tdxsim.kvm.VmFd}, {@link org.tdxsim.kvm.VcpuFd}, {@link org.tdxsim.kvm.GuestMemfd}, each
 * method named after its ioctl, every failure one {@link org.tdxsim.kvm.KvmException} carrying a
 * {@link org.tdxsim.kvm.KvmError}. Arguments are encoded with {@code org.tdxsim.kvm.uapi} into arenas
 * of the backend's {@link org.tdxsim.kvm.UserMemory} and passed by address over the
 * {@link org.tdxsim.kvm.KvmBackend} SPI, so the simulated kernel and the device backend see the same
 * bytes. Buffer-growing and retry loops are the caller's, as on Linux; {@link
 * org.tdxsim.kvm.QemuProtocols} has QEMU's.
 */
package org.tdxsim.kvm;
