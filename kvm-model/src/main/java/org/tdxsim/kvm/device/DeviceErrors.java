package org.tdxsim.kvm.device;

/** Temporary: errno names and fd-returning ioctls until org.tdxsim.kvm.uapi lands. */
final class DeviceErrors {
    static final int EBADF = 9;

    private DeviceErrors() {}

    static String errnoName(int errno) {
        return switch (errno) {
            case 1 -> "EPERM"; case 2 -> "ENOENT"; case 7 -> "E2BIG"; case 9 -> "EBADF";
            case 12 -> "ENOMEM"; case 13 -> "EACCES"; case 14 -> "EFAULT"; case 22 -> "EINVAL";
            case 25 -> "ENOTTY"; default -> "errno " + errno;
        };
    }

    static boolean returnsNewFd(long request) {
        return request == 0xAE01L || request == 0xAE41L || request == 0xC040AED4L;
    }
}
