package org.tdxsim.kvm.sim;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** The simulated user address space: copy_from_user/copy_to_user only on live allocations. */
class SimUserMemoryTest {
    private final SimUserMemory mem = new SimUserMemory();

    @Test
    void copiesLiveMemoryBothWays() {
        try (Arena a = mem.openArena()) {
            MemorySegment s = a.allocate(64, 8);
            s.set(JAVA_LONG, 8, 0x1122334455667788L);
            assertThat(mem.copyFromUser(s.address() + 8, 8)).get()
                    .extracting(k -> k.get(JAVA_LONG, 0)).isEqualTo(0x1122334455667788L);
            MemorySegment k = SimUserMemory.kernelBuffer(8);
            k.set(JAVA_LONG, 0, 42);
            assertThat(mem.copyToUser(s.address() + 56, k)).isTrue();
            assertThat(s.get(JAVA_LONG, 56)).isEqualTo(42);
        }
    }

    @Test
    void anythingOutsideALiveAllocationFaults() {
        long addr;
        try (Arena a = mem.openArena()) {
            MemorySegment s = a.allocate(64, 8);
            addr = s.address();
            assertThat(mem.copyFromUser(addr + 60, 8)).as("runs past the end").isEmpty();
            assertThat(mem.copyFromUser(addr - 8, 8)).as("starts before").isEmpty();
            assertThat(mem.copyFromUser(0, 8)).as("NULL").isEmpty();
            assertThat(mem.copyFromUser(-4096, 8)).as("kernel half").isEmpty();
            assertThat(mem.copyToUser(addr + 64, SimUserMemory.kernelBuffer(1))).isFalse();
        }
        assertThat(mem.copyFromUser(addr, 8)).as("after the arena closed").isEmpty();
        assertThat(mem.liveAllocations()).isZero();
    }

    /** Any range inside one allocation is readable; any range that leaves it is a fault. */
    @Property(tries = 200)
    void faultsExactlyOutsideTheAllocation(@ForAll @IntRange(min = 1, max = 256) int size,
                                           @ForAll @LongRange(min = -300, max = 300) long off,
                                           @ForAll @IntRange(min = 1, max = 64) int len) {
        try (Arena a = mem.openArena()) {
            MemorySegment s = a.allocate(size, 1);
            boolean inside = off >= 0 && off + len <= size;
            assertThat(mem.copyFromUser(s.address() + off, len).isPresent()).isEqualTo(inside);
        }
    }
}
