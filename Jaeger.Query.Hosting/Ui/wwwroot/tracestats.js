import { h, clear, formatDuration, tagText } from './dom.js';

/**
 * Trace statistics: spans grouped by service, by service and operation, or by the value of a tag, each group with
 * count, total, average, minimum and maximum duration and self time. Spans without the tag form one group.
 */
export function traceStatistics(trace, self, groupBy, tagKey) {
  const groups = new Map();
  for (const span of trace.spans) {
    let key;
    if (groupBy === 'service') key = span.process.serviceName;
    else if (groupBy === 'tag') {
      const tag = span.tags.find((t) => t.key === tagKey) || span.process.tags.find((t) => t.key === tagKey);
      key = tag ? tagText(tag) : `(without ${tagKey})`;
    } else key = `${span.process.serviceName}\u0000${span.operationName}`;
    let g = groups.get(key);
    if (!g) {
      const [service, operation] = key.split('\u0000');
      g = { name: groupBy === 'operation' ? operation : key, service: groupBy === 'operation' ? service : '',
        count: 0, total: 0, min: Infinity, max: 0, self: 0, errors: 0 };
      groups.set(key, g);
    }
    g.count++;
    g.total += span.duration;
    if (span.duration < g.min) g.min = span.duration;
    if (span.duration > g.max) g.max = span.duration;
    g.self += self[span.index];
    if (span.hasError) g.errors++;
  }
  const list = [...groups.values()];
  for (const g of list) {
    g.avg = g.total / g.count;
    g.selfAvg = g.self / g.count;
    g.selfPercent = trace.duration ? (g.self / trace.duration) * 100 : 0;
  }
  return list;
}

const COLUMNS = [
  ['name', 'Name'], ['count', 'Count'], ['total', 'Total'], ['avg', 'Avg'], ['min', 'Min'], ['max', 'Max'],
  ['self', 'Self Total'], ['selfAvg', 'Self Avg'], ['selfPercent', 'Self % of Trace'], ['errors', 'Errors'],
];

export function createTraceStatistics(trace, ctx) {
  const tagKeys = [...new Set(trace.spans.flatMap((sp) => sp.tags.map((t) => t.key)))].sort();
  const groupSelect = h('select', { id: 'stats-group', 'aria-label': 'Group by' },
    h('option', { value: 'service' }, 'Service'), h('option', { value: 'operation' }, 'Service and operation'), h('option', { value: 'tag' }, 'Tag'));
  groupSelect.value = 'operation';
  const tagSelect = h('select', { id: 'stats-tag', 'aria-label': 'Tag', class: 'hidden' }, tagKeys.map((k) => h('option', { value: k }, k)));
  let sortKey = 'total';
  let descending = true;
  const table = h('table', { class: 'kv stats-table', id: 'stats-table' });

  function draw() {
    tagSelect.classList.toggle('hidden', groupSelect.value !== 'tag');
    const rows = traceStatistics(trace, ctx.self, groupSelect.value, tagSelect.value);
    rows.sort((a, b) => {
      const x = a[sortKey];
      const y = b[sortKey];
      const order = typeof x === 'string' ? x.localeCompare(y) : x - y;
      return descending ? -order : order;
    });
    clear(table);
    const headRow = h('tr');
    for (const [key, label] of COLUMNS) {
      headRow.append(h('th', { 'aria-sort': key === sortKey ? (descending ? 'descending' : 'ascending') : undefined },
        h('button', { type: 'button', class: 'link sort', dataset: { sort: key }, onclick: () => {
          if (sortKey === key) descending = !descending; else { sortKey = key; descending = key !== 'name'; }
          draw();
        } }, label, key === sortKey ? (descending ? ' ▾' : ' ▴') : '')));
    }
    const body = h('tbody');
    for (const g of rows) {
      body.append(h('tr', { class: 'stats-row' },
        h('td', { class: 'stats-name' }, g.service ? h('span', { class: 'muted' }, `${g.service}: `) : null, g.name),
        h('td', { class: 'num' }, String(g.count)),
        h('td', { class: 'num' }, formatDuration(g.total)),
        h('td', { class: 'num' }, formatDuration(Math.round(g.avg))),
        h('td', { class: 'num' }, formatDuration(g.min)),
        h('td', { class: 'num' }, formatDuration(g.max)),
        h('td', { class: 'num' }, formatDuration(g.self)),
        h('td', { class: 'num' }, formatDuration(Math.round(g.selfAvg))),
        h('td', { class: 'num' }, `${g.selfPercent.toFixed(2)}%`),
        h('td', { class: 'num' }, String(g.errors))));
    }
    table.append(h('thead', null, headRow), body);
  }
  groupSelect.addEventListener('change', draw);
  tagSelect.addEventListener('change', draw);
  draw();
  const element = h('section', { class: 'view-panel', id: 'trace-statistics' },
    h('div', { class: 'view-tools' }, h('label', null, 'Group by ', groupSelect), tagSelect), table);
  return { element };
}
