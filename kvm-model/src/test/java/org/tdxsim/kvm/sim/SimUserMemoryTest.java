package org.tdxsim.kvm.sim;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

    /**
     * {@code protectReadOnly} (mprotect PROT_READ): the range stays readable, every write touching it
     * faults with nothing written, bytes outside it stay writable; the protection dies with the
     * allocation. Protecting memory that is not one live allocation is refused.
     */
    @Test
    void readOnlyRangesFaultOnWriteOnly() {
        MemorySegment one = SimUserMemory.kernelBuffer(8);
        one.set(JAVA_LONG, 0, -1L);
        try (Arena a = mem.openArena()) {
            MemorySegment s = a.allocate(64, 8);
            mem.protectReadOnly(s.address() + 16, 16);
            assertThat(mem.copyFromUser(s.address() + 16, 16)).isPresent();
            assertThat(mem.copyToUser(s.address() + 16, one)).isFalse();
            assertThat(mem.copyToUser(s.address() + 12, one)).as("overlaps the start").isFalse();
            assertThat(mem.copyToUser(s.address() + 28, one)).as("overlaps the end").isFalse();
            assertThat(s.get(JAVA_LONG, 8) | s.get(JAVA_LONG, 16) | s.get(JAVA_LONG, 24)).as("nothing written").isZero();
            assertThat(mem.copyToUser(s.address() + 8, one)).as("just before").isTrue();
            assertThat(mem.copyToUser(s.address() + 32, one)).as("just after").isTrue();
            assertThat(mem.isWritable(s.address(), 64)).isFalse();
            assertThatThrownBy(() -> mem.protectReadOnly(s.address() + 60, 8)).isInstanceOf(IllegalArgumentException.class);
        }
        try (Arena a = mem.openArena()) {
            MemorySegment s = a.allocate(64, 8);
            assertThat(mem.isWritable(s.address(), 64)).as("a new allocation starts writable").isTrue();
        }
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
