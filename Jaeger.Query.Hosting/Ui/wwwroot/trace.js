import { h, clear, formatDuration, formatTime, serviceColor, message } from './dom.js';
import { api, apiUrl } from './api.js';
import { transformTrace, selfTimes } from './model.js';
import { criticalPath } from './criticalpath.js';
import { findSpans } from './tracefind.js';
import { createTimeline } from './timeline.js';
import { createTraceGraph } from './tracegraph.js';
import { createFlamegraph } from './flamegraph.js';
import { createTraceStatistics } from './tracestats.js';
import { createSpanTable } from './spantable.js';

const VIEWS = [
  ['timeline', 'Timeline', createTimeline],
  ['graph', 'Trace Graph', createTraceGraph],
  ['flamegraph', 'Flamegraph', createFlamegraph],
  ['statistics', 'Trace Statistics', createTraceStatistics],
  ['spans', 'Span Table', createSpanTable],
];

const actionHooks = [];

/**
 * Adds a control to every trace page's actions (an Archive button, ...): hook(trace, data) returns an element or
 * null, where trace is the transformed trace (model.js) and data the API's trace JSON.
 */
export function addTraceAction(hook) {
  actionHooks.push(hook);
}

export async function renderTrace(main, id, context) {
  main.append(message('Loading trace…'));
  let data;
  try {
    data = await api.trace(id);
  } catch (error) {
    if (!context.isCurrent()) return;
    clear(main).append(message(error.status === 404 ? `Trace ${id} not found.` : error.message, 'error'));
    return;
  }
  if (!context.isCurrent()) return;
  clear(main);
  renderTraceData(main, data, context);
}

/** Draws a trace from the API's trace JSON (fetched, or read from a file). */
export function renderTraceData(main, data, { navigate }) {
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
    h('div', { class: 'trace-actions', id: 'trace-actions' },
      download,
      h('a', { href: apiUrl(`api/traces/${trace.traceID}`, { prettyPrint: 'true' }).href, target: '_blank', rel: 'noopener', class: 'button' }, 'Trace JSON'),
      h('a', { href: apiUrl(`api/traces/${trace.traceID}`, { prettyPrint: 'true', raw: 'true' }).href, target: '_blank', rel: 'noopener', class: 'button' }, 'Trace JSON (unadjusted)'),
      compareForm,
      actionHooks.map((hook) => hook(trace, data))));
  if (trace.warnings.length) header.append(h('ul', { class: 'warnings' }, trace.warnings.map((w) => h('li', null, w))));

  const legend = h('ul', { class: 'legend' });
  for (const svc of trace.services) {
    legend.append(h('li', null, h('span', { class: 'swatch', style: { background: serviceColor(svc.name) } }), `${svc.name} (${svc.count})`));
  }

  // What every view shares: spans by ID, self times, the critical path per span, the find's matches.
  const byId = new Map();
  for (const span of trace.spans) if (!byId.has(span.spanID)) byId.set(span.spanID, span);
  const critical = new Array(trace.spans.length);
  const ctx = {
    byId,
    critical,
    find: { set: new Set(), list: [], current: null },
    get self() { return this._self || (this._self = selfTimes(trace)); },
  };

  const body = h('div', { class: 'trace-views' });
  const views = new Map();
  const tabs = h('div', { class: 'view-tabs', role: 'tablist' });
  let active = null;

  function show(name) {
    if (!VIEWS.some(([n]) => n === name)) name = 'timeline';
    active = name;
    for (const button of tabs.children) {
      const on = button.dataset.view === name;
      button.classList.toggle('active', on);
      button.setAttribute('aria-selected', String(on));
    }
    if (!views.has(name)) {
      const view = VIEWS.find(([n]) => n === name)[2](trace, ctx);
      views.set(name, view);
      body.append(view.element);
    }
    for (const [n, view] of views) view.element.classList.toggle('hidden', n !== name);
    const view = views.get(name);
    // Hidden views are not redrawn when the find changes; they catch up here.
    if (view.shown) view.shown();
    else if (view.update) view.update();
    const url = new URL(location.href);
    if (name === 'timeline') url.searchParams.delete('view'); else url.searchParams.set('view', name);
    if (url.href !== location.href) history.replaceState(history.state, '', url);
    body.dataset.view = name;
  }

  for (const [name, label] of VIEWS) {
    tabs.append(h('button', { type: 'button', role: 'tab', class: 'view-tab', id: `view-${name}`, dataset: { view: name }, onclick: () => show(name) }, label));
  }

  // In-trace find: marks matching spans in every view; next and previous walk them in the timeline.
  const findInput = h('input', { id: 'trace-find', type: 'search', placeholder: 'Find in trace…', spellcheck: 'false', 'aria-label': 'Find in trace' });
  const findCount = h('span', { id: 'find-count', class: 'muted', 'aria-live': 'polite' });
  function refreshViews() {
    const view = views.get(active);
    if (view.update) view.update();
  }
  function step(delta) {
    const { list } = ctx.find;
    if (!list.length) return;
    const at = list.indexOf(ctx.find.current);
    const next = list[(at + delta + list.length) % list.length];
    ctx.find.current = next;
    findCount.textContent = `${list.indexOf(next) + 1} of ${list.length}`;
    if (active !== 'timeline') show('timeline');
    views.get('timeline').reveal(next);
  }
  let findTimer = 0;
  let lastQuery = '';
  function runFind() {
    lastQuery = findInput.value;
    const list = findSpans(trace, findInput.value);
    ctx.find.list = list;
    ctx.find.set = new Set(list.map((sp) => sp.index));
    ctx.find.current = null;
    findCount.textContent = findInput.value.trim() ? `${list.length} match${list.length === 1 ? '' : 'es'}` : '';
    refreshViews();
  }
  findInput.addEventListener('input', () => { clearTimeout(findTimer); findTimer = setTimeout(runFind, 150); });
  findInput.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      clearTimeout(findTimer);
      if (findInput.value !== lastQuery) runFind();
      step(event.shiftKey ? -1 : 1);
    }
  });
  const find = h('div', { class: 'trace-find' }, findInput,
    h('button', { type: 'button', id: 'find-prev', 'aria-label': 'Previous match', onclick: () => step(-1) }, '↑'),
    h('button', { type: 'button', id: 'find-next', 'aria-label': 'Next match', onclick: () => step(1) }, '↓'),
    findCount);

  main.append(h('div', { class: 'trace-page', id: 'trace-page' }, header, legend, h('div', { class: 'view-bar' }, tabs, find), body));
  show(new URLSearchParams(location.search).get('view') || 'timeline');

  // The critical path is drawn once the first rows are on screen, so a large trace paints sooner.
  requestAnimationFrame(() => setTimeout(() => {
    for (const section of criticalPath(trace)) (critical[section.span.index] ||= []).push(section);
    refreshViews();
  }, 0));
}
