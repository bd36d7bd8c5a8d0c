package org.tdxsim.kvm.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The device backend's user memory: page-aligned requests (guest RAM, INIT_MEM_REGION source pages)
 * are anonymous mmap(2) mappings that live exactly as long as their arena; other requests are plain
 * confined native memory. Checked against the kernel's own /proc/self/maps.
 */
class DeviceMemoryTest {

    private static boolean mapped(long address) throws IOException {
        String start = Long.toHexString(address);
        return Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .anyMatch(l -> l.substring(0, l.indexOf('-')).equals(start));
    }

    @Test
    void pageAlignedAllocationsAreTheirOwnMappingUntilTheArenaCloses() throws IOException {
        DeviceMemory memory = new DeviceMemory();
        MemorySegment pages;
        long address;
        try (Arena arena = memory.openArena()) {
            pages = arena.allocate(3 * 4096 + 100, 4096);
            address = pages.address();
            assertThat(address % 4096).isZero();
            assertThat(pages.byteSize()).isEqualTo(3 * 4096 + 100);
            for (long off = 0; off < pages.byteSize(); off += 512) {
                assertThat(pages.get(ValueLayout.JAVA_BYTE, off)).isZero();
            }
            pages.set(ValueLayout.JAVA_LONG, 4096, 0x1122334455667788L);
            assertThat(pages.get(ValueLayout.JAVA_LONG, 4096)).isEqualTo(0x1122334455667788L);
            assertThat(mapped(address)).as("mapping at 0x%x in /proc/self/maps", address).isTrue();
        }
        assertThat(mapped(address)).as("munmap'd on close").isFalse();
        assertThatThrownBy(() -> pages.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void smallAllocationsAreOrdinaryConfinedMemory() {
        try (Arena arena = new DeviceMemory().openArena()) {
            MemorySegment s = arena.allocate(24, 8);
            assertThat(s.address() % 8).isZero();
            assertThat(s.scope()).isEqualTo(arena.scope());
            MemorySegment[] fromOtherThread = new MemorySegment[1];
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    fromOtherThread[0] = arena.allocate(8, 8);
                } catch (WrongThreadException expected) {
                    fromOtherThread[0] = MemorySegment.NULL;
                }
            });
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            assertThat(fromOtherThread[0]).as("confined: another thread may not allocate").isEqualTo(MemorySegment.NULL);
        }
    }
}
