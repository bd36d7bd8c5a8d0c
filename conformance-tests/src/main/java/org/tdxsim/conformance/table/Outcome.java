package org.tdxsim.conformance.table;

import java.util.Optional;

/**
 * What {@code KVM_TDX_INIT_VM} made of one decision-table combination, as observed through the typed
 * client (plus, on the simulator, the TDCS fields the module stored).
 */
public sealed interface Outcome {

    /** Colour class of a cell. */
    enum Kind {
        /** INIT_VM succeeded with TD_PARAMS GPAW = 0 (48-bit GPA, shared bit 47). */
        GPAW0("GPAW 0"),
        /** INIT_VM succeeded with TD_PARAMS GPAW = 1 (52-bit GPA, shared bit 51). */
        GPAW1("GPAW 1"),
        /** KVM refused the request itself (errno, {@code hw_error} = 0). */
        KVM_ERRNO("KVM errno"),
        /** TDH.MNG.INIT refused the TD_PARAMS KVM built ({@code -EINVAL} with {@code hw_error} = status). */
        MODULE_REJECTED("module rejection"),
        /** No TDX on this host: TDH.SYS.INIT refused the platform, or KVM refused the module. */
        TDX_UNAVAILABLE("TDX unavailable");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    Kind kind();

    /** One line saying why (the kernel's or module's explanation where the backend gives one). */
    String reason();

    /** A short cell label: {@code GPAW 1}, {@code EINVAL}, {@code 0xC000010000000045}, ... */
    String shortLabel();

    /**
     * INIT_VM succeeded.
     *
     * @param gpaw TD_PARAMS.CONFIG_FLAGS.GPAW as stored by the module (TDCS.GPAW), or derived from the
     *     GuestPhysBits KVM_TDX_GET_CPUID reports when the backend cannot read TDCS
     * @param eptLevels EPT page-walk levels from TDCS.EPTP bits 5:3 (+1), if readable
     * @param sharedBit GPA shared bit (47 or 51) as the kernel recorded it where the backend says, else
     *     derived from what KVM_TDX_GET_CPUID reports
     * @param guestPhysBitsReadBack 0x80000008 EAX[23:16] returned by KVM_TDX_GET_CPUID
     * @param maxPhysAddrReadBack 0x80000008 EAX[7:0] returned by KVM_TDX_GET_CPUID
     * @param tdcsReadable whether gpaw/eptLevels come from TDCS rather than being derived
     */
    record Accepted(int gpaw, Optional<Integer> eptLevels, int sharedBit, int guestPhysBitsReadBack,
            int maxPhysAddrReadBack, boolean tdcsReadable) implements Outcome {
        @Override
        public Kind kind() {
            return gpaw == 1 ? Kind.GPAW1 : Kind.GPAW0;
        }

        @Override
        public String reason() {
            return "accepted: GPAW " + gpaw + eptLevels.map(l -> ", EPT " + l + "-level").orElse("")
                    + ", shared bit " + sharedBit + ", GET_CPUID GuestPhysBits " + guestPhysBitsReadBack
                    + ", MAXPHYADDR " + maxPhysAddrReadBack + (tdcsReadable ? " (TDCS)" : " (GET_CPUID)");
        }

        @Override
        public String shortLabel() {
            return "GPAW " + gpaw;
        }

        // equals/hashCode spelled out (same component-wise equality as the generated ones, which run
        // through method-handle chains that C1 does not inline): the probe interns every cell's outcome.
        @Override
        public boolean equals(Object o) {
            return o instanceof Accepted a && a.gpaw == gpaw && a.sharedBit == sharedBit
                    && a.guestPhysBitsReadBack == guestPhysBitsReadBack && a.maxPhysAddrReadBack == maxPhysAddrReadBack
                    && a.tdcsReadable == tdcsReadable && a.eptLevels.equals(eptLevels);
        }

        @Override
        public int hashCode() {
            return ((((gpaw * 31 + eptLevels.hashCode()) * 31 + sharedBit) * 31 + guestPhysBitsReadBack) * 31
                    + maxPhysAddrReadBack) * 31 + Boolean.hashCode(tdcsReadable);
        }
    }

    /** KVM refused with {@code errno} and {@code hw_error} = 0. */
    record KvmRejected(int errno, String errnoName, String reason) implements Outcome {
        @Override
        public Kind kind() {
            return Kind.KVM_ERRNO;
        }

        @Override
        public String shortLabel() {
            return errnoName;
        }

        // spelled out for the same reason as Accepted's
        @Override
        public boolean equals(Object o) {
            return o instanceof KvmRejected k && k.errno == errno && k.errnoName.equals(errnoName)
                    && k.reason.equals(reason);
        }

        @Override
        public int hashCode() {
            return (errno * 31 + errnoName.hashCode()) * 31 + reason.hashCode();
        }
    }

    /** TDH.MNG.INIT refused: KVM returned {@code errno} with {@code hw_error} = {@code status}. */
    record ModuleRejected(int errno, String errnoName, long status, String statusName, String reason)
            implements Outcome {
        @Override
        public Kind kind() {
            return Kind.MODULE_REJECTED;
        }

        @Override
        public String shortLabel() {
            return statusName.isEmpty() ? String.format("0x%016X", status) : statusName;
        }
    }

    /** The host has no usable TDX for this module/platform pair; the whole block carries this. */
    record TdxUnavailable(String reason) implements Outcome {
        @Override
        public Kind kind() {
            return Kind.TDX_UNAVAILABLE;
        }

        @Override
        public String shortLabel() {
            return "no TDX";
        }
    }
}
