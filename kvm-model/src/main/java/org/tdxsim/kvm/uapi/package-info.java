/**
 * Linux KVM's userspace ABI for TDX guests, byte-exact: ioctl request numbers ({@link
 * org.tdxsim.kvm.uapi.Ioctls}), constants ({@link org.tdxsim.kvm.uapi.KvmConstants}), errno values
 * ({@link org.tdxsim.kvm.uapi.Errno}) and one {@link java.lang.foreign.StructLayout} plus one record
 * codec per uapi struct. The typed client encodes with these and the simulated kernel decodes with
 * them, so both transports see the same bytes. Source of every number: kvm-tdx-uapi.md §1–§2.
 */
package org.tdxsim.kvm.uapi;
