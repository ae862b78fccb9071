// "Open a trace from a JSON file": Jaeger UI JSON (what "Download JSON" saves, or the API's {data:[...]}) is read in
// the browser; OTLP JSON is turned into it by POST api/transform. Nothing is stored: the traces live in this page
// (route file/<traceID>) until it is reloaded.
import { h, clear, message } from './dom.js';
import { apiUrl } from './api.js';
import { renderTraceData } from './trace.js';

const opened = new Map();
const openedData = new WeakSet();
let lastFile = null;

/** Whether this trace JSON was opened from a file (and so is not in storage). */
export function isOpenedFromFile(data) {
  return data !== null && typeof data === 'object' && openedData.has(data);
}

function isUiTrace(t) {
  return t !== null && typeof t === 'object' && typeof t.traceID === 'string' && /^[0-9a-fA-F]{1,32}$/.test(t.traceID) &&
    Array.isArray(t.spans) && t.processes !== null && typeof t.processes === 'object';
}

async function transformOtlp(text) {
  const response = await fetch(apiUrl('api/transform'), {
    method: 'POST', credentials: 'same-origin', body: text,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
  });
  let body = null;
  try { body = await response.json(); } catch { body = null; }
  if (!response.ok) {
    const errors = body && Array.isArray(body.errors) ? body.errors.map((e) => e.msg).join('; ') : '';
    throw new Error(errors || `${response.status} ${response.statusText}`);
  }
  return (body && body.data) || [];
}

/** The UI traces in a file's text: Jaeger UI JSON in any of its shapes, or OTLP JSON through the server. */
export async function tracesFromText(text) {
  let json;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`the file is not JSON: ${error.message}`);
  }
  if (json !== null && typeof json === 'object' && Array.isArray(json.resourceSpans)) return transformOtlp(text);
  const list = Array.isArray(json) ? json : (json !== null && typeof json === 'object' && Array.isArray(json.data) ? json.data : [json]);
  if (list.length === 0 || !list.every(isUiTrace)) {
    throw new Error('the file is neither Jaeger UI JSON (traces with traceID, spans and processes) nor OTLP JSON (resourceSpans).');
  }
  return list;
}

function rootSpan(t) {
  return t.spans.find((s) => !(s.references || []).some((r) => r.refType === 'CHILD_OF')) || t.spans[0];
}

function renderList(main, name, traces) {
  const list = h('ul', { class: 'opened-list', id: 'opened-traces' });
  for (const t of traces) {
    const root = rootSpan(t);
    const service = root && t.processes[root.processID] ? t.processes[root.processID].serviceName : '';
    list.append(h('li', null,
      h('a', { href: `file/${t.traceID}`, 'data-nav': true, class: 'opened-trace' }, root ? `${service}: ${root.operationName}` : t.traceID),
      h('span', { class: 'muted mono' }, ` ${t.traceID} · ${t.spans.length} spans`)));
  }
  main.append(h('section', { class: 'opened' },
    h('h1', null, `Opened from ${name}`),
    h('p', { class: 'muted' }, 'These traces are shown from the file and are not stored.'),
    list));
}

/**
 * The file pages: "file" lists the traces of the file opened last, "file/<traceID>" draws one with the trace page,
 * without asking the server.
 */
export function renderOpened(main, id, context) {
  if (!id) {
    if (lastFile) renderList(main, lastFile.name, lastFile.traces);
    else main.append(message('No file is open: use "Open JSON" in the top bar.', 'message'));
    return;
  }
  const data = opened.get(id.toLowerCase());
  if (!data) {
    main.append(message(`Trace ${id} was opened from a file and is not stored: open the file again.`, 'error'));
    return;
  }
  main.append(h('p', { class: 'opened-note muted', id: 'opened-note' }, 'Opened from a file; not stored.'));
  renderTraceData(main, data, context);
}

/** Wires the top bar's file input; main shows the outcome, navigate goes to a page. */
export function setupUpload(input, main, navigate) {
  if (!input) return;
  input.addEventListener('change', async () => {
    const file = input.files && input.files[0];
    input.value = '';
    if (!file) return;
    try {
      const traces = await tracesFromText(await file.text());
      if (traces.length === 0) throw new Error('the file holds no trace.');
      for (const t of traces) {
        openedData.add(t);
        opened.set(t.traceID.toLowerCase(), t);
      }
      lastFile = { name: file.name, traces };
      navigate(traces.length === 1 ? `file/${traces[0].traceID.toLowerCase()}` : 'file');
    } catch (error) {
      clear(main).append(message(`Cannot open ${file.name}: ${error.message}`, 'error'));
    }
  });
}
