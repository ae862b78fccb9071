import { h, clear, message, formatDuration } from './dom.js';
import { api } from './api.js';
import { transformTrace } from './model.js';

function counts(trace) {
  const map = new Map();
  for (const span of trace.spans) {
    const key = `${span.process.serviceName}\u0000${span.operationName}`;
    map.set(key, (map.get(key) || 0) + 1);
  }
  return map;
}

export async function renderCompare(main, a, b, { navigate, isCurrent }) {
  const inputA = h('input', { id: 'compare-a', value: a, placeholder: 'Trace ID A', spellcheck: 'false' });
  const inputB = h('input', { id: 'compare-b', value: b, placeholder: 'Trace ID B', spellcheck: 'false' });
  const form = h('form', { class: 'inline-form compare-form', onsubmit: (event) => {
    event.preventDefault();
    navigate(`compare?a=${encodeURIComponent(inputA.value.trim())}&b=${encodeURIComponent(inputB.value.trim())}`);
  } }, inputA, inputB, h('button', { type: 'submit', class: 'primary' }, 'Compare'));
  const page = h('section', { class: 'compare-page', id: 'compare' }, h('h1', null, 'Compare Traces'), form);
  main.append(page);
  if (!a || !b) {
    page.append(h('p', { class: 'muted' }, 'Enter two trace IDs, or select two traces in the search results.'));
    return;
  }
  page.append(message('Loading…'));
  let response;
  try {
    response = await api.traces([a, b]);
  } catch (error) {
    if (isCurrent()) page.append(message(error.message, 'error'));
    return;
  }
  if (!isCurrent()) return;
  page.lastChild.remove();
  for (const error of response.errors || []) page.append(message(`${error.traceID}: ${error.msg}`, 'error'));
  const traces = (response.data || []).map(transformTrace);
  const find = (id) => traces.find((t) => t.traceID === id.toLowerCase() || t.traceID.replace(/^0+/, '') === id.toLowerCase().replace(/^0+/, ''));
  const ta = find(a);
  const tb = find(b);
  if (!ta || !tb) return;

  const summary = (t, label) => h('div', { class: 'compare-card' },
    h('h2', null, `${label}: `, h('a', { href: `trace/${t.traceID}`, 'data-nav': true }, t.name)),
    h('p', { class: 'mono' }, t.traceID),
    h('p', null, `${t.spans.length} spans · ${formatDuration(t.duration)} · ${t.errorCount} errors · ${t.services.length} services`));
  page.append(h('div', { class: 'compare-cards' }, summary(ta, 'A'), summary(tb, 'B')));

  const ca = counts(ta);
  const cb = counts(tb);
  const keys = [...new Set([...ca.keys(), ...cb.keys()])].sort();
  const body = h('tbody');
  for (const key of keys) {
    const [service, operation] = key.split('\u0000');
    const x = ca.get(key) || 0;
    const y = cb.get(key) || 0;
    const diff = y - x;
    body.append(h('tr', { class: diff > 0 ? 'added' : diff < 0 ? 'removed' : 'same' },
      h('td', null, service), h('td', null, operation), h('td', null, String(x)), h('td', null, String(y)),
      h('td', { class: 'diff' }, diff > 0 ? `+${diff}` : String(diff))));
  }
  page.append(h('table', { class: 'kv compare-table', id: 'compare-table' },
    h('thead', null, h('tr', null, h('th', null, 'Service'), h('th', null, 'Operation'), h('th', null, 'Spans in A'), h('th', null, 'Spans in B'), h('th', null, 'B − A'))),
    body));
}
