package org.tdxsim.kvm.uapi;

import java.util.Optional;

/**
 * Linux errno values (x86-64; {@code include/uapi/asm-generic/errno-base.h} and {@code errno.h}) with
 * their glibc {@code strerror} text, so a {@code -errno} from either backend can be named. Numbers are
 * the generic Linux ones, which x86-64 uses unchanged.
 */
public enum Errno {
    EPERM(1, "Operation not permitted"),
    ENOENT(2, "No such file or directory"),
    ESRCH(3, "No such process"),
    EINTR(4, "Interrupted system call"),
    EIO(5, "Input/output error"),
    ENXIO(6, "No such device or address"),
    E2BIG(7, "Argument list too long"),
    ENOEXEC(8, "Exec format error"),
    EBADF(9, "Bad file descriptor"),
    ECHILD(10, "No child processes"),
    EAGAIN(11, "Resource temporarily unavailable"),
    ENOMEM(12, "Cannot allocate memory"),
    EACCES(13, "Permission denied"),
    EFAULT(14, "Bad address"),
    ENOTBLK(15, "Block device required"),
    EBUSY(16, "Device or resource busy"),
    EEXIST(17, "File exists"),
    EXDEV(18, "Invalid cross-device link"),
    ENODEV(19, "No such device"),
    ENOTDIR(20, "Not a directory"),
    EISDIR(21, "Is a directory"),
    EINVAL(22, "Invalid argument"),
    ENFILE(23, "Too many open files in system"),
    EMFILE(24, "Too many open files"),
    ENOTTY(25, "Inappropriate ioctl for device"),
    ETXTBSY(26, "Text file busy"),
    EFBIG(27, "File too large"),
    ENOSPC(28, "No space left on device"),
    ESPIPE(29, "Illegal seek"),
    EROFS(30, "Read-only file system"),
    EMLINK(31, "Too many links"),
    EPIPE(32, "Broken pipe"),
    EDOM(33, "Numerical argument out of domain"),
    ERANGE(34, "Numerical result out of range"),
    EDEADLK(35, "Resource deadlock avoided"),
    ENAMETOOLONG(36, "File name too long"),
    ENOLCK(37, "No locks available"),
    ENOSYS(38, "Function not implemented"),
    ENOTEMPTY(39, "Directory not empty"),
    ELOOP(40, "Too many levels of symbolic links"),
    EOVERFLOW(75, "Value too large for defined data type"),
    EOPNOTSUPP(95, "Operation not supported"),
    ENOTSUPP(524, "Unknown error 524");

    private final int number;
    private final String message;

    Errno(int number, String message) {
        this.number = number;
        this.message = message;
    }

    /** The positive errno number. */
    public int number() {
        return number;
    }

    /** The negative value a raw syscall returns, {@code -number}. */
    public int negated() {
        return -number;
    }

    /** glibc's {@code strerror} text. */
    public String message() {
        return message;
    }

    /** The errno with this positive number. */
    public static Optional<Errno> of(int number) {
        for (Errno e : VALUES) {
            if (e.number == number) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** The errno of a raw syscall result {@code -errno} (for non-negative results: empty). */
    public static Optional<Errno> fromResult(long result) {
        return result < 0 && result >= -4095 ? of((int) -result) : Optional.empty();
    }

    /** The name of errno {@code number}, or {@code "errno N"} when it is not listed here. */
    public static String nameOf(int number) {
        for (Errno e : VALUES) {
            if (e.number == number) {
                return e.name();
            }
        }
        return "errno " + number;
    }

    /** {@link #values()} once (each call of values() copies the array; errno names are looked up per error). */
    private static final Errno[] VALUES = values();
}
