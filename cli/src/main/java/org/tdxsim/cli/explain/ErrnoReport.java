package org.tdxsim.cli.explain;

import com.google.common.collect.ImmutableList;

/**
 * Why a KVM TDX ioctl returns an errno: the kernel checks that produce it, in check order.
 *
 * @param errno     errno name
 * @param number    positive errno number
 * @param message   strerror text
 * @param ioctl     the ioctl asked about, or "" for "any"
 * @param dispatch  checks of the KVM_MEMORY_ENCRYPT_OP dispatch that run before a TDX sub-command
 * @param checks    the ioctl's own checks (all ioctls when {@code ioctl} is "")
 * @param returnedByIoctl every errno the ioctl can return (to point the user elsewhere when {@code checks} is empty)
 */
public record ErrnoReport(String errno, int number, String message, String ioctl, ImmutableList<KernelCheck> dispatch,
        ImmutableList<KernelCheck> checks, ImmutableList<String> returnedByIoctl) {}
