package org.tdxsim.conformance.table;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.tdxsim.conformance.table.DecisionMatrix.Row;
import org.tdxsim.conformance.table.DecisionMatrix.Run;

/**
 * The decision table as Markdown a person can read: per policy and module version, one line per host
 * variant (EAX[7:0] values that behave alike merged), the 256 GuestPhysBits values given as runs
 * ({@code 0–47 EINVAL · 48 GPAW 0 · ...}); then every input on which two policies disagree.
 */
public final class MarkdownRenderer {

    /** At most this many disagreement lines per policy pair (the CSV has them all). */
    static final int MAX_DIFF_LINES = 150;

    private MarkdownRenderer() {
    }

    public static String render(DecisionMatrix m, ImmutableList<PolicyDiff.Difference> diffs) {
        StringBuilder md = new StringBuilder(64 * 1024);
        InputSpace s = m.space();
        md.append("# GPAW / EPT decision table (KVM_TDX_INIT_VM on the simulated kernel)\n\n");
        md.append(String.format("%,d combinations = %d host variants × %d module versions × %d policies × "
                        + "%d EAX[7:0] values × 256 GuestPhysBits; enumerated exhaustively in %d ms "
                        + "(%,d KVM_TDX_INIT_VM calls).%n%n",
                m.size(), s.hosts().size(), s.modules().size(), s.policies().size(), s.eax70s().size(),
                m.elapsed().toMillis(), m.kernelCalls()));
        md.append("Host variants: base platform `").append(s.basePlatform()).append("`, MAXPHYADDR ∈ ")
                .append(s.maxPhysAddrs()).append(", 5-level EPT ∈ {no, yes}, LA57 ∈ {no, yes}. ")
                .append("Requested 0x80000008 EAX = GuestPhysBits << 16 | EAX[7:0], EAX[7:0] ∈ ")
                .append(s.eax70s()).append(".\n\n");
        md.append("Legend: `GPAW 0` / `GPAW 1` = accepted (TDCS GPAW); an errno name = KVM refused; ")
                .append("a status = TDH.MNG.INIT refused (errno + hw_error); `no TDX` = bring-up refused.\n\n");

        md.append("## Bring-up per module × host\n\n| module | hosts | result |\n|---|---|---|\n");
        Map<String, List<String>> hostsByResult = new LinkedHashMap<>();
        m.bringUps().forEach((k, v) -> {
            String[] parts = k.split(" \\| ", 2);
            hostsByResult.computeIfAbsent(parts[0] + "\u0000" + shortReason(v), x -> new ArrayList<>())
                    .add(parts.length > 1 ? parts[1] : "");
        });
        hostsByResult.forEach((k, hosts) -> {
            String[] parts = k.split("\u0000", 2);
            md.append("| ").append(parts[0]).append(" | ").append(String.join("<br>", hosts)).append(" | ")
                    .append(escape(parts[1])).append(" |\n");
        });
        md.append("\nFull reasons (with the CPUID values TDH.SYS.INIT compared) are in the HTML page's Bring-up tab.\n\n");

        for (String policy : s.policies()) {
            md.append("## Policy ").append(policy).append("\n\n");
            md.append(m.countByKind(policy).entrySet().stream().filter(e -> e.getValue() > 0)
                    .map(e -> String.format("%s: %,d", e.getKey().label(), e.getValue()))
                    .collect(Collectors.joining(" · "))).append("\n\n");
            for (String module : s.modules()) {
                md.append("### ").append(policy).append(" · module ").append(module).append("\n\n");
                md.append("| host | EAX[7:0] | GuestPhysBits 0–255 → outcome |\n|---|---|---|\n");
                Map<HostConfig, List<Row>> byHost = new LinkedHashMap<>();
                for (Row r : m.rows(policy, module)) {
                    byHost.computeIfAbsent(r.host(), h -> new ArrayList<>()).add(r);
                }
                byHost.forEach((host, rows) -> {
                    Map<String, List<Row>> bySig = new LinkedHashMap<>();
                    for (Row r : rows) {
                        bySig.computeIfAbsent(DecisionMatrix.signature(r), k -> new ArrayList<>()).add(r);
                    }
                    bySig.values().forEach(group -> {
                        String eax = group.size() == rows.size() ? "any"
                                : group.stream().map(r -> Integer.toString(r.eax70())).collect(Collectors.joining(", "));
                        md.append("| ").append(host.label()).append(" | ").append(eax).append(" | ")
                                .append(runsText(group.getFirst())).append(" |\n");
                    });
                });
                md.append('\n');
            }
        }

        md.append("## Where policies disagree\n\n");
        if (s.policies().size() < 2) {
            md.append("Only one policy was enumerated.\n");
        }
        for (int i = 0; i < s.policies().size(); i++) {
            for (int j = i + 1; j < s.policies().size(); j++) {
                String a = s.policies().get(i);
                String b = s.policies().get(j);
                List<PolicyDiff.Difference> pair = diffs.stream()
                        .filter(d -> d.policyA().equals(a) && d.policyB().equals(b)).toList();
                long cells = pair.stream().mapToLong(PolicyDiff.Difference::cells).sum();
                md.append("### ").append(a).append(" vs ").append(b)
                        .append(String.format(" — %,d differing cells%n%n", cells));
                if (pair.isEmpty()) {
                    md.append("They agree on every combination.\n\n");
                    continue;
                }
                md.append("| module | host | EAX[7:0] | GuestPhysBits | ").append(a).append(" | ").append(b)
                        .append(" |\n|---|---|---|---|---|---|\n");
                // Merge EAX[7:0] values that disagree the same way.
                Map<String, TreeSet<Integer>> eaxByKey = new LinkedHashMap<>();
                Map<String, PolicyDiff.Difference> sample = new LinkedHashMap<>();
                for (PolicyDiff.Difference d : pair) {
                    String key = d.row().module() + "|" + d.row().host().label() + "|" + d.range() + "|"
                            + d.a().shortLabel() + "|" + d.b().shortLabel();
                    eaxByKey.computeIfAbsent(key, k -> new TreeSet<>()).add(d.row().eax70());
                    sample.putIfAbsent(key, d);
                }
                int lines = 0;
                for (Map.Entry<String, PolicyDiff.Difference> e : sample.entrySet()) {
                    if (lines++ == MAX_DIFF_LINES) {
                        md.append("| … | ").append(sample.size() - MAX_DIFF_LINES)
                                .append(" more (see the CSV) | | | | |\n");
                        break;
                    }
                    PolicyDiff.Difference d = e.getValue();
                    TreeSet<Integer> eax = eaxByKey.get(e.getKey());
                    md.append("| ").append(d.row().module()).append(" | ").append(d.row().host().label())
                            .append(" | ").append(eax.size() == s.eax70s().size() ? "any" : eax.toString())
                            .append(" | ").append(d.range()).append(" | ").append(escape(d.a().shortLabel()))
                            .append(" | ").append(escape(d.b().shortLabel())).append(" |\n");
                }
                md.append('\n');
            }
        }
        return md.toString();
    }

    /** {@code 0–47 EINVAL · 48 GPAW 0 · 49–255 EINVAL}. */
    public static String runsText(Row r) {
        return DecisionMatrix.coarseRuns(r).stream()
                .map(run -> run.range() + " " + escape(label(run)))
                .collect(Collectors.joining(" · "));
    }

    private static String label(Run run) {
        return run.outcome().shortLabel();
    }

    /** A bring-up result up to the explanation's detail (" — "), e.g. the refusing status. */
    static String shortReason(String v) {
        int cut = v.indexOf(" — ");
        if (cut < 0) {
            return v;
        }
        String head = v.substring(0, cut);
        long open = head.chars().filter(c -> c == '(').count() - head.chars().filter(c -> c == ')').count();
        return head + ")".repeat((int) Math.max(0, open));
    }

    static String escape(String s) {
        return s.replace("|", "\\|");
    }
}
