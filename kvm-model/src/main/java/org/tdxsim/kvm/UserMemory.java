package org.tdxsim.kvm;

import java.lang.foreign.Arena;

/**
 * The user address space of the process driving KVM. Argument structs, CPUID buffers and guest
 * source pages are allocated from arenas opened here, and their addresses are what the ioctls carry.
 *
 * <p>On the device backend this is plain native memory ({@link Arena#ofConfined()}). On the simulated
 * kernel the arena also records which address ranges are live, so the simulated
 * {@code copy_from_user}/{@code copy_to_user} can refuse any other address with {@code -EFAULT}, as
 * the real kernel does, instead of touching unmapped memory.
 */
public interface UserMemory {

    /** A confined arena (one per call is the intended use); closing it unmaps its allocations. */
    Arena openArena();
}
