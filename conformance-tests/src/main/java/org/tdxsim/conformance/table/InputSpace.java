package org.tdxsim.conformance.table;

import com.google.common.collect.ImmutableList;
import java.util.stream.IntStream;

/**
 * The decision table's input space, enumerated exhaustively (every combination of every domain).
 *
 * <p>Domains and why each value is there:
 * <ul>
 *   <li><b>host MAXPHYADDR</b> {@code 46, 47, 48, 49, 52}: 52 = SPR with TME-MK, GNR, Sierra Forest;
 *       46 = EMR/SPR dumps without it (host-cpus README); 47/48 = either side of KVM's "GuestPhysBits must
 *       be 48 or 52" line, since KVM_GET_SUPPORTED_CPUID advertises MAXPHYADDR (capped at 48 without
 *       5-level TDP, uapi §4.2); 48/49 = either side of the module's {@code MIN_PA_FOR_PML5} = 49 for
 *       5-level EPT (abi §4.1 row 15). The jqwik properties sample all of 36..52.</li>
 *   <li><b>5-level EPT</b> and <b>LA57</b>: both values each (Sierra Forest = MAXPHYADDR 52 without 5-level
 *       EPT, host-cpus README claim 1).</li>
 *   <li><b>module version</b>: every shipped profile (1.0, 1.5.01, 1.5.06 = MAXPA_VIRT, 2.0.08 = MAXGPA_VIRT).</li>
 *   <li><b>policy</b>: every GPAW policy of the simulated kernel.</li>
 *   <li><b>requested GuestPhysBits</b> (0x80000008 EAX[23:16]): all of 0..255.</li>
 *   <li><b>requested EAX[7:0]</b> {@code 0, 45, 48, 49, 52, 53}: 0 = "native" under MAXPA_VIRT
 *       (abi §5.5); 45 = {@code MIN_VIRT_MAXPA}; 48/49 = the 4-/5-level line a GPAW-from-EAX[7:0] policy
 *       draws (uapi §4.6, Apr 2024); 52 = the widest architectural width; 53 = above it. The jqwik
 *       properties sample all of 0..255.</li>
 * </ul>
 *
 * @param basePlatform platform profile the host variants are derived from (with its withers)
 */
public record InputSpace(String basePlatform, ImmutableList<Integer> maxPhysAddrs,
        ImmutableList<Boolean> ept5Levels, ImmutableList<Boolean> la57s, ImmutableList<String> modules,
        ImmutableList<String> policies, ImmutableList<Integer> eax70s) {

    /** GuestPhysBits is always enumerated over its whole byte. */
    public static final int GUEST_PHYS_BITS_VALUES = 256;

    public static final ImmutableList<Integer> STANDARD_MAXPHYADDRS = ImmutableList.of(46, 47, 48, 49, 52);
    public static final ImmutableList<Integer> STANDARD_EAX70 = ImmutableList.of(0, 45, 48, 49, 52, 53);

    /** The standard space over the given modules and policies. */
    public static InputSpace standard(String basePlatform, ImmutableList<String> modules,
            ImmutableList<String> policies) {
        return new InputSpace(basePlatform, STANDARD_MAXPHYADDRS, ImmutableList.of(false, true),
                ImmutableList.of(false, true), modules, policies, STANDARD_EAX70);
    }

    /** Every host variant (MAXPHYADDR × 5-level EPT × LA57), in table order. */
    public ImmutableList<HostConfig> hosts() {
        ImmutableList.Builder<HostConfig> b = ImmutableList.builder();
        for (int pa : maxPhysAddrs) {
            for (boolean ept5 : ept5Levels) {
                for (boolean la57 : la57s) {
                    b.add(new HostConfig(basePlatform, pa, ept5, la57));
                }
            }
        }
        return b.build();
    }

    /** 0..255. */
    public static IntStream guestPhysBits() {
        return IntStream.range(0, GUEST_PHYS_BITS_VALUES);
    }

    /** Number of combinations (cells). */
    public long size() {
        return (long) hosts().size() * modules.size() * policies.size() * eax70s.size() * GUEST_PHYS_BITS_VALUES;
    }
}
