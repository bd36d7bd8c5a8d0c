/*
 * Baseline for the FFM round-trip benchmark: the same KVM_CHECK_EXTENSION(KVM_CAP_VM_TYPES) ioctl on
 * /dev/kvm that org.tdxsim.benchmarks.device.CheckExtensionRoundTrip issues through java.lang.foreign,
 * in a plain C loop. Benchmark tooling only (compiled with gcc at benchmark time), not part of tdxsim.
 *
 *   gcc -O2 -o kvm_check_extension_loop kvm_check_extension_loop.c
 *   ./kvm_check_extension_loop [iterations] [rounds]
 *
 * Output: one line per round, "c ioctl KVM_CHECK_EXTENSION: <ns/op> ns/op (<iterations> calls), cpu <ns/op>
 * ns/op" (wall time, then this thread's CPU time), then "c best: <ns/op>". Exit status 2 if /dev/kvm cannot be opened.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

/* Values from kvm-tdx-uapi.md §1 in case the installed headers predate them. */
#ifndef KVM_CAP_VM_TYPES
#define KVM_CAP_VM_TYPES 235
#endif

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* CPU time of this thread (user + system): unlike wall time, not inflated while other processes run. */
static long long cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
    long iterations = argc > 1 ? atol(argv[1]) : 2000000L;
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "open /dev/kvm: %s\n", strerror(errno));
        return 2;
    }
    /* The request number must be the one the Java side computes: _IO(KVMIO, 0x03) = 0xAE03. */
    if (KVM_CHECK_EXTENSION != 0xAE03) {
        fprintf(stderr, "unexpected KVM_CHECK_EXTENSION 0x%lx\n", (unsigned long)KVM_CHECK_EXTENSION);
        return 3;
    }
    volatile long sink = 0; /* volatile: keep the loop from being optimised away */
    double best = -1;
    for (int r = 0; r < rounds; r++) {
        long long start = now_ns(), cpu_start = cpu_ns();
        for (long i = 0; i < iterations; i++) {
            int rc = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES);
            if (rc < 0) {
                fprintf(stderr, "ioctl: %s\n", strerror(errno));
                return 1;
            }
            sink += rc;
        }
        double ns = (double)(now_ns() - start) / iterations;
        double cpu = (double)(cpu_ns() - cpu_start) / iterations;
        if (best < 0 || ns < best) best = ns;
        printf("c ioctl KVM_CHECK_EXTENSION: %.1f ns/op (%ld calls), cpu %.1f ns/op\n", ns, iterations, cpu);
    }
    printf("c best: %.1f\n", best);
    close(fd);
    return 0;
}
