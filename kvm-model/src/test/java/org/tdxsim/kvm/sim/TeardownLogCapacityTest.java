package org.tdxsim.kvm.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.tdxsim.module.status.TdxStatus;

class TeardownLogCapacityTest {

    /** The log is bounded: past CAPACITY the oldest entries go, the newest stay in order. */
    @Test
    void keepsOnlyTheNewestEntries() {
        TeardownLog log = new TeardownLog();
        int n = TeardownLog.CAPACITY + 10;
        for (int i = 0; i < n; i++) {
            log.add("TDH.PHYMEM.PAGE.RECLAIM", i, "page " + i, TdxStatus.of(0), true);
        }
        var entries = log.entries();
        assertThat(entries).hasSize(TeardownLog.CAPACITY);
        assertThat(entries.get(0).operand()).isEqualTo(10);
        assertThat(entries.get(entries.size() - 1).operand()).isEqualTo(n - 1);
    }
}
