// Minimal DOM for checking decision-table.html's inline script under node: builds the page, then hovers
// the GuestPhysBits-48 cell of the first row of the first canvas and prints what the tooltip says.
const fs = require('fs');
const html = fs.readFileSync(process.argv[2], 'utf8');
const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(m => m[1]);
let fills = 0;
function mk(tag) {
  return { tag, children: [], attrs: {}, style: {}, textContent: '',
    classList: { s: new Set(), add(c) { this.s.add(c); }, remove(c) { this.s.delete(c); } },
    setAttribute(k, v) { this.attrs[k] = v; }, appendChild(c) { this.children.push(c); return c; },
    append(...cs) { cs.forEach(c => this.children.push(c)); }, querySelectorAll() { return []; },
    click() { if (this.onclick) this.onclick(); }, getBoundingClientRect() { return { left: 0, top: 0 }; },
    getContext() { return { fillRect() { fills++; }, fillText() {}, set font(v) {}, set fillStyle(v) {} }; } };
}
const byId = { 'dt-root': mk('div'), 'dt-tip': mk('div') };
global.document = { createElement: mk, getElementById: id => byId[id], createTextNode: t => ({ t }) };
for (const s of scripts) eval(s);
function find(e, tag, out) { if (e && e.tag === tag) out.push(e); ((e && e.children) || []).forEach(c => find(c, tag, out)); return out; }
const canvases = find(byId['dt-root'], 'canvas', []);
canvases[0].onmousemove({ clientX: 250 + 48 * 3 + 1, clientY: 16 + 2 });
console.log('canvases', canvases.length, 'fills', fills, 'tooltip', byId['dt-tip'].style.display,
  byId['dt-tip'].children.map(c => c.textContent).join(' | '));
