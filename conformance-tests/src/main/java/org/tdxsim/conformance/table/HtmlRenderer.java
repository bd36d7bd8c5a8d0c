package org.tdxsim.conformance.table;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tdxsim.conformance.table.DecisionMatrix.Row;

/**
 * The decision table as a self-contained HTML page (inline CSS and JS, no network): one tab per policy,
 * in each a canvas per module version with one cell per combination (rows = host variant × EAX[7:0],
 * columns = GuestPhysBits 0..255), coloured by outcome (GPAW 0, GPAW 1, KVM errno, module rejection —
 * one shade per status —, TDX unavailable); hovering a cell shows its inputs and the reason. A last tab
 * lists where policies disagree.
 *
 * <p>Data travel as JSON: a table of distinct outcomes and, per row, run-length pairs
 * {@code [outcomeIndex, count]} — so 600k cells stay a few hundred kilobytes.
 */
public final class HtmlRenderer {

    private static final ObjectMapper JSON = new ObjectMapper();

    private HtmlRenderer() {
    }

    /** A complete HTML document. */
    public static String page(DecisionMatrix m, ImmutableList<PolicyDiff.Difference> diffs) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<title>tdxsim GPAW decision table</title></head><body style=\"font-family:sans-serif;margin:16px\">\n"
                + "<h1 style=\"font-size:20px\">GPAW / EPT decision table</h1>\n"
                + fragment(m, diffs) + "\n</body></html>\n";
    }

    /** A fragment (style + markup + script) that can be embedded in another page, once. */
    public static String fragment(DecisionMatrix m, ImmutableList<PolicyDiff.Difference> diffs) {
        return STYLE + "<div id=\"dt-root\"></div>\n<div id=\"dt-tip\"></div>\n<script>\nconst DT = "
                + scriptSafe(data(m, diffs)) + ";\n" + SCRIPT + "</script>\n";
    }

    static String data(DecisionMatrix m, ImmutableList<PolicyDiff.Difference> diffs) {
        ObjectNode root = JSON.createObjectNode();
        InputSpace s = m.space();
        root.put("summary", String.format("%,d combinations (%d host variants × %d modules × %d policies × %d EAX[7:0]"
                        + " × 256 GuestPhysBits), base platform %s, enumerated in %d ms with %,d KVM_TDX_INIT_VM calls",
                m.size(), s.hosts().size(), s.modules().size(), s.policies().size(), s.eax70s().size(),
                s.basePlatform(), m.elapsed().toMillis(), m.kernelCalls()));
        s.policies().forEach(root.putArray("policies")::add);
        s.modules().forEach(root.putArray("modules")::add);
        ArrayNode outcomes = root.putArray("outcomes");
        Map<String, Integer> index = new HashMap<>();
        ArrayNode rows = root.putArray("rows");
        for (Row r : m.rows()) {
            ObjectNode row = rows.addObject();
            row.put("p", r.policy()).put("m", r.module()).put("h", r.host().label()).put("e", r.eax70());
            ArrayNode runs = row.putArray("r");
            for (DecisionMatrix.Run run : DecisionMatrix.runs(r)) {
                Outcome o = run.outcome();
                String key = o.kind() + "\u0000" + o.shortLabel() + "\u0000" + o.reason();
                Integer idx = index.get(key);
                if (idx == null) {
                    idx = outcomes.size();
                    index.put(key, idx);
                    outcomes.addObject().put("k", o.kind().name()).put("l", o.shortLabel()).put("r", o.reason());
                }
                runs.addArray().add(idx).add(run.to() - run.from() + 1);
            }
        }
        ObjectNode bring = root.putObject("bringUps");
        m.bringUps().forEach(bring::put);
        ArrayNode d = root.putArray("diffs");
        List<PolicyDiff.Difference> shown = diffs.size() > 2000 ? diffs.subList(0, 2000) : diffs;
        for (PolicyDiff.Difference x : shown) {
            d.addObject().put("a", x.policyA()).put("b", x.policyB()).put("m", x.row().module())
                    .put("h", x.row().host().label()).put("e", x.row().eax70()).put("g", x.range())
                    .put("n", x.cells()).put("oa", x.a().shortLabel()).put("ob", x.b().shortLabel())
                    .put("ra", x.a().reason()).put("rb", x.b().reason());
        }
        root.put("diffsTotal", diffs.size());
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** JSON inside a script element must not contain "&lt;/" (it would close the element). */
    static String scriptSafe(String json) {
        return json.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029");
    }

    private static final String STYLE = """
            <style>
            #dt-root{font-family:system-ui,sans-serif;font-size:13px;color:#222}
            #dt-root .dt-tabs button{border:1px solid #999;background:#f3f3f3;padding:4px 12px;margin-right:4px;
              cursor:pointer;border-radius:4px 4px 0 0}
            #dt-root .dt-tabs button.on{background:#fff;border-bottom-color:#fff;font-weight:bold}
            #dt-root .dt-panel{border:1px solid #999;padding:10px;display:none}
            #dt-root .dt-panel.on{display:block}
            #dt-root .dt-legend span{display:inline-block;margin:2px 10px 2px 0}
            #dt-root .dt-legend i{display:inline-block;width:12px;height:12px;vertical-align:middle;margin-right:4px;
              border:1px solid #555}
            #dt-root canvas{display:block;margin:4px 0 14px 0}
            #dt-root table{border-collapse:collapse;font-size:12px}
            #dt-root td,#dt-root th{border:1px solid #ccc;padding:2px 6px;text-align:left}
            #dt-tip{position:fixed;display:none;background:#fffde7;border:1px solid #888;padding:6px;font-size:12px;
              max-width:560px;pointer-events:none;z-index:10;font-family:system-ui,sans-serif}
            </style>
            """;

    private static final String SCRIPT = """
            (function () {
              const CW = 3, CH = 9, LW = 250, TOP = 16;
              const BASE = {GPAW0: '#2e7d32', GPAW1: '#1565c0', TDX_UNAVAILABLE: '#9e9e9e'};
              const ERRNO = {EINVAL: '#ef9a9a', E2BIG: '#ffcc80', EIO: '#ff7043', EBUSY: '#ffd54f'};
              const MODULE = ['#8e24aa', '#ba68c8', '#6a1b9a', '#d81b60', '#f06292', '#4a148c', '#ad1457'];
              const moduleLabels = [...new Set(DT.outcomes.filter(o => o.k === 'MODULE_REJECTED').map(o => o.l))];
              function color(o) {
                if (BASE[o.k]) return BASE[o.k];
                if (o.k === 'KVM_ERRNO') return ERRNO[o.l] || '#ffab91';
                return MODULE[moduleLabels.indexOf(o.l) % MODULE.length];
              }
              const el = (tag, attrs, text) => {
                const e = document.createElement(tag);
                Object.entries(attrs || {}).forEach(([k, v]) => e.setAttribute(k, v));
                if (text !== undefined) e.textContent = text;
                return e;
              };
              const root = document.getElementById('dt-root');
              const tip = document.getElementById('dt-tip');
              root.appendChild(el('p', {}, DT.summary));
              const legend = el('div', {class: 'dt-legend'});
              const seen = new Map();
              DT.outcomes.forEach(o => {
                const key = o.k === 'GPAW0' || o.k === 'GPAW1' || o.k === 'TDX_UNAVAILABLE' ? o.k : o.k + ' ' + o.l;
                if (!seen.has(key)) seen.set(key, o);
              });
              seen.forEach((o, key) => {
                const s = el('span');
                const i = el('i');
                i.style.background = color(o);
                s.appendChild(i);
                const name = o.k === 'GPAW0' ? 'GPAW 0 (48-bit, shared bit 47)' : o.k === 'GPAW1'
                    ? 'GPAW 1 (52-bit, shared bit 51)' : o.k === 'TDX_UNAVAILABLE' ? 'TDX unavailable (bring-up)'
                    : o.k === 'KVM_ERRNO' ? 'KVM ' + o.l : 'module: ' + o.l;
                s.appendChild(document.createTextNode(name));
                legend.appendChild(s);
              });
              root.appendChild(legend);
              root.appendChild(el('p', {}, 'Rows: host variant × requested EAX[7:0]; columns: requested GuestPhysBits'
                  + ' (0x80000008 EAX[23:16]) 0..255. Hover a cell for the reason.'));
              const tabs = el('div', {class: 'dt-tabs'});
              root.appendChild(tabs);
              const panels = [];
              function addTab(name, panel) {
                const b = el('button', {}, name);
                b.onclick = () => {
                  tabs.querySelectorAll('button').forEach(x => x.classList.remove('on'));
                  panels.forEach(p => p.classList.remove('on'));
                  b.classList.add('on');
                  panel.classList.add('on');
                };
                tabs.appendChild(b);
                panel.classList.add('dt-panel');
                root.appendChild(panel);
                panels.push(panel);
                if (panels.length === 1) b.click();
              }
              function expand(row) {
                const a = new Uint32Array(256);
                let g = 0;
                row.r.forEach(([idx, n]) => { for (let k = 0; k < n; k++) a[g++] = idx; });
                return a;
              }
              DT.policies.forEach(policy => {
                const panel = el('div');
                DT.modules.forEach(module => {
                  const rows = DT.rows.filter(r => r.p === policy && r.m === module);
                  if (!rows.length) return;
                  panel.appendChild(el('h3', {style: 'font-size:14px;margin:6px 0'}, policy + ' · module ' + module));
                  const cv = el('canvas');
                  cv.width = LW + 256 * CW + 4;
                  cv.height = TOP + rows.length * CH + 2;
                  const cells = rows.map(expand);
                  const g = cv.getContext('2d');
                  g.font = '8px sans-serif';
                  g.fillStyle = '#000';
                  [0, 32, 48, 52, 64, 128, 192, 255].forEach(x => {
                    g.fillText(String(x), LW + x * CW, 10);
                    g.fillRect(LW + x * CW, 11, 1, 4);
                  });
                  let lastHost = '';
                  rows.forEach((r, y) => {
                    const yy = TOP + y * CH;
                    if (r.h !== lastHost) {
                      g.fillStyle = '#000';
                      g.fillRect(0, yy, LW + 256 * CW, 1);
                      g.fillText(r.h, 2, yy + 8);
                      lastHost = r.h;
                    }
                    g.fillStyle = '#444';
                    g.fillText('eax ' + r.e, LW - 40, yy + 8);
                    let x = 0;
                    r.r.forEach(([idx, n]) => {
                      g.fillStyle = color(DT.outcomes[idx]);
                      g.fillRect(LW + x * CW, yy + 1, n * CW, CH - 1);
                      x += n;
                    });
                  });
                  cv.onmousemove = ev => {
                    const b = cv.getBoundingClientRect();
                    const col = Math.floor((ev.clientX - b.left - LW) / CW);
                    const row = Math.floor((ev.clientY - b.top - TOP) / CH);
                    if (col < 0 || col > 255 || row < 0 || row >= rows.length) { tip.style.display = 'none'; return; }
                    const r = rows[row];
                    const o = DT.outcomes[cells[row][col]];
                    tip.textContent = '';
                    tip.appendChild(el('b', {}, policy + ' · module ' + module));
                    tip.appendChild(el('div', {}, r.h + ' · EAX[7:0] = ' + r.e + ' · GuestPhysBits = ' + col));
                    tip.appendChild(el('div', {style: 'color:' + color(o) + ';font-weight:bold'}, o.l));
                    tip.appendChild(el('div', {}, o.r));
                    tip.style.left = (ev.clientX + 14) + 'px';
                    tip.style.top = (ev.clientY + 14) + 'px';
                    tip.style.display = 'block';
                  };
                  cv.onmouseleave = () => { tip.style.display = 'none'; };
                  panel.appendChild(cv);
                });
                addTab(policy, panel);
              });
              const bp = el('div');
              const bt = el('table');
              bt.appendChild(el('tr')).append(el('th', {}, 'module | host'), el('th', {}, 'bring-up'));
              Object.entries(DT.bringUps).forEach(([k, v]) => bt.appendChild(el('tr')).append(el('td', {}, k), el('td', {}, v)));
              bp.appendChild(bt);
              addTab('Bring-up', bp);
              const dp = el('div');
              dp.appendChild(el('p', {}, DT.diffsTotal + ' regions where two policies disagree'
                  + (DT.diffs.length < DT.diffsTotal ? ' (first ' + DT.diffs.length + ' shown; the CSV has all cells)' : '')));
              const dt = el('table');
              dt.appendChild(el('tr')).append(...['policies', 'module', 'host', 'EAX[7:0]', 'GuestPhysBits', 'cells',
                  'first', 'second'].map(h => el('th', {}, h)));
              DT.diffs.forEach(d => {
                const tr = el('tr');
                tr.append(el('td', {}, d.a + ' vs ' + d.b), el('td', {}, d.m), el('td', {}, d.h), el('td', {}, String(d.e)),
                    el('td', {}, d.g), el('td', {}, String(d.n)), el('td', {title: d.ra}, d.oa), el('td', {title: d.rb}, d.ob));
                dt.appendChild(tr);
              });
              dp.appendChild(dt);
              addTab('Policy differences', dp);
            })();
            """;
}
