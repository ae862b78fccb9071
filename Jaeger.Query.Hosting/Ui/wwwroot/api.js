// The query API, addressed relative to <base href>, so the UI works under any base path.
export function apiUrl(path, params) {
  const url = new URL(path, document.baseURI);
  if (params) {
    for (const [key, value] of Object.entries(params)) {
      if (value === undefined || value === null || value === '') continue;
      if (Array.isArray(value)) value.forEach((v) => url.searchParams.append(key, v));
      else url.searchParams.set(key, value);
    }
  }
  return url;
}

export async function getJSON(path, params) {
  const response = await fetch(apiUrl(path, params), { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) {
    const errors = body && Array.isArray(body.errors) ? body.errors.map((e) => e.msg).join('; ') : '';
    const error = new Error(errors || `${response.status} ${response.statusText}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

export const api = {
  services: () => getJSON('api/services').then((b) => (b.data || []).slice().sort((a, c) => a.localeCompare(c))),
  operations: (service) => getJSON(`api/services/${encodeURIComponent(service)}/operations`).then((b) => (b.data || []).slice().sort((a, c) => a.localeCompare(c))),
  searchTraces: (params) => getJSON('api/traces', params),
  trace: (id) => getJSON(`api/traces/${encodeURIComponent(id)}`).then((b) => b.data[0]),
  traces: (ids) => getJSON('api/traces', { traceID: ids }),
  // What the backend can do ({ searchWithoutServiceName }); an older server without the endpoint can do nothing extra.
  capabilities: () => getJSON('api/ui/capabilities').catch(() => ({})),
  dependencies: (endTs, lookback) => getJSON('api/dependencies', { endTs, lookback }).then((b) => b.data || []),
};
