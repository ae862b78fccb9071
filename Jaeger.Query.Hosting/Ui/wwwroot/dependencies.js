import { h, s, clear, message, serviceColor } from './dom.js';
import { api } from './api.js';

const WEEK_MS = 7 * 24 * 3600 * 1000;

/** Layers services by their longest call path from a caller-less service; cycles are cut. */
function layout(links) {
  const nodes = new Map();
  const node = (name) => {
    if (!nodes.has(name)) nodes.set(name, { name, out: [], in: [], layer: 0 });
    return nodes.get(name);
  };
  for (const link of links) {
    const p = node(link.parent);
    const c = node(link.child);
    if (p !== c) {
      p.out.push(c);
      c.in.push(p);
    }
  }
  const all = [...nodes.values()];
  for (let pass = 0; pass < all.length; pass++) {
    let changed = false;
    for (const n of all) for (const c of n.out) if (c.layer < n.layer + 1 && n.layer + 1 < all.length) { c.layer = n.layer + 1; changed = true; }
    if (!changed) break;
  }
  const layers = [];
  for (const n of all.sort((a, b) => a.name.localeCompare(b.name))) (layers[n.layer] ||= []).push(n);
  const dense = layers.filter(Boolean);
  // Order each layer by the mean position of its callers, which removes most edge crossings.
  dense.forEach((layer, i) => layer.forEach((n, j) => { n.order = j; }));
  for (let i = 1; i < dense.length; i++) {
    const mean = (n) => (n.in.length ? n.in.reduce((sum, p) => sum + p.order, 0) / n.in.length : n.order);
    dense[i].sort((a, b) => mean(a) - mean(b) || a.name.localeCompare(b.name));
    dense[i].forEach((n, j) => { n.order = j; });
  }
  return { nodes: all, layers: dense };
}

export async function renderDependencies(main, { isCurrent }) {
  main.append(message('Loading dependencies…'));
  const links = await api.dependencies(Date.now(), WEEK_MS);
  if (!isCurrent()) return;
  clear(main);
  const page = h('section', { class: 'deps-page', id: 'dependencies' }, h('h1', null, 'System Architecture'),
    h('p', { class: 'muted' }, 'Service calls seen in the last 7 days.'));
  main.append(page);
  if (!links.length) {
    page.append(h('div', { class: 'empty', id: 'deps-empty' }, 'No service dependencies found.'));
    return;
  }
  const { layers } = layout(links);
  const colWidth = 220;
  const rowHeight = 90;
  const width = Math.max(layers.length * colWidth, 400);
  const height = Math.max(...layers.map((l) => l.length)) * rowHeight + 40;
  const pos = new Map();
  layers.forEach((layer, i) => layer.forEach((n, j) => {
    const offset = (height - layer.length * rowHeight) / 2;
    pos.set(n.name, { x: i * colWidth + colWidth / 2, y: offset + j * rowHeight + rowHeight / 2 });
  }));

  const svg = s('svg', { id: 'dep-graph', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': 'Service dependency graph' });
  svg.append(s('defs', null, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: '10', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' },
    s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow-head' }))));
  const r = 34;
  for (const link of links) {
    const a = pos.get(link.parent);
    const b = pos.get(link.child);
    const g = s('g', { class: 'dep-edge' });
    if (link.parent === link.child) {
      g.append(s('path', { d: `M${a.x - 10},${a.y - r} C${a.x - 40},${a.y - 90} ${a.x + 40},${a.y - 90} ${a.x + 10},${a.y - r}`, class: 'edge', 'marker-end': 'url(#arrow)' }));
      g.append(s('text', { x: a.x, y: a.y - 72, 'text-anchor': 'middle', class: 'edge-label', text: String(link.callCount) }));
    } else {
      const dx = b.x - a.x;
      const dy = b.y - a.y;
      const len = Math.hypot(dx, dy) || 1;
      const x1 = a.x + (dx / len) * r;
      const y1 = a.y + (dy / len) * r;
      const x2 = b.x - (dx / len) * (r + 2);
      const y2 = b.y - (dy / len) * (r + 2);
      g.append(s('line', { x1, y1, x2, y2, class: 'edge', 'marker-end': 'url(#arrow)' }));
      g.append(s('text', { x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 6, 'text-anchor': 'middle', class: 'edge-label', text: String(link.callCount) }));
    }
    g.append(s('title', { text: `${link.parent} → ${link.child}: ${link.callCount} calls` }));
    svg.append(g);
  }
  for (const [name, p] of pos) {
    const g = s('g', { class: 'dep-node', 'data-service': name });
    g.append(s('circle', { cx: p.x, cy: p.y, r, fill: serviceColor(name) }));
    g.append(s('text', { x: p.x, y: p.y + r + 16, 'text-anchor': 'middle', class: 'node-label', text: name }));
    svg.append(g);
  }
  const table = h('table', { class: 'kv deps-table' }, h('thead', null, h('tr', null, h('th', null, 'Caller'), h('th', null, 'Callee'), h('th', null, 'Calls'))));
  const body = h('tbody');
  for (const link of links) body.append(h('tr', null, h('td', null, link.parent), h('td', null, link.child), h('td', null, String(link.callCount))));
  table.append(body);
  page.append(h('div', { class: 'graph-wrap' }, svg), table);
}
