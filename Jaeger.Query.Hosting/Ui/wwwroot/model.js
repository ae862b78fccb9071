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
  // Every field is set here, in one order, so all span objects share one shape (a large trace reads faster).
  const spans = [];
  for (const span of data.spans || []) {
    if (!span.startTime) continue;
    spans.push({
      traceID: span.traceID,
      spanID: span.spanID,
      flags: span.flags,
      operationName: span.operationName,
      references: span.references || [],
      startTime: span.startTime,
      duration: span.duration,
      tags: span.tags || [],
      logs: span.logs || [],
      processID: span.processID,
      warnings: span.warnings || [],
      process: processes[span.processID] || { serviceName: 'unknown', tags: [] },
      children: [],
      depth: 0,
      hasError: isErrorSpan(span),
      parent: null,
      parentRefType: '',
      index: -1,
    });
  }

  const byId = new Map();
  for (const span of spans) if (!byId.has(span.spanID)) byId.set(span.spanID, span);

  const roots = [];
  let orphans = 0;
  for (const span of spans) {
    const ref = span.references.find((r) => (r.refType === 'CHILD_OF' || r.refType === 'FOLLOWS_FROM') && byId.has(r.spanID) && r.spanID !== span.spanID);
    span.parent = ref ? byId.get(ref.spanID) : null;
    span.parentRefType = ref ? ref.refType : '';
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
  const stack = roots.slice().reverse();
  for (const root of stack) root.depth = 0;
  while (stack.length) {
    const span = stack.pop();
    if (span.index >= 0) continue;
    span.index = ordered.length;
    ordered.push(span);
    span.children.sort(byStart);
    for (let i = span.children.length - 1; i >= 0; i--) {
      span.children[i].depth = span.depth + 1;
      stack.push(span.children[i]);
    }
  }
  for (const span of spans) if (span.index < 0) { span.index = ordered.length; ordered.push(span); }

  // Loops, not Math.min(...spans): a spread of 50,000 arguments can overflow the stack.
  let startTime = spans.length ? Infinity : 0;
  let endTime = 0;
  let errorCount = 0;
  let depth = 0;
  for (const span of ordered) {
    if (span.startTime < startTime) startTime = span.startTime;
    if (span.startTime + span.duration > endTime) endTime = span.startTime + span.duration;
    if (span.hasError) errorCount++;
    if (span.depth + 1 > depth) depth = span.depth + 1;
  }
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
    errorCount,
    depth,
    name: root ? `${root.process.serviceName}: ${root.operationName}` : '(no spans)',
    rootService: root ? root.process.serviceName : '',
    warnings: data.warnings || [],
    raw: data,
  };
}

/**
 * Each span's self time (indexed by span.index): its duration minus the part of it that its children cover,
 * overlapping children counted once, as Jaeger's trace statistics compute it.
 */
export function selfTimes(trace) {
  const result = new Float64Array(trace.spans.length);
  for (const span of trace.spans) {
    const start = span.startTime;
    const end = start + span.duration;
    const intervals = [];
    for (const child of span.children) {
      const s = Math.max(child.startTime, start);
      const e = Math.min(child.startTime + child.duration, end);
      if (e > s) intervals.push([s, e]);
    }
    intervals.sort((a, b) => a[0] - b[0]);
    let covered = 0;
    let curS = -Infinity;
    let curE = -Infinity;
    for (const [s, e] of intervals) {
      if (s > curE) {
        if (curE > curS) covered += curE - curS;
        curS = s;
        curE = e;
      } else if (e > curE) curE = e;
    }
    if (curE > curS) covered += curE - curS;
    result[span.index] = Math.max(0, span.duration - covered);
  }
  return result;
}
