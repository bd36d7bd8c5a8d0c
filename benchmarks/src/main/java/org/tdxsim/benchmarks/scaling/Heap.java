package org.tdxsim.benchmarks.scaling;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/** Retained-heap readings: used heap after full collections, so only reachable objects count. */
final class Heap {

    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    private Heap() {}

    /** Used heap in bytes after collecting until the figure stops shrinking (at most 5 rounds). */
    static long usedAfterGc() {
        long last = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            long used = MEMORY.getHeapMemoryUsage().getUsed();
            if (used >= last - 4096) {
                return Math.min(used, last);
            }
            last = used;
        }
        return last;
    }
}
