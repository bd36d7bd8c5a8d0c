package org.tdxsim.module.profile;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.util.Optional;

/**
 * TDX 1.0 TDH.MNG.RD/WR field codes (pre-metadata scheme; abi §6.2 "1.0"; module-data
 * {@code tdFieldScheme1_0}): bits 31:0 field code, 62:56 class, 63 non-arch; lookup by exact
 * equality (array fields by range).
 */
public record TdFieldScheme10(
        ImmutableMap<String, Integer> classCodes,
        ImmutableMap<String, String> errors,
        ImmutableList<Field> fields,
        ImmutableMap<String, Long> unusedDefinedCodes) {

    /** One 1.0 field; {@code indexing} describes how array elements follow {@code fieldCode}. */
    public record Field(
            String name,
            long fieldCode,
            int count,
            int elementSizeBytes,
            long hostReadMaskProd,
            long hostReadMaskDebug,
            long hostWriteMaskProd,
            long hostWriteMaskDebug,
            Optional<String> indexing,
            Optional<String> notes) {
    }
}
