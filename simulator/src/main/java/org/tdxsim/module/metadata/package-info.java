/**
 * Metadata field identifiers and the generic metadata engine behind TDH.SYS.RD, TDH.MNG.RD/WR and
 * TDH.VP.RD (abi §6): {@link org.tdxsim.module.metadata.MetadataFieldId} encodes and decodes every
 * part of an id, {@link org.tdxsim.module.metadata.MetadataTable} finds entries, reads and writes one
 * element with the accessor's masks and gives the next readable id (the null-id iteration protocol).
 */
package org.tdxsim.module.metadata;
