import { h, clear, formatDuration, serviceColor } from './dom.js';
import { findSpans } from './tracefind.js';
import { spanDetail } from './spandetail.js';
import { virtualList } from './virtual.js';

const COLUMNS = [
  ['service', 'Service', (sp) => sp.process.serviceName],
  ['operation', 'Operation', (sp) => sp.operationName],
  ['spanID', 'Span ID', (sp) => sp.spanID],
  ['start', 'Start', (sp) => sp.startTime],
  ['duration', 'Duration', (sp) => sp.duration],
  ['self', 'Self Time', null],
  ['error', 'Error', (sp) => (sp.hasError ? 1 : 0)],
];

/** Every span in one sortable, filterable table (virtualized like the timeline); a click shows the span's detail. */
export function createSpanTable(trace, ctx) {
  let sortKey = 'start';
  let descending = false;
  let rows = trace.spans;
  const filter = h('input', { id: 'span-filter', type: 'search', placeholder: 'Filter by service, operation, span ID or tag…', spellcheck: 'false' });
  const count = h('span', { class: 'muted', id: 'span-table-count' });
  const head = h('div', { class: 'span-table-head span-table-grid', role: 'row' });
  const detail = h('div', { class: 'span-table-detail' });

  const list = virtualList({
    id: 'span-table-rows',
    className: 'span-table-rows',
    count: 0,
    heightOf: () => 28,
    renderItem: (i) => {
      const span = rows[i];
      const cls = ['span-table-row', 'span-table-grid'];
      if (span.hasError) cls.push('has-error');
      if (ctx.find.set.has(span.index)) cls.push('find-match');
      if (ctx.find.current === span) cls.push('find-current');
      return h('div', { class: cls.join(' '), role: 'row', dataset: { spanId: span.spanID }, onclick: () => clear(detail).append(spanDetail(span, trace, ctx.byId)) },
        h('span', { class: 'cell', style: { borderLeftColor: serviceColor(span.process.serviceName) } }, span.process.serviceName),
        h('span', { class: 'cell' }, span.operationName),
        h('span', { class: 'cell mono' }, span.spanID),
        h('span', { class: 'cell num' }, formatDuration(span.startTime - trace.startTime)),
        h('span', { class: 'cell num' }, formatDuration(span.duration)),
        h('span', { class: 'cell num' }, formatDuration(ctx.self[span.index])),
        h('span', { class: 'cell' }, span.hasError ? 'error' : ''));
    },
  });

  function draw() {
    const base = filter.value.trim() ? findSpans(trace, filter.value) : trace.spans.slice();
    const column = COLUMNS.find(([key]) => key === sortKey);
    const value = column[2] || ((sp) => ctx.self[sp.index]);
    base.sort((a, b) => {
      const x = value(a);
      const y = value(b);
      const order = typeof x === 'string' ? x.localeCompare(y) : x - y;
      return descending ? -order : order;
    });
    rows = base;
    clear(head);
    for (const [key, label] of COLUMNS) {
      head.append(h('button', { type: 'button', class: 'cell link sort', dataset: { sort: key }, 'aria-sort': key === sortKey ? (descending ? 'descending' : 'ascending') : undefined,
        onclick: () => {
          if (sortKey === key) descending = !descending; else { sortKey = key; descending = ['duration', 'self', 'error'].includes(key); }
          draw();
        } }, label, key === sortKey ? (descending ? ' ▾' : ' ▴') : ''));
    }
    count.textContent = `${rows.length} of ${trace.spans.length} spans`;
    list.refresh(rows.length);
  }

  let timer = 0;
  filter.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(draw, 120); });
  const element = h('section', { class: 'view-panel span-table', id: 'span-table' },
    h('div', { class: 'view-tools' }, filter, count), head, list.element, detail);
  return { element, shown: draw, update: () => list.refresh(rows.length) };
}
