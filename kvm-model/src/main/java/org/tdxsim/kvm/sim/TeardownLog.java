package org.tdxsim.kvm.sim;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;
import org.tdxsim.module.status.TdxStatus;

/** The SEAMCALLs the simulated kernel issued to tear TDs down, in order, with their statuses. */
public final class TeardownLog {

    /** One SEAMCALL: the Intel leaf name, its operand (TDR/page/package) and the status description. */
    public record Entry(String leaf, long operand, String status, boolean success) {
        @Override
        public String toString() {
            return String.format("%s(0x%x) → %s", leaf, operand, status);
        }
    }

    /**
     * What {@link #add} was given; the status text is rendered only when {@link #entries()} is read
     * (every teardown logs, few callers read the log, and a status names itself the same way later).
     */
    private record Logged(String leaf, long operand, TdxStatus status, boolean success) {
        Entry entry() {
            return new Entry(leaf, operand, status.toString(), success);
        }
    }

    private final List<Logged> entries = new ArrayList<>();

    synchronized void add(String leaf, long operand, TdxStatus status, boolean success) {
        entries.add(new Logged(leaf, operand, status, success));
    }

    public synchronized ImmutableList<Entry> entries() {
        return entries.stream().map(Logged::entry).collect(ImmutableList.toImmutableList());
    }

    /** The leaf names in order. */
    public synchronized ImmutableList<String> leaves() {
        return entries.stream().map(Logged::leaf).collect(ImmutableList.toImmutableList());
    }

    public synchronized void clear() {
        entries.clear();
    }
}
