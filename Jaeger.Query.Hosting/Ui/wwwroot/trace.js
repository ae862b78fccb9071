import { h, clear, formatDuration, formatTime, serviceColor, tagText, message } from './dom.js';
import { api, apiUrl } from './api.js';
import { transformTrace, spanKind } from './model.js';

function keyValueTable(items, cls) {
  const table = h('table', { class: `kv ${cls || ''}` });
  const body = h('tbody');
  for (const item of items) {
    body.append(h('tr', { class: 'tag-row' },
      h('td', { class: 'tag-key' }, item.key),
      h('td', { class: 'tag-value' }, tagText(item)),
      h('td', { class: 'tag-type muted' }, item.type || '')));
  }
  table.append(body);
  return items.length ? table : h('p', { class: 'muted' }, 'none');
}

function section(title, content, open = true) {
  const details = h('details', { class: 'detail-section', open }, h('summary', null, title), content);
  return details;
}

function spanDetail(span, trace) {
  const logs = h('div', { class: 'logs' });
  for (const log of span.logs) {
    logs.append(h('div', { class: 'log' },
      h('div', { class: 'log-time' }, `${formatDuration(log.timestamp - trace.startTime)} (${formatTime(log.timestamp)})`),
      keyValueTable(log.fields || [], 'log-fields')));
  }
  const refs = h('ul', { class: 'refs' });
  for (const ref of span.references) {
    const target = trace.spans.find((sp) => sp.spanID === ref.spanID && sp.traceID === ref.traceID);
    refs.append(h('li', null, `${ref.refType} `,
      ref.traceID === trace.traceID
        ? h('span', { class: 'mono' }, target ? `${target.process.serviceName}: ${target.operationName} (${ref.spanID})` : ref.spanID)
        : h('a', { href: `trace/${ref.traceID}`, 'data-nav': true, class: 'mono' }, `${ref.traceID} / ${ref.spanID}`)));
  }
  const warnings = h('ul', { class: 'warnings' });
  for (const warning of span.warnings) warnings.append(h('li', null, warning));

  return h('div', { class: 'span-detail', dataset: { spanId: span.spanID } },
    h('div', { class: 'detail-head' },
      h('strong', { class: 'detail-op' }, span.operationName),
      h('span', { class: 'muted' }, ` Service: ${span.process.serviceName} · Duration: ${formatDuration(span.duration)} · Start Time: ${formatDuration(span.startTime - trace.startTime)} · SpanID: ${span.spanID}`)),
    span.warnings.length ? section('Warnings', warnings) : null,
    section(`Tags (${span.tags.length})`, keyValueTable(span.tags, 'span-tags')),
    section(`Process (${span.process.tags.length})`, keyValueTable(span.process.tags, 'process-tags'), false),
    section(`Logs (${span.logs.length})`, span.logs.length ? logs : h('p', { class: 'muted' }, 'none'), span.logs.length > 0),
    span.references.length ? section(`References (${span.references.length})`, refs, false) : null);
}

function ticks(duration, count = 5) {
  const cells = [];
  for (let i = 0; i <= count; i++) cells.push(h('span', { class: 'tick', style: { left: `${(i / count) * 100}%` } }, formatDuration(Math.round((duration * i) / count))));
  return cells;
}

export async function renderTrace(main, id, { navigate, isCurrent }) {
  main.append(message('Loading trace…'));
  let data;
  try {
    data = await api.trace(id);
  } catch (error) {
    if (!isCurrent()) return;
    clear(main).append(message(error.status === 404 ? `Trace ${id} not found.` : error.message, 'error'));
    return;
  }
  if (!isCurrent()) return;
  clear(main);
  const trace = transformTrace(data);
  document.title = `${trace.name} — Jaeger`;

  const download = h('button', { type: 'button', id: 'download-json', onclick: () => {
    const blob = new Blob([JSON.stringify({ data: [data] }, null, 2)], { type: 'application/json' });
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: `trace-${trace.traceID}.json` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  } }, 'Download JSON');
  const compareInput = h('input', { id: 'compare-with', placeholder: 'Compare with trace ID…', spellcheck: 'false' });
  const compareForm = h('form', { class: 'inline-form', onsubmit: (event) => {
    event.preventDefault();
    const other = compareInput.value.trim();
    if (other) navigate(`compare?a=${encodeURIComponent(trace.traceID)}&b=${encodeURIComponent(other)}`);
  } }, compareInput, h('button', { type: 'submit' }, 'Compare'));

  const header = h('section', { class: 'trace-header' },
    h('div', { class: 'trace-title' },
      h('h1', { id: 'trace-name' }, trace.name),
      h('span', { class: 'trace-id mono', id: 'trace-id' }, trace.traceID)),
    h('dl', { class: 'trace-summary' },
      h('div', null, h('dt', null, 'Trace Start'), h('dd', null, formatTime(trace.startTime))),
      h('div', null, h('dt', null, 'Duration'), h('dd', { id: 'trace-duration' }, formatDuration(trace.duration))),
      h('div', null, h('dt', null, 'Services'), h('dd', null, String(trace.services.length))),
      h('div', null, h('dt', null, 'Depth'), h('dd', null, String(trace.depth))),
      h('div', null, h('dt', null, 'Total Spans'), h('dd', { id: 'trace-span-count' }, String(trace.spans.length))),
      h('div', null, h('dt', null, 'Errors'), h('dd', { class: trace.errorCount ? 'error-text' : '' }, String(trace.errorCount)))),
    h('div', { class: 'trace-actions' },
      download,
      h('a', { href: apiUrl(`api/traces/${trace.traceID}`, { prettyPrint: 'true' }).href, target: '_blank', rel: 'noopener', class: 'button' }, 'Trace JSON'),
      h('a', { href: apiUrl(`api/traces/${trace.traceID}`, { prettyPrint: 'true', raw: 'true' }).href, target: '_blank', rel: 'noopener', class: 'button' }, 'Trace JSON (unadjusted)'),
      compareForm));
  if (trace.warnings.length) header.append(h('ul', { class: 'warnings' }, trace.warnings.map((w) => h('li', null, w))));

  const legend = h('ul', { class: 'legend' });
  for (const svc of trace.services) {
    legend.append(h('li', null, h('span', { class: 'swatch', style: { background: serviceColor(svc.name) } }), `${svc.name} (${svc.count})`));
  }

  const collapsed = new Set();
  const expanded = new Set();
  const timeline = h('div', { class: 'timeline', id: 'timeline', role: 'tree' });
  const total = Math.max(trace.duration, 1);

  function hiddenByCollapse(span) {
    for (let p = span.parent; p; p = p.parent) if (collapsed.has(p.spanID)) return true;
    return false;
  }

  function draw() {
    clear(timeline);
    timeline.append(h('div', { class: 'timeline-head' },
      h('div', { class: 'name-col' }, 'Service & Operation',
        h('button', { type: 'button', class: 'link', id: 'expand-all', onclick: () => { collapsed.clear(); draw(); } }, 'Expand all'),
        h('button', { type: 'button', class: 'link', id: 'collapse-all', onclick: () => {
          for (const sp of trace.spans) if (sp.children.length) collapsed.add(sp.spanID);
          draw();
        } }, 'Collapse all')),
      h('div', { class: 'bar-col ticks' }, ticks(trace.duration))));
    for (const span of trace.spans) {
      if (hiddenByCollapse(span)) continue;
      const color = serviceColor(span.process.serviceName);
      const left = ((span.startTime - trace.startTime) / total) * 100;
      const width = Math.max((span.duration / total) * 100, 0.2);
      const toggle = span.children.length
        ? h('button', { type: 'button', class: 'toggle', 'aria-label': collapsed.has(span.spanID) ? 'Expand children' : 'Collapse children',
          onclick: (event) => {
            event.stopPropagation();
            if (collapsed.has(span.spanID)) collapsed.delete(span.spanID); else collapsed.add(span.spanID);
            draw();
          } }, collapsed.has(span.spanID) ? '▸' : '▾')
        : h('span', { class: 'toggle-spacer' });
      const kind = spanKind(span);
      const row = h('div', {
        class: `span-row${span.hasError ? ' has-error' : ''}${expanded.has(span.spanID) ? ' expanded' : ''}`,
        role: 'treeitem', tabindex: '0', dataset: { spanId: span.spanID },
        'aria-expanded': String(expanded.has(span.spanID)),
        onclick: () => {
          if (expanded.has(span.spanID)) expanded.delete(span.spanID); else expanded.add(span.spanID);
          draw();
        },
        onkeydown: (event) => { if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); row.click(); } },
      },
      h('div', { class: 'name-col', style: { paddingLeft: `${span.depth * 14 + 4}px`, borderLeftColor: color } },
        toggle,
        span.hasError ? h('span', { class: 'error-icon', title: 'error' }, '!') : null,
        h('span', { class: 'svc-name' }, span.process.serviceName),
        h('span', { class: 'op-name' }, span.operationName),
        kind ? h('span', { class: 'kind muted' }, kind) : null),
      h('div', { class: 'bar-col' },
        h('div', { class: 'span-bar', style: { left: `${left}%`, width: `${width}%`, background: span.hasError ? '' : color } }),
        left + width > 85
          ? h('span', { class: 'bar-label inside', style: { right: `${100 - left}%` } }, formatDuration(span.duration))
          : h('span', { class: 'bar-label', style: { left: `${left + width}%` } }, formatDuration(span.duration))));
      timeline.append(row);
      if (expanded.has(span.spanID)) timeline.append(spanDetail(span, trace));
    }
  }
  draw();
  main.append(h('div', { class: 'trace-page', id: 'trace-page' }, header, legend, timeline));
}
