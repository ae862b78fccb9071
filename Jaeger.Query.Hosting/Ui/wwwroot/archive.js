// The Archive button of the trace page: shown only when the server declares archive storage
// (api/ui/capabilities, the object the official UI gets as JAEGER_BACKEND_CAPABILITIES), and never for a trace
// opened from a file, which is not stored.
import { h } from './dom.js';
import { api, apiUrl } from './api.js';
import { addTraceAction } from './trace.js';
import { isOpenedFromFile } from './upload.js';

let capabilities;

async function postJSON(path) {
  const response = await fetch(apiUrl(path), { method: 'POST', credentials: 'same-origin', headers: { Accept: 'application/json' } });
  let body = null;
  try { body = await response.json(); } catch { body = null; }
  if (!response.ok) {
    const errors = body && Array.isArray(body.errors) ? body.errors.map((e) => e.msg).join('; ') : '';
    throw new Error(errors || `${response.status} ${response.statusText}`);
  }
  return body;
}

/** A slot that gets the Archive button once the capabilities (asked once per page load) say there is an archive. */
export function archiveButton(traceID) {
  const slot = h('span', { class: 'archive-slot' });
  capabilities ??= api.capabilities();
  capabilities.then((caps) => {
    if (!caps || caps.archiveStorage !== true) return;
    const status = h('span', { class: 'archive-status muted', id: 'archive-status', role: 'status' });
    const button = h('button', { type: 'button', id: 'archive-trace', onclick: async () => {
      button.disabled = true;
      status.textContent = 'Archiving…';
      try {
        await postJSON(`api/archive/${encodeURIComponent(traceID)}`);
        status.textContent = 'Archived';
        status.setAttribute('class', 'archive-status ok');
      } catch (error) {
        status.textContent = `Archive failed: ${error.message}`;
        status.setAttribute('class', 'archive-status error-text');
        button.disabled = false;
      }
    } }, 'Archive Trace');
    slot.append(button, status);
  });
  return slot;
}

addTraceAction((trace, data) => (isOpenedFromFile(data) ? null : archiveButton(trace.traceID)));
