import { h, s, formatDuration, serviceColor } from './dom.js';
import { selfTimes } from './model.js';

const NODE_W = 220;
const NODE_H = 58;
const COL = 280;
const ROW = 72;
const MAX_NODES = 600;

/**
 * The trace as a graph of service and operation nodes, grouped like Jaeger's trace graph: spans with the same
 * service and operation under the same parent node share one node, which shows their count, total time and self time.
 */
export function traceGraph(trace, self = selfTimes(trace)) {
  const nodes = [];
  const rootKids = new Map();
  const nodeOf = new Array(trace.spans.length);
  for (const span of trace.spans) {
    const parentNode = span.parent ? nodeOf[span.parent.index] : null;
    // Children of a node by service, then by operation: no key strings built per span.
    const kids = parentNode ? (parentNode.kids ||= new Map()) : rootKids;
    let byOperation = kids.get(span.process.serviceName);
    if (!byOperation) kids.set(span.process.serviceName, byOperation = new Map());
    let node = byOperation.get(span.operationName);
    if (!node) {
      node = { id: nodes.length, service: span.process.serviceName, operation: span.operationName, parent: parentNode,
        children: [], kids: null, count: 0, errors: 0, time: 0, self: 0, spans: [] };
      nodes.push(node);
      byOperation.set(span.operationName, node);
      if (parentNode) parentNode.children.push(node);
    }
    node.count++;
    if (span.hasError) node.errors++;
    node.time += span.duration;
    node.self += self[span.index];
    node.spans.push(span);
    nodeOf[span.index] = node;
  }
  return nodes;
}

/** The trace graph view: nodes laid out left to right by depth, drawn in SVG with every label as text. */
export function createTraceGraph(trace, ctx) {
  const nodes = traceGraph(trace, ctx.self);
  const drawn = nodes.slice(0, MAX_NODES);
  const shown = new Set(drawn);
  // Leaves take consecutive rows; a parent sits in the middle of its children.
  let row = 0;
  const pos = new Map();
  function place(node, depth) {
    const kids = node.children.filter((c) => shown.has(c));
    let y;
    if (!kids.length) y = row++ * ROW;
    else {
      const ys = kids.map((c) => place(c, depth + 1));
      y = (ys[0] + ys[ys.length - 1]) / 2;
    }
    pos.set(node, { x: depth * COL, y });
    return y;
  }
  // Recursion is bounded: at most MAX_NODES nodes are placed.
  for (const node of drawn) if (!node.parent) place(node, 0);
  let maxX = 0;
  for (const p of pos.values()) if (p.x > maxX) maxX = p.x;
  const width = maxX + NODE_W + 20;
  const height = Math.max(row, 1) * ROW + 10;

  const svg = s('svg', { id: 'trace-graph', class: 'trace-graph', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'Trace graph' });
  const edges = s('g', { class: 'edges' });
  const group = s('g', { class: 'nodes' });
  svg.append(edges, group);
  const nodeEls = [];
  for (const node of drawn) {
    const p = pos.get(node);
    if (!p) continue;
    if (node.parent && pos.has(node.parent)) {
      const q = pos.get(node.parent);
      const x1 = q.x + NODE_W + 10;
      const y1 = q.y + NODE_H / 2 + 5;
      const x2 = p.x + 10;
      const y2 = p.y + NODE_H / 2 + 5;
      const mx = (x1 + x2) / 2;
      edges.append(s('path', { class: 'graph-edge', d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}` }));
    }
    const g = s('g', { class: `graph-node${node.errors ? ' has-error' : ''}`, transform: `translate(${p.x + 10},${p.y + 5})`,
      'data-service': node.service, 'data-operation': node.operation, 'data-count': node.count },
    s('rect', { width: NODE_W, height: NODE_H, rx: 4, class: 'graph-box' }),
    s('rect', { width: 6, height: NODE_H, class: 'graph-swatch', fill: serviceColor(node.service) }),
    s('text', { x: 12, y: 17, class: 'graph-op', text: clip(node.operation, 30) }),
    s('text', { x: 12, y: 33, class: 'graph-svc', text: clip(node.service, 30) }),
    s('text', { x: 12, y: 49, class: 'graph-stats', text: `${node.count} span${node.count === 1 ? '' : 's'} · ${formatDuration(node.time)} · self ${formatDuration(node.self)}${node.errors ? ` · ${node.errors} err` : ''}` }),
    s('title', { text: `${node.service}: ${node.operation}\n${node.count} spans, total ${formatDuration(node.time)}, self ${formatDuration(node.self)}` }));
    nodeEls.push([node, g]);
    group.append(g);
  }

  function update() {
    for (const [node, g] of nodeEls) {
      const match = node.spans.some((sp) => ctx.find.set.has(sp.index));
      g.classList.toggle('find-match', match);
    }
  }
  update();

  const element = h('section', { class: 'view-panel', id: 'trace-graph-view' },
    h('p', { class: 'muted' }, `${nodes.length} node${nodes.length === 1 ? '' : 's'}: spans with the same service and operation under the same parent are one node (count · total time · self time).`,
      nodes.length > MAX_NODES ? ` Only the first ${MAX_NODES} are drawn.` : ''),
    h('div', { class: 'graph-wrap' }, svg));
  return { element, update };
}

function clip(text, max) {
  const t = String(text);
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}
