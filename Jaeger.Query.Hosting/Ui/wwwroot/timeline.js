import { h, formatDuration, serviceColor } from './dom.js';
import { spanKind } from './model.js';
import { spanDetail } from './spandetail.js';
import { virtualList } from './virtual.js';

const ROW_HEIGHT = 28;
const DETAIL_ESTIMATE = 260;

function ticks(duration, count = 5) {
  const cells = [];
  for (let i = 0; i <= count; i++) cells.push(h('span', { class: 'tick', style: { left: `${(i / count) * 100}%` } }, formatDuration(Math.round((duration * i) / count))));
  return cells;
}

/**
 * The trace timeline: one row per visible span, virtualized (only rows near the viewport are in the DOM), subtrees
 * collapse and expand, a click opens the span's detail under its row, the critical path is drawn over the bars,
 * and the in-trace find's matches are marked.
 * ctx: { byId, critical (section lists by span.index), find: { set, current } }.
 */
export function createTimeline(trace, ctx) {
  const collapsed = new Set();
  const expanded = new Set();
  let items = [];
  let showCritical = true;
  const total = Math.max(trace.duration, 1);

  function rebuild() {
    items = [];
    let skipDepth = -1;
    for (const span of trace.spans) {
      if (skipDepth >= 0 && span.depth > skipDepth) continue;
      skipDepth = -1;
      items.push({ span, detail: false });
      if (expanded.has(span.index)) items.push({ span, detail: true });
      if (collapsed.has(span.index) && span.children.length) skipDepth = span.depth;
    }
  }

  function toggleCollapse(span) {
    if (collapsed.has(span.index)) collapsed.delete(span.index); else collapsed.add(span.index);
    redraw();
  }

  function toggleDetail(span) {
    if (expanded.has(span.index)) expanded.delete(span.index); else expanded.add(span.index);
    redraw();
  }

  function renderRow(span) {
    const color = serviceColor(span.process.serviceName);
    const left = ((span.startTime - trace.startTime) / total) * 100;
    const width = Math.max((span.duration / total) * 100, 0.2);
    const isCollapsed = collapsed.has(span.index);
    const toggle = span.children.length
      ? h('button', { type: 'button', class: 'toggle', 'aria-label': isCollapsed ? 'Expand children' : 'Collapse children',
        onclick: (event) => { event.stopPropagation(); toggleCollapse(span); } }, isCollapsed ? '▸' : '▾')
      : h('span', { class: 'toggle-spacer' });
    const kind = spanKind(span);
    const sections = showCritical ? ctx.critical[span.index] : null;
    const isMatch = ctx.find.set.has(span.index);
    const cls = ['span-row'];
    if (span.hasError) cls.push('has-error');
    if (expanded.has(span.index)) cls.push('expanded');
    if (sections) cls.push('on-critical-path');
    if (isMatch) cls.push('find-match');
    if (ctx.find.current === span) cls.push('find-current');
    const bar = h('div', { class: 'bar-col' },
      h('div', { class: 'span-bar', style: { left: `${left}%`, width: `${width}%`, background: span.hasError ? '' : color } }));
    if (sections) {
      for (const section of sections) {
        bar.append(h('div', { class: 'cp-segment', style: {
          left: `${((section.start - trace.startTime) / total) * 100}%`,
          width: `${Math.max(((section.end - section.start) / total) * 100, 0.1)}%` } }));
      }
    }
    bar.append(left + width > 85
      ? h('span', { class: 'bar-label inside', style: { right: `${100 - left}%` } }, formatDuration(span.duration))
      : h('span', { class: 'bar-label', style: { left: `${left + width}%` } }, formatDuration(span.duration)));
    const row = h('div', {
      class: cls.join(' '), role: 'treeitem', tabindex: '0', dataset: { spanId: span.spanID, index: String(span.index) },
      'aria-expanded': String(expanded.has(span.index)), 'aria-level': String(span.depth + 1),
      onclick: () => toggleDetail(span),
      onkeydown: (event) => { if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); toggleDetail(span); } },
    },
    h('div', { class: 'name-col', style: { paddingLeft: `${Math.min(span.depth, 40) * 14 + 4}px`, borderLeftColor: color } },
      toggle,
      span.hasError ? h('span', { class: 'error-icon', title: 'error' }, '!') : null,
      h('span', { class: 'svc-name' }, span.process.serviceName),
      h('span', { class: 'op-name' }, span.operationName),
      kind ? h('span', { class: 'kind muted' }, kind) : null),
    bar);
    return row;
  }

  const list = virtualList({
    id: 'timeline-rows',
    className: 'timeline-rows',
    count: 0,
    heightOf: (i) => (items[i].detail ? DETAIL_ESTIMATE : ROW_HEIGHT),
    renderItem: (i) => {
      const item = items[i];
      if (!item.detail) return renderRow(item.span);
      const detail = spanDetail(item.span, trace, ctx.byId);
      detail.dataset.measure = '1';
      // A section opened or closed inside the detail changes its height.
      detail.addEventListener('toggle', () => list.remeasure(), true);
      return detail;
    },
  });

  function redraw() {
    rebuild();
    list.refresh(items.length);
  }

  const criticalToggle = h('input', { type: 'checkbox', id: 'critical-path', checked: true, onchange: () => {
    showCritical = criticalToggle.checked;
    list.refresh(items.length);
  } });

  const head = h('div', { class: 'timeline-head' },
    h('div', { class: 'name-col' }, 'Service & Operation',
      h('button', { type: 'button', class: 'link', id: 'expand-all', onclick: () => { collapsed.clear(); redraw(); } }, 'Expand all'),
      h('button', { type: 'button', class: 'link', id: 'collapse-all', onclick: () => {
        for (const sp of trace.spans) if (sp.children.length) collapsed.add(sp.index);
        redraw();
      } }, 'Collapse all'),
      h('label', { class: 'cp-toggle', title: 'The spans the trace waited on' }, criticalToggle, ' Critical path')),
    h('div', { class: 'bar-col ticks' }, ticks(trace.duration)));

  const element = h('div', { class: 'timeline', id: 'timeline', role: 'tree' }, head, list.element);
  rebuild();

  return {
    element,
    /** Draws the visible rows; call when the view becomes visible. */
    shown() { list.refresh(items.length); },
    /** The find's matches changed: redraw the rows in view. */
    update() { list.refresh(items.length); },
    /** Expands the span's ancestors and scrolls to its row. */
    reveal(span) {
      for (let p = span.parent; p; p = p.parent) collapsed.delete(p.index);
      rebuild();
      list.refresh(items.length);
      const at = items.findIndex((item) => item.span === span && !item.detail);
      if (at >= 0) list.scrollToIndex(at);
    },
  };
}
