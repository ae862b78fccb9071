// Turns the API's trace JSON into what the pages draw: processes resolved, parent and children, depth, order.

export function isErrorSpan(span) {
  return (span.tags || []).some((t) => t.key === 'error' && (t.value === true || t.value === 'true'));
}

export function spanKind(span) {
  const tag = (span.tags || []).find((t) => t.key === 'span.kind');
  return tag ? String(tag.value) : '';
}

export function transformTrace(data) {
  const processes = data.processes || {};
  const spans = (data.spans || []).filter((span) => span.startTime).map((span) => ({
    ...span,
    references: span.references || [],
    tags: span.tags || [],
    logs: span.logs || [],
    warnings: span.warnings || [],
    process: processes[span.processID] || { serviceName: 'unknown', tags: [] },
    children: [],
    depth: 0,
    hasError: isErrorSpan(span),
  }));

  const byId = new Map();
  for (const span of spans) if (!byId.has(span.spanID)) byId.set(span.spanID, span);

  const roots = [];
  let orphans = 0;
  for (const span of spans) {
    const ref = span.references.find((r) => (r.refType === 'CHILD_OF' || r.refType === 'FOLLOWS_FROM') && byId.has(r.spanID) && r.spanID !== span.spanID);
    span.parent = ref ? byId.get(ref.spanID) : null;
    if (span.parent) span.parent.children.push(span);
    else {
      roots.push(span);
      if (span.references.length) orphans++;
    }
  }

  const byStart = (a, b) => a.startTime - b.startTime;
  roots.sort(byStart);

  // Depth-first order, guarding against reference cycles.
  const ordered = [];
  const seen = new Set();
  const stack = roots.slice().reverse();
  for (const root of stack) root.depth = 0;
  while (stack.length) {
    const span = stack.pop();
    if (seen.has(span)) continue;
    seen.add(span);
    ordered.push(span);
    span.children.sort(byStart);
    for (let i = span.children.length - 1; i >= 0; i--) {
      span.children[i].depth = span.depth + 1;
      stack.push(span.children[i]);
    }
  }
  for (const span of spans) if (!seen.has(span)) ordered.push(span);

  const startTime = spans.length ? Math.min(...spans.map((s) => s.startTime)) : 0;
  const endTime = spans.length ? Math.max(...spans.map((s) => s.startTime + s.duration)) : 0;
  const services = new Map();
  for (const span of spans) {
    const name = span.process.serviceName;
    const entry = services.get(name) || { name, count: 0, errors: 0 };
    entry.count++;
    if (span.hasError) entry.errors++;
    services.set(name, entry);
  }
  const root = roots[0];
  return {
    traceID: data.traceID,
    spans: ordered,
    roots,
    orphans,
    startTime,
    endTime,
    duration: endTime - startTime,
    services: [...services.values()].sort((a, b) => b.count - a.count || a.name.localeCompare(b.name)),
    errorCount: spans.filter((s) => s.hasError).length,
    depth: ordered.reduce((m, s) => Math.max(m, s.depth + 1), 0),
    name: root ? `${root.process.serviceName}: ${root.operationName}` : '(no spans)',
    rootService: root ? root.process.serviceName : '',
    warnings: data.warnings || [],
    raw: data,
  };
}
