package org.tdxsim.module;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The TD build-time measurement MRTD as an incremental SHA-384 (TDH.MEM.PAGE.ADD, TDH.MR.EXTEND,
 * TDH.MR.FINALIZE; abi §7.3 "MRTD hash context initialised" at TDH.MNG.INIT).
 *
 * <p><b>Not the module's byte format.</b> Our spec does not give the exact bytes the module hashes,
 * so tdxsim uses its own documented, deterministic construction. An MRTD computed here will not
 * match a real TD's MRTD; it is only stable across runs and sensitive to the same inputs (the GPA of
 * each added page, the GPA and content of each extended 256-byte chunk, in call order):
 * <ul>
 *   <li>TDH.MEM.PAGE.ADD appends one 128-byte record: ASCII {@code "tdxsim:PAGE.ADD"} zero-padded
 *       to 16 bytes, the GPA as u64 little-endian, zeros to 128 bytes.</li>
 *   <li>TDH.MR.EXTEND appends one 128-byte record built the same way with
 *       {@code "tdxsim:MR.EXTEND"}, followed by the 256 bytes of the chunk.</li>
 *   <li>TDH.MR.FINALIZE finishes the digest; MRTD = the 48-byte SHA-384 value, stored as six
 *       little-endian u64 elements (TDCS.MRTD, abi §6.5).</li>
 * </ul>
 */
final class Measurement {

    static final int RECORD_SIZE = 128;
    private final MessageDigest sha;
    private byte[] mrtd = new byte[48];
    private boolean finalized;

    /** A fresh SHA-384 to copy per TD: cloning skips the provider lookup of getInstance on every TDH.MNG.INIT. */
    private static final MessageDigest FRESH = newSha384();

    Measurement() {
        MessageDigest d;
        try {
            d = (MessageDigest) FRESH.clone();
        } catch (CloneNotSupportedException e) {
            d = newSha384();
        }
        sha = d;
    }

    private static MessageDigest newSha384() {
        try {
            return MessageDigest.getInstance("SHA-384");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-384 is required by every Java platform", e);
        }
    }

    static byte[] record(String tag, long gpa) {
        ByteBuffer b = ByteBuffer.allocate(RECORD_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        byte[] t = tag.getBytes(StandardCharsets.US_ASCII);
        b.put(t, 0, Math.min(16, t.length));
        b.position(16);
        b.putLong(gpa);
        return b.array();
    }

    synchronized void pageAdd(long gpa) {
        sha.update(record("tdxsim:PAGE.ADD", gpa));
    }

    synchronized void extend(long gpa, byte[] chunk256) {
        sha.update(record("tdxsim:MR.EXTEND", gpa));
        sha.update(chunk256);
    }

    synchronized void finish() {
        mrtd = sha.digest();
        finalized = true;
    }

    synchronized boolean isFinalized() {
        return finalized;
    }

    /** Six little-endian u64 elements of MRTD (all zero before TDH.MR.FINALIZE). */
    synchronized long mrtdElement(int i) {
        return ByteBuffer.wrap(mrtd).order(ByteOrder.LITTLE_ENDIAN).getLong(i * 8);
    }

    synchronized byte[] mrtd() {
        return mrtd.clone();
    }
}
