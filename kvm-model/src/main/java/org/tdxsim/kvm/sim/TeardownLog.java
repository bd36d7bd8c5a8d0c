package org.tdxsim.kvm.sim;

import com.google.common.collect.ImmutableList;
import java.util.ArrayDeque;
import org.tdxsim.module.status.TdxStatus;

/** The SEAMCALLs the simulated kernel issued to tear TDs down, in order, with their statuses. */
public final class TeardownLog {

    /**
     * One SEAMCALL: the Intel leaf name, its operand (TDR/page HPA, or package number), what the operand
     * is to KVM ("TDR", "TDCX page of vCPU 1", "S-EPT page level 2 GPA 0x..."), and the status.
     */
    public record Entry(String leaf, long operand, String what, String status, boolean success) {
        @Override
        public String toString() {
            return String.format("%s(0x%x %s) → %s", leaf, operand, what, status);
        }
    }

    /**
     * What {@link #add} was given; the status text is rendered only when {@link #entries()} is read
     * (every teardown logs, few callers read the log, and a status names itself the same way later).
     */
    private record Logged(String leaf, long operand, String what, TdxStatus status, boolean success) {
        Entry entry() {
            return new Entry(leaf, operand, what, status.toString(), success);
        }
    }

    /**
     * The log keeps the newest {@value #CAPACITY} entries (about a thousand TD teardowns at ~61 SEAMCALLs
     * each): long-running users (`tdxsim serve`, fuzzers, the decision table) would otherwise grow it
     * without bound.
     */
    static final int CAPACITY = 65_536;

    private final ArrayDeque<Logged> entries = new ArrayDeque<>();

    synchronized void add(String leaf, long operand, String what, TdxStatus status, boolean success) {
        if (entries.size() == CAPACITY) {
            entries.removeFirst();
        }
        entries.addLast(new Logged(leaf, operand, what, status, success));
    }

    /** The {@link Entry#what} of every entry, in order. */
    public synchronized ImmutableList<String> whats() {
        return entries.stream().map(Logged::what).collect(ImmutableList.toImmutableList());
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
