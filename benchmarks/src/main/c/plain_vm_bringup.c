/*
 * Context for issue #7 target 1: the plain-VM bring-up that
 * org.tdxsim.benchmarks.bringup.PlainVmBringUp issues through the typed client and the device backend,
 * here as bare ioctls from C, so the results page can show how much of the real-kernel figure is the
 * kernel itself and how much is the Java client. Benchmark tooling only (compiled with gcc at benchmark
 * time by benchmarks/run), not part of tdxsim.
 *
 *   gcc -O2 -o plain_vm_bringup plain_vm_bringup.c
 *   ./plain_vm_bringup [vcpus] [pages] [seconds-per-round] [rounds]     (defaults 4 16 2 5)
 *
 * One bring-up: KVM_CREATE_VM(0), vcpus x (KVM_CREATE_VCPU, KVM_SET_CPUID2 with the table
 * KVM_GET_SUPPORTED_CPUID returned once at start), KVM_SET_USER_MEMORY_REGION2 of `pages` pages at
 * GPA 0 (memory mmap'd once at start), then close of every vCPU fd and the VM fd.
 *
 * Output: "c plain-vm bring-up: <us> us/op (<n> bring-ups), cpu <us> us/op" per round (wall time, then
 * this thread's CPU time), then "c mean: <us>" and "c best: <us>" (wall). Exit status 2 if /dev/kvm cannot be opened, 1 if an ioctl fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

#define MAX_ENTRIES 256 /* KVM_MAX_CPUID_ENTRIES */

/* kvm-tdx-uapi.md §1/§2: struct kvm_userspace_memory_region2 (160 bytes) and its ioctl, 0x40A0AE49;
 * declared here because distribution headers older than Linux 6.8 lack them. */
struct bench_memory_region2 {
    __u32 slot;
    __u32 flags;
    __u64 guest_phys_addr;
    __u64 memory_size;
    __u64 userspace_addr;
    __u64 guest_memfd_offset;
    __u32 guest_memfd;
    __u32 pad1;
    __u64 pad2[14];
};
#define BENCH_SET_USER_MEMORY_REGION2 _IOW(KVMIO, 0x49, struct bench_memory_region2)

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* CPU time of this thread (user + system), for a load-independent cross-check of the wall time. */
static long long cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what) {
    fprintf(stderr, "%s: %s\n", what, strerror(errno));
    exit(1);
}

int main(int argc, char **argv) {
    int vcpus = argc > 1 ? atoi(argv[1]) : 4;
    int pages = argc > 2 ? atoi(argv[2]) : 16;
    double seconds = argc > 3 ? atof(argv[3]) : 2.0;
    int rounds = argc > 4 ? atoi(argv[4]) : 5;
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) {
        fprintf(stderr, "open /dev/kvm: %s\n", strerror(errno));
        return 2;
    }
    struct kvm_cpuid2 *cpuid = calloc(1, sizeof(*cpuid) + MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2));
    cpuid->nent = MAX_ENTRIES;
    if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid) < 0) die("KVM_GET_SUPPORTED_CPUID");
    size_t bytes = (size_t)pages * 4096;
    void *mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) die("mmap");
    int *fds = calloc(vcpus, sizeof(int));
    if (BENCH_SET_USER_MEMORY_REGION2 != 0x40A0AE49UL || sizeof(struct bench_memory_region2) != 160) {
        fprintf(stderr, "kvm_userspace_memory_region2 layout mismatch\n");
        return 3;
    }

    double best = -1, sum = 0;
    for (int r = 0; r < rounds; r++) {
        long n = 0;
        long long start = now_ns(), cpu_start = cpu_ns(), budget = (long long)(seconds * 1e9), elapsed;
        do {
            int vm = ioctl(kvm, KVM_CREATE_VM, 0);
            if (vm < 0) die("KVM_CREATE_VM");
            for (int i = 0; i < vcpus; i++) {
                fds[i] = ioctl(vm, KVM_CREATE_VCPU, i);
                if (fds[i] < 0) die("KVM_CREATE_VCPU");
                if (ioctl(fds[i], KVM_SET_CPUID2, cpuid) < 0) die("KVM_SET_CPUID2");
            }
            struct bench_memory_region2 region = {
                .slot = 0, .flags = 0, .guest_phys_addr = 0, .memory_size = bytes,
                .userspace_addr = (unsigned long)mem,
            };
            if (ioctl(vm, BENCH_SET_USER_MEMORY_REGION2, &region) < 0) die("KVM_SET_USER_MEMORY_REGION2");
            for (int i = 0; i < vcpus; i++) close(fds[i]);
            close(vm);
            n++;
            elapsed = now_ns() - start;
        } while (elapsed < budget);
        double us = (double)elapsed / n / 1000.0;
        sum += us;
        if (best < 0 || us < best) best = us;
        printf("c plain-vm bring-up: %.1f us/op (%ld bring-ups), cpu %.1f us/op\n", us, n,
               (double)(cpu_ns() - cpu_start) / n / 1000.0);
    }
    printf("c mean: %.1f\n", sum / rounds);
    printf("c best: %.1f\n", best);
    close(kvm);
    return 0;
}
