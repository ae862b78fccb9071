// Small DOM helpers. Everything that comes from trace data goes through textContent or setAttribute,
// never through innerHTML, so a tag value like <img onerror=...> is shown as text and runs nothing.
const SVG_NS = 'http://www.w3.org/2000/svg';

function apply(el, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.setAttribute('class', value);
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'style') Object.assign(el.style, value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Creates an HTML element: h('div', {class: 'x'}, 'text', child). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  apply(el, attrs);
  return append(el, children);
}

/** Creates an SVG element. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null) continue;
    if (key === 'text') el.textContent = String(value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, String(value));
  }
  return append(el, children);
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** "1.23ms", "2.5s", "850μs", "1m 3s". */
export function formatDuration(micros) {
  const us = Number(micros) || 0;
  if (us < 1000) return `${trim(us)}μs`;
  if (us < 1000000) return `${trim(us / 1000)}ms`;
  if (us < 60000000) return `${trim(us / 1000000)}s`;
  const minutes = Math.floor(us / 60000000);
  const seconds = Math.round((us % 60000000) / 1000000);
  return seconds ? `${minutes}m ${seconds}s` : `${minutes}m`;
}

function trim(n) {
  return Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/\.?0+$/, '');
}

export function formatTime(micros) {
  const d = new Date(Number(micros) / 1000);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function timeAgo(micros) {
  const seconds = Math.round((Date.now() - Number(micros) / 1000) / 1000);
  if (seconds < 60) return `${Math.max(seconds, 0)}s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)}h ago`;
  return `${Math.round(seconds / 86400)}d ago`;
}

const PALETTE = ['#17B8BE', '#F8DCA1', '#B7885E', '#FFCB99', '#F89570', '#829AE3', '#E79FD5', '#1E96BE', '#89DAC1', '#B3AD9E',
  '#12939A', '#DDB27C', '#88572C', '#FF9833', '#EF5D28', '#162A65', '#DA70BF', '#125C77', '#4DC19C', '#776E57'];
const assigned = new Map();

/** A stable colour per service name. */
export function serviceColor(service) {
  if (!assigned.has(service)) assigned.set(service, PALETTE[assigned.size % PALETTE.length]);
  return assigned.get(service);
}

/** The value of a tag as text, as the Jaeger UI shows it. */
export function tagText(tag) {
  if (tag.value === null || tag.value === undefined) return '';
  return typeof tag.value === 'string' ? tag.value : JSON.stringify(tag.value);
}

export function message(text, cls = 'message') {
  return h('div', { class: cls, role: cls === 'error' ? 'alert' : undefined }, text);
}
