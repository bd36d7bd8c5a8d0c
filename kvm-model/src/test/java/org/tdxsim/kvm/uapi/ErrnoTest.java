package org.tdxsim.kvm.uapi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Linux x86-64 errno numbers (asm-generic/errno-base.h). */
class ErrnoTest {

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({"EPERM,1", "ENOENT,2", "EINTR,4", "EIO,5", "E2BIG,7", "EBADF,9", "EAGAIN,11", "ENOMEM,12",
            "EACCES,13", "EFAULT,14", "EBUSY,16", "EEXIST,17", "ENODEV,19", "EINVAL,22", "ENOTTY,25", "ENOSPC,28",
            "ENOSYS,38", "EOPNOTSUPP,95"})
    void numbers(String name, int number) {
        Errno e = Errno.valueOf(name);
        assertThat(e.number()).isEqualTo(number);
        assertThat(e.negated()).isEqualTo(-number);
        assertThat(Errno.of(number)).contains(e);
        assertThat(Errno.fromResult(-number)).contains(e);
    }

    @Test
    void nonNegativeResultsAreNotErrors() {
        assertThat(Errno.fromResult(0)).isEmpty();
        assertThat(Errno.fromResult(12)).isEmpty();
        assertThat(Errno.nameOf(4000)).isEqualTo("errno 4000");
        assertThat(Errno.ENOTTY.message()).isEqualTo("Inappropriate ioctl for device");
    }

    @Test
    void numbersAreUnique() {
        assertThat(java.util.Arrays.stream(Errno.values()).map(Errno::number)).doesNotHaveDuplicates();
    }
}
