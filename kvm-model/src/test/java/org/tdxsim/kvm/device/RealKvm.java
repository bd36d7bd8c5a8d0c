package org.tdxsim.kvm.device;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.tdxsim.kvm.uapi.Errno;

/** Test support for tests that run on the real /dev/kvm. */
final class RealKvm {

    private RealKvm() {}

    /**
     * Skips the calling test unless this process can open /dev/kvm, saying what the host lacks (the
     * only reason these tests may skip).
     */
    static void assumeAccessible() {
        int fd;
        try (DeviceBackend probe = new DeviceBackend()) {
            fd = probe.open(DeviceBackend.DEV_KVM);
        }
        assumeTrue(fd >= 0, () -> "skipped: this host cannot open /dev/kvm: "
                + KvmAccess.explain(DeviceBackend.DEV_KVM, -fd));
    }

    /** Open fds of this process (entries of /proc/self/fd; the listing's own fd counts equally each time). */
    static long openFdCount() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int neg(Errno e) {
        return e.negated();
    }
}
