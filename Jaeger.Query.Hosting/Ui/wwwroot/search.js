import { h, s, clear, formatDuration, formatTime, timeAgo, serviceColor, message } from './dom.js';
import { api } from './api.js';
import { transformTrace } from './model.js';
import { filterControls, filterErrorView } from './filter.js';

const LOOKBACKS = [
  ['5m', 'Last 5 Minutes'], ['15m', 'Last 15 Minutes'], ['30m', 'Last 30 Minutes'], ['1h', 'Last Hour'], ['2h', 'Last 2 Hours'],
  ['3h', 'Last 3 Hours'], ['6h', 'Last 6 Hours'], ['12h', 'Last 12 Hours'], ['24h', 'Last 24 Hours'], ['2d', 'Last 2 Days'],
  ['7d', 'Last 7 Days'], ['custom', 'Custom Time Range'],
];
const UNITS = { m: 60, h: 3600, d: 86400, w: 604800 };
const SORTS = [['recent', 'Most Recent'], ['longest', 'Longest First'], ['shortest', 'Shortest First'], ['spans', 'Most Spans']];

/** Parses logfmt like Jaeger's search form: k=v k2="v 2" → {k: 'v', k2: 'v 2'}; null when malformed. */
export function parseLogfmt(text) {
  const result = {};
  const re = /\s*([^\s=]+)=(?:"((?:[^"\\]|\\.)*)"|(\S*))/y;
  let rest = text.trim();
  let index = 0;
  re.lastIndex = 0;
  while (index < rest.length) {
    re.lastIndex = index;
    const m = re.exec(rest);
    if (!m) return null;
    result[m[1]] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
    index = re.lastIndex;
    while (index < rest.length && /\s/.test(rest[index])) index++;
  }
  return result;
}

function toLogfmt(tags) {
  return Object.entries(tags).map(([k, v]) => (/[\s"]/.test(v) || v === '' ? `${k}="${v.replace(/(["\\])/g, '\\$1')}"` : `${k}=${v}`)).join(' ');
}

function lookbackSeconds(value) {
  const m = /^(\d+)([mhdw])$/.exec(value || '');
  return m ? Number(m[1]) * UNITS[m[2]] : 3600;
}

function toLocalInput(micros) {
  const d = new Date(micros / 1000 - new Date().getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

function field(label, control) {
  return h('label', { class: 'field' }, h('span', { class: 'label' }, label), control);
}

export async function renderSearch(main, params, { navigate, isCurrent }) {
  const [services, capabilities] = await Promise.all([api.services().catch(() => []), api.capabilities()]);
  if (!isCurrent()) return;
  const anyService = capabilities.searchWithoutServiceName === true;
  // The structured filter box only where the backend can apply it; a filter in the URL is still sent (and refused).
  const canFilter = capabilities.filter === true;

  const service = h('select', { id: 'search-service', name: 'service', required: !anyService });
  service.append(h('option', { value: '' }, anyService ? 'All Services' : services.length ? 'Select a service' : 'No services yet'));
  for (const name of services) service.append(h('option', { value: name }, name));
  const operation = h('select', { id: 'search-operation', name: 'operation' }, h('option', { value: '' }, 'all'));
  const tags = h('input', { id: 'search-tags', name: 'tags', type: 'text', placeholder: 'http.status_code=200 error=true', spellcheck: 'false' });
  const lookback = h('select', { id: 'search-lookback', name: 'lookback' });
  for (const [value, label] of LOOKBACKS) lookback.append(h('option', { value }, label));
  const start = h('input', { id: 'search-start', type: 'datetime-local' });
  const end = h('input', { id: 'search-end', type: 'datetime-local' });
  const custom = h('div', { class: 'custom-range' }, field('Start', start), field('End', end));
  const minDuration = h('input', { id: 'search-min-duration', name: 'minDuration', placeholder: 'e.g. 1.2s, 100ms, 500us' });
  const maxDuration = h('input', { id: 'search-max-duration', name: 'maxDuration', placeholder: 'e.g. 1.1s' });
  const limit = h('input', { id: 'search-limit', name: 'limit', type: 'number', min: '1', max: '1500', value: '20' });
  const formError = h('div', { class: 'form-error', role: 'alert' });
  let form;
  const filter = canFilter ? filterControls(params.get('filter'), () => form) : null;
  const submit = h('button', { id: 'search-submit', type: 'submit', class: 'primary' }, 'Find Traces');

  async function loadOperations(selected) {
    clear(operation).append(h('option', { value: '' }, 'all'));
    if (!service.value) return;
    const ops = await api.operations(service.value).catch(() => []);
    for (const op of ops) operation.append(h('option', { value: op }, op));
    if (selected && ops.includes(selected)) operation.value = selected;
  }

  service.addEventListener('change', () => loadOperations());
  lookback.addEventListener('change', () => custom.classList.toggle('hidden', lookback.value !== 'custom'));

  // Restore the form from the URL, so a search survives reload and can be shared.
  if (params.get('service') && services.includes(params.get('service'))) service.value = params.get('service');
  else if (services.length === 1 && !anyService) service.value = services[0];
  await loadOperations(params.get('operation'));
  if (params.get('tags')) {
    try {
      tags.value = toLogfmt(JSON.parse(params.get('tags')));
    } catch {
      tags.value = '';
    }
  }
  lookback.value = LOOKBACKS.some(([v]) => v === params.get('lookback')) ? params.get('lookback') : '1h';
  const nowMicros = Date.now() * 1000;
  start.value = toLocalInput(Number(params.get('start')) || nowMicros - 3600e6);
  end.value = toLocalInput(Number(params.get('end')) || nowMicros);
  custom.classList.toggle('hidden', lookback.value !== 'custom');
  minDuration.value = params.get('minDuration') || '';
  maxDuration.value = params.get('maxDuration') || '';
  limit.value = params.get('limit') || '20';

  form = h('form', { class: 'search-form', id: 'search-form', autocomplete: 'off' },
    h('h2', null, 'Search'),
    field('Service', service), field('Operation', operation), field('Tags', tags),
    h('p', { class: 'hint' }, 'logfmt: space-separated key=value; quote values with spaces.'),
    filter ? [field('Filter', filter.input), filter.elements] : null,
    field('Lookback', lookback), custom,
    h('div', { class: 'row' }, field('Min Duration', minDuration), field('Max Duration', maxDuration)),
    field('Limit Results', limit), formError, submit);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clear(formError);
    if (!service.value && !anyService) {
      formError.textContent = 'Select a service.';
      return;
    }
    const parsedTags = tags.value.trim() ? parseLogfmt(tags.value) : {};
    if (!parsedTags) {
      formError.textContent = 'Tags must be key=value pairs separated by spaces, e.g. error=true http.status_code=500.';
      return;
    }
    const durationRe = /^\d[\d.]*(us|ms|s|m|h)$/;
    for (const [input, name] of [[minDuration, 'Min'], [maxDuration, 'Max']]) {
      if (input.value && !durationRe.test(input.value.trim())) {
        formError.textContent = `${name} Duration must be a number with a unit: us, ms, s, m or h.`;
        return;
      }
    }
    const q = new URLSearchParams();
    if (service.value) q.set('service', service.value);
    if (operation.value) q.set('operation', operation.value);
    if (Object.keys(parsedTags).length) q.set('tags', JSON.stringify(parsedTags));
    // Sent as typed, so the offset in the server's error points into the text the user sees.
    if (filter && filter.input.value.trim()) q.set('filter', filter.input.value);
    q.set('lookback', lookback.value);
    let startMicros;
    let endMicros;
    if (lookback.value === 'custom') {
      startMicros = new Date(start.value).getTime() * 1000;
      endMicros = new Date(end.value).getTime() * 1000;
      if (!(startMicros < endMicros)) {
        formError.textContent = 'The custom range needs a start before its end.';
        return;
      }
    } else {
      endMicros = Date.now() * 1000;
      startMicros = endMicros - lookbackSeconds(lookback.value) * 1e6;
    }
    q.set('start', String(startMicros));
    q.set('end', String(endMicros));
    if (minDuration.value.trim()) q.set('minDuration', minDuration.value.trim());
    if (maxDuration.value.trim()) q.set('maxDuration', maxDuration.value.trim());
    q.set('limit', limit.value || '20');
    if (params.get('sort')) q.set('sort', params.get('sort'));
    navigate(`search?${q}`);
  });

  const results = h('section', { class: 'results', id: 'search-results' });
  main.append(h('div', { class: 'search-page' }, h('aside', { class: 'search-side' }, form), results));

  if (!params.get('service') && !(anyService && params.get('start'))) {
    results.append(h('div', { class: 'empty' }, h('h2', null, 'Find traces'), h('p', null, 'Pick a service and press Find Traces.')));
    results.dataset.state = 'empty';
    return;
  }

  results.append(message('Searching…'));
  const query = {};
  for (const key of ['service', 'operation', 'tags', 'filter', 'lookback', 'start', 'end', 'minDuration', 'maxDuration', 'limit']) {
    if (params.get(key)) query[key] = params.get(key);
  }
  let response;
  try {
    response = await api.searchTraces(query);
  } catch (error) {
    if (!isCurrent()) return;
    clear(results).append(filterErrorView(error.message, params.get('filter')));
    if (filter && error.message.includes("'filter'")) filter.input.setAttribute('aria-invalid', 'true');
    results.dataset.state = 'error';
    return;
  }
  if (!isCurrent()) return;
  const traces = (response.data || []).map(transformTrace);
  renderResults(results, traces, params, navigate);
}

function sortTraces(traces, sort) {
  const sorted = traces.slice();
  const by = {
    recent: (a, b) => b.startTime - a.startTime,
    longest: (a, b) => b.duration - a.duration,
    shortest: (a, b) => a.duration - b.duration,
    spans: (a, b) => b.spans.length - a.spans.length,
  }[sort] || ((a, b) => b.startTime - a.startTime);
  return sorted.sort(by);
}

function renderResults(results, traces, params, navigate) {
  clear(results);
  const sort = params.get('sort') || 'recent';
  const sortSelect = h('select', { id: 'search-sort', 'aria-label': 'Sort' });
  for (const [value, label] of SORTS) sortSelect.append(h('option', { value }, label));
  sortSelect.value = sort;
  sortSelect.addEventListener('change', () => {
    const q = new URLSearchParams(location.search);
    q.set('sort', sortSelect.value);
    navigate(`search?${q}`, { replace: true });
  });

  const selected = new Set();
  const compareButton = h('button', { id: 'compare-selected', type: 'button', disabled: true, onclick: () => {
    const [a, b] = [...selected];
    navigate(`compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`);
  } }, 'Compare 2 selected');

  results.append(h('div', { class: 'results-header' },
    h('h2', { id: 'result-count' }, `${traces.length} Trace${traces.length === 1 ? '' : 's'}`),
    h('div', { class: 'results-tools' }, h('label', null, 'Sort: ', sortSelect), compareButton)));

  if (!traces.length) {
    results.append(h('div', { class: 'empty' }, 'No trace results. Try another query.'));
    results.dataset.state = 'done';
    return;
  }

  results.append(scatterPlot(traces, navigate));
  const list = h('ol', { class: 'result-list' });
  const longest = Math.max(...traces.map((t) => t.duration), 1);
  for (const trace of sortTraces(traces, sort)) {
    const checkbox = h('input', { type: 'checkbox', class: 'result-select', 'aria-label': 'Select for comparison', onchange: () => {
      if (checkbox.checked) selected.add(trace.traceID); else selected.delete(trace.traceID);
      compareButton.disabled = selected.size !== 2;
    } });
    const link = h('a', { class: 'result-title', href: `trace/${trace.traceID}`, 'data-nav': true },
      h('span', { class: 'result-name' }, trace.name), h('span', { class: 'trace-id' }, trace.traceID.slice(0, 7)));
    const services = h('ul', { class: 'result-services' });
    for (const svc of trace.services) {
      services.append(h('li', { class: 'service-tag', style: { borderLeftColor: serviceColor(svc.name) } },
        `${svc.name} (${svc.count})`));
    }
    list.append(h('li', { class: 'result-item', dataset: { traceId: trace.traceID } },
      h('div', { class: 'result-head' }, checkbox, link, h('span', { class: 'result-duration' }, formatDuration(trace.duration))),
      h('div', { class: 'duration-bar' }, h('span', { style: { width: `${(trace.duration / longest) * 100}%` } })),
      h('div', { class: 'result-body' },
        h('div', { class: 'result-counts' },
          h('span', { class: 'span-count' }, `${trace.spans.length} Span${trace.spans.length === 1 ? '' : 's'}`),
          trace.errorCount ? h('span', { class: 'error-count' }, `${trace.errorCount} Error${trace.errorCount === 1 ? '' : 's'}`) : null),
        services,
        h('div', { class: 'result-time' }, h('span', null, formatTime(trace.startTime)), h('span', { class: 'muted' }, timeAgo(trace.startTime))))));
  }
  results.append(list);
  results.dataset.state = 'done';
}

function scatterPlot(traces, navigate) {
  const width = 800;
  const height = 160;
  const pad = { left: 60, right: 16, top: 12, bottom: 28 };
  const minT = Math.min(...traces.map((t) => t.startTime));
  const maxT = Math.max(...traces.map((t) => t.startTime));
  const maxD = Math.max(...traces.map((t) => t.duration), 1);
  const x = (t) => pad.left + (maxT === minT ? 0.5 : (t - minT) / (maxT - minT)) * (width - pad.left - pad.right);
  const y = (d) => height - pad.bottom - (d / maxD) * (height - pad.top - pad.bottom);
  const svg = s('svg', { class: 'scatter', id: 'scatter-plot', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'Trace durations over time' });
  svg.append(s('line', { x1: pad.left, y1: height - pad.bottom, x2: width - pad.right, y2: height - pad.bottom, class: 'axis' }));
  svg.append(s('line', { x1: pad.left, y1: pad.top, x2: pad.left, y2: height - pad.bottom, class: 'axis' }));
  for (const f of [0, 0.5, 1]) {
    svg.append(s('text', { x: pad.left - 6, y: y(maxD * f) + 4, 'text-anchor': 'end', class: 'tick', text: formatDuration(Math.round(maxD * f)) }));
  }
  svg.append(s('text', { x: pad.left, y: height - 8, class: 'tick', text: formatTime(minT).slice(11, 19) }));
  svg.append(s('text', { x: width - pad.right, y: height - 8, 'text-anchor': 'end', class: 'tick', text: formatTime(maxT).slice(11, 19) }));
  for (const trace of traces) {
    const r = Math.min(12, 3 + Math.sqrt(trace.spans.length));
    const dot = s('circle', { cx: x(trace.startTime), cy: y(trace.duration), r, class: trace.errorCount ? 'dot error' : 'dot',
      onclick: () => navigate(`trace/${trace.traceID}`) });
    dot.append(s('title', { text: `${trace.name}\n${formatDuration(trace.duration)}, ${trace.spans.length} spans` }));
    svg.append(dot);
  }
  return h('figure', { class: 'scatter-wrap' }, svg);
}
