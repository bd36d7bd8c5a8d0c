package org.tdxsim.module.profile;

/**
 * One SYS-context metadata field ({@code global_sys_lookup[]}, abi §6.3; module-data README
 * {@code globalFields}). Field {@code k} element {@code j} has FIELD_CODE =
 * {@code fieldCode + k * numElementsPerField + j}.
 */
public record GlobalField(
        String name,
        int tableIndex,
        long fieldId,
        int classCode,
        int contextCode,
        int fieldCode,
        int elementSizeBytes,
        int numFields,
        int numElementsPerField,
        int numElements,
        long vmmReadMask,
        long vmmWriteMask,
        boolean readableByVmm,
        long guestReadMask,
        long guestWriteMask,
        long exportMask,
        long importMask,
        boolean specialReadHandling,
        boolean specialWriteHandling,
        String migExport,
        String migImport,
        ReportedValue reported) {
}
