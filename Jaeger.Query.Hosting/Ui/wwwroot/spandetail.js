import { h, formatDuration, formatTime, tagText } from './dom.js';

function keyValueTable(items, cls) {
  if (!items.length) return h('p', { class: 'muted' }, 'none');
  const body = h('tbody');
  for (const item of items) {
    body.append(h('tr', { class: 'tag-row' },
      h('td', { class: 'tag-key' }, item.key),
      h('td', { class: 'tag-value' }, tagText(item)),
      h('td', { class: 'tag-type muted' }, item.type || '')));
  }
  return h('table', { class: `kv ${cls || ''}` }, body);
}

function section(title, content, open = true) {
  return h('details', { class: 'detail-section', open }, h('summary', null, title), content);
}

/** A span's tags, process, logs, references and warnings; every value is set as text. */
export function spanDetail(span, trace, byId) {
  const logs = h('div', { class: 'logs' });
  for (const log of span.logs) {
    logs.append(h('div', { class: 'log' },
      h('div', { class: 'log-time' }, `${formatDuration(log.timestamp - trace.startTime)} (${formatTime(log.timestamp)})`),
      keyValueTable(log.fields || [], 'log-fields')));
  }
  const refs = h('ul', { class: 'refs' });
  for (const ref of span.references) {
    const target = ref.traceID === trace.traceID ? (byId ? byId.get(ref.spanID) : trace.spans.find((sp) => sp.spanID === ref.spanID)) : null;
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
