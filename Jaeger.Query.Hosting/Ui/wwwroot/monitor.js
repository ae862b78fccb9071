// The Monitor page: RED figures (rate, errors, duration) per service and per operation, from /api/metrics/*.
// Every name and figure is set as text; charts are SVG built with createElementNS.
import { h, s, clear, message } from './dom.js';
import { api, getJSON } from './api.js';

const WINDOWS = [['15m', 'Last 15 Minutes', 15], ['1h', 'Last Hour', 60], ['6h', 'Last 6 Hours', 360], ['24h', 'Last 24 Hours', 1440]];
const KINDS = ['server', 'client', 'producer', 'consumer', 'internal'];

function metrics(kind, services, params) {
  return getJSON(`api/metrics/${kind}`, { service: services, ...params });
}

/** The series of a MetricFamily as {labels: {name: value}, points: [[ms, value]]}. */
function series(family) {
  return (family.metrics || []).map((m) => ({
    labels: Object.fromEntries((m.labels || []).map((l) => [l.name, l.value])),
    points: (m.metricPoints || []).map((p) => [Date.parse(p.timestamp), Number(p.gaugeValue && p.gaugeValue.doubleValue)]),
  }));
}

const last = (points) => (points.length ? points[points.length - 1][1] : null);
const fmt = (value, digits = 2) => (value === null || Number.isNaN(value) ? '–' : Number(value).toFixed(digits));

function byKey(family, key) {
  const map = new Map();
  for (const one of series(family)) map.set(key(one.labels), one.points);
  return map;
}

function chart(title, lines, unit) {
  const width = 360;
  const height = 140;
  const pad = 30;
  const all = lines.flatMap((l) => l.points);
  const svg = s('svg', { class: 'monitor-chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': title });
  if (!all.length) {
    svg.append(s('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'muted-text', text: 'No data' }));
  } else {
    const minX = Math.min(...all.map((p) => p[0]));
    const maxX = Math.max(...all.map((p) => p[0]));
    const maxY = Math.max(...all.map((p) => p[1]), 1e-9);
    const x = (t) => pad + ((t - minX) / Math.max(maxX - minX, 1)) * (width - pad - 8);
    const y = (v) => height - 18 - (v / maxY) * (height - 36);
    svg.append(s('line', { x1: pad, y1: height - 18, x2: width - 8, y2: height - 18, class: 'axis' }));
    svg.append(s('text', { x: 2, y: 14, class: 'axis-label', text: `${fmt(maxY)} ${unit}` }));
    lines.forEach((line, i) => {
      if (!line.points.length) return;
      const d = line.points.map((p, j) => `${j ? 'L' : 'M'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ');
      svg.append(s('path', { d, class: `series series-${i}` }, s('title', { text: line.name })));
    });
  }
  const legend = h('div', { class: 'legend' }, lines.map((l, i) => h('span', { class: `legend-${i}` }, l.name)));
  return h('figure', { class: 'monitor-figure' }, h('figcaption', null, title), svg, legend);
}

export async function renderMonitor(main, params, { navigate, isCurrent }) {
  const windowKey = WINDOWS.some(([k]) => k === params.get('lookback')) ? params.get('lookback') : '1h';
  const minutes = WINDOWS.find(([k]) => k === windowKey)[2];
  const kind = KINDS.includes(params.get('spanKind')) ? params.get('spanKind') : 'server';
  const selected = params.get('service') || '';
  const endTs = Date.now();
  const lookback = minutes * 60000;
  const step = Math.max(60000, Math.round(lookback / 60 / 60000) * 60000);
  const query = { endTs, lookback, step, ratePer: Math.max(step, 60000), spanKind: kind };

  main.append(message('Loading service metrics…'));
  const services = await api.services();
  if (!isCurrent()) return;
  clear(main);
  const go = (changes) => {
    const q = new URLSearchParams({ lookback: windowKey, spanKind: kind, service: selected, ...changes });
    if (!q.get('service')) q.delete('service');
    navigate(`monitor?${q}`);
  };
  const windowSelect = h('select', { id: 'monitor-lookback', onchange: (e) => go({ lookback: e.target.value }) },
    WINDOWS.map(([k, label]) => h('option', { value: k, selected: k === windowKey }, label)));
  const kindSelect = h('select', { id: 'monitor-kind', onchange: (e) => go({ spanKind: e.target.value }) },
    KINDS.map((k) => h('option', { value: k, selected: k === kind }, k)));
  const page = h('section', { class: 'monitor-page', id: 'monitor' },
    h('div', { class: 'monitor-head' }, h('h1', null, 'Monitor'), h('label', null, 'Span kind ', kindSelect), h('label', null, 'Window ', windowSelect)));
  main.append(page);
  if (!services.length) {
    page.append(h('div', { class: 'empty', id: 'monitor-empty' }, 'No services yet.'));
    return;
  }

  let calls;
  let errors;
  let p95;
  try {
    [calls, errors, p95] = await Promise.all([
      metrics('calls', services, query), metrics('errors', services, query), metrics('latencies', services, { ...query, quantile: 0.95 })]);
  } catch (error) {
    if (!isCurrent()) return;
    page.append(h('div', { class: 'empty', id: 'monitor-disabled' },
      error.status === 501 ? 'Metrics are not set up: run the collector with a storage that keeps span metrics (memory or embedded).' : `Metrics could not be read: ${error.message}`));
    return;
  }
  if (!isCurrent()) return;

  const service = (l) => l.service_name;
  const rate = byKey(calls, service);
  const errorShare = byKey(errors, service);
  const latency = byKey(p95, service);
  const table = h('table', { class: 'kv monitor-services', id: 'monitor-services' },
    h('thead', null, h('tr', null, h('th', null, 'Service'), h('th', null, 'P95 latency (ms)'), h('th', null, 'Request rate (req/s)'), h('th', null, 'Error rate (%)'))));
  const body = h('tbody');
  for (const name of services) {
    const link = h('a', { href: `monitor?${new URLSearchParams({ service: name, lookback: windowKey, spanKind: kind })}`, 'data-nav': true, text: name });
    const e = last(errorShare.get(name) || []);
    body.append(h('tr', { class: name === selected ? 'selected' : undefined, 'data-service': name },
      h('td', null, link), h('td', null, fmt(last(latency.get(name) || []))), h('td', null, fmt(last(rate.get(name) || []), 3)), h('td', null, e === null ? '–' : fmt(e * 100))));
  }
  table.append(body);
  page.append(table);

  if (!selected) {
    page.append(h('p', { class: 'muted' }, 'Pick a service to see its charts and operations.'));
    return;
  }

  const [p50, p75, ops] = await Promise.all([
    metrics('latencies', [selected], { ...query, quantile: 0.5 }),
    metrics('latencies', [selected], { ...query, quantile: 0.75 }),
    Promise.all([
      metrics('latencies', [selected], { ...query, quantile: 0.95, groupByOperation: true }),
      metrics('calls', [selected], { ...query, groupByOperation: true }),
      metrics('errors', [selected], { ...query, groupByOperation: true })]),
  ]);
  if (!isCurrent()) return;
  const one = (family) => (series(family)[0] || { points: [] }).points;
  const detail = h('div', { class: 'monitor-detail', id: 'monitor-detail' }, h('h2', null, selected),
    h('div', { class: 'monitor-charts' },
      chart('Latency (ms)', [{ name: 'p50', points: one(p50) }, { name: 'p75', points: one(p75) }, { name: 'p95', points: latency.get(selected) || [] }], 'ms'),
      chart('Request rate (req/s)', [{ name: 'req/s', points: rate.get(selected) || [] }], 'req/s'),
      chart('Error rate (%)', [{ name: 'errors', points: (errorShare.get(selected) || []).map(([t, v]) => [t, v * 100]) }], '%')));

  const operation = (l) => l.operation;
  const [opLatency, opCalls, opErrors] = [byKey(ops[0], operation), byKey(ops[1], operation), byKey(ops[2], operation)];
  const names = [...new Set([...opCalls.keys(), ...opLatency.keys()])].sort((a, b) => a.localeCompare(b));
  const opTable = h('table', { class: 'kv monitor-operations', id: 'monitor-operations' },
    h('thead', null, h('tr', null, h('th', null, 'Operation'), h('th', null, 'P95 latency (ms)'), h('th', null, 'Request rate (req/s)'), h('th', null, 'Error rate (%)'), h('th', null, ''))));
  const opBody = h('tbody');
  for (const name of names) {
    const e = last(opErrors.get(name) || []);
    const traces = h('a', { href: `search?${new URLSearchParams({ service: selected, operation: name, lookback: windowKey })}`, 'data-nav': true, class: 'op-traces', text: 'View traces' });
    opBody.append(h('tr', { 'data-operation': name }, h('td', null, name), h('td', null, fmt(last(opLatency.get(name) || []))),
      h('td', null, fmt(last(opCalls.get(name) || []), 3)), h('td', null, e === null ? '–' : fmt(e * 100)), h('td', null, traces)));
  }
  if (!names.length) opBody.append(h('tr', null, h('td', { colspan: 5, class: 'muted' }, 'No operations in this window.')));
  opTable.append(opBody);
  detail.append(h('h2', null, 'Operations'), opTable);
  page.append(detail);
}
