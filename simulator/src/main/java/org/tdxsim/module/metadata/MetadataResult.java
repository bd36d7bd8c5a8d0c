package org.tdxsim.module.metadata;

/**
 * Outcome of one metadata element access. Failures carry the module's status name (resolved to the
 * version's value by the caller, abi §2.2) and a one-line reason.
 */
public sealed interface MetadataResult {

    /** Status names the metadata engine can produce (abi §2.2, [M1.5.01] {@code metadata_generic.c}). */
    enum Error {
        FIELD_ID_INCORRECT("TDX_METADATA_FIELD_ID_INCORRECT"),
        FIELD_NOT_READABLE("TDX_METADATA_FIELD_NOT_READABLE"),
        FIELD_NOT_WRITABLE("TDX_METADATA_FIELD_NOT_WRITABLE"),
        FIELD_VALUE_NOT_VALID("TDX_METADATA_FIELD_VALUE_NOT_VALID"),
        WR_MASK_NOT_VALID("TDX_METADATA_WR_MASK_NOT_VALID");

        private final String statusName;

        Error(String statusName) {
            this.statusName = statusName;
        }

        public String statusName() {
            return statusName;
        }
    }

    /** A read value (already masked), or for a write the previous value. */
    record Value(long value) implements MetadataResult {
    }

    record Failure(Error error, String why) implements MetadataResult {
    }

    static MetadataResult fail(Error e, String why) {
        return new Failure(e, why);
    }
}
