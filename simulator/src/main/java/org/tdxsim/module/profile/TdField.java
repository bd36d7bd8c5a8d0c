package org.tdxsim.module.profile;

/**
 * One TDR/TDCS metadata field ({@code tdr_tdcs_lookup[]}, abi §6; module-data README
 * {@code tdFields}). Host access uses the debug masks iff the TD's ATTRIBUTES.DEBUG = 1.
 */
public record TdField(
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
        int offset,
        int attributes,
        long hostReadMaskProd,
        long hostWriteMaskProd,
        long hostReadMaskDebug,
        long hostWriteMaskDebug,
        long guestReadMask,
        long guestWriteMask,
        long migTdReadMask,
        long migTdWriteMask,
        long exportMask,
        long importMask,
        boolean specialReadHandling,
        boolean specialWriteHandling,
        String migExport,
        String migImport) {

    public long hostReadMask(boolean debugTd) {
        return debugTd ? hostReadMaskDebug : hostReadMaskProd;
    }

    public long hostWriteMask(boolean debugTd) {
        return debugTd ? hostWriteMaskDebug : hostWriteMaskProd;
    }
}
