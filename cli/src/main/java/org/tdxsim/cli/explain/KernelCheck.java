package org.tdxsim.cli.explain;

/**
 * One check the Linux kernel makes in a KVM TDX ioctl and the errno it returns when it fails.
 *
 * @param ioctl     uapi name of the ioctl or TDX sub-command ({@code KVM_TDX_INIT_VM}), or
 *                  {@code KVM_MEMORY_ENCRYPT_OP} for the dispatch layer every sub-command goes through
 * @param step      position in the kernel's check order (1 = first); equal steps are one check site
 * @param errno     errno name ({@code EINVAL}); the syscall returns its negation
 * @param condition what the kernel found, in words
 * @param function  the kernel function that decides ({@code setup_tdparams_eptp_controls}) where the spec names it,
 *                  else the kernel file ({@code tdx.c}, {@code x86.c}, {@code cpuid.c})
 * @param since     kernel where the check applies: {@code "6.16"} (baseline) or a later release / note
 * @param source    section of kvm-tdx-uapi.md the row comes from
 */
public record KernelCheck(String ioctl, int step, String errno, String condition, String function, String since,
        String source) {}
