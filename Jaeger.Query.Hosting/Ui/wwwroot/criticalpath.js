// The critical path of a trace, computed as Jaeger's UI computes it: start at the root span and walk into its
// last-finishing child; back in a parent, the time before that child started belongs to the parent until the next
// child (the last one finishing before that moment) takes over. Children are first clipped to their parent's
// window, and FOLLOWS_FROM children (work the parent does not wait for) are left out with their subtrees.

/**
 * The critical path of a transformed trace (model.js) as sections, latest first:
 * [{ spanID, span, start, end }] with absolute microsecond times. Each moment of the root span's window belongs to
 * exactly one section; sections of zero length are left out.
 */
export function criticalPath(trace) {
  const root = trace.roots && trace.roots[0];
  if (!root) return [];

  // Clip each span to its parent's clipped window, top down (iteratively: traces can be deep).
  const window = new Map([[root, [root.startTime, root.startTime + root.duration]]]);
  const kids = new Map();
  const stack = [root];
  while (stack.length) {
    const span = stack.pop();
    const [ps, pe] = window.get(span);
    const list = [];
    for (const child of span.children) {
      if (child.parentRefType === 'FOLLOWS_FROM' || window.has(child)) continue;
      const s = Math.max(child.startTime, ps);
      const e = Math.min(child.startTime + child.duration, pe);
      if (child.startTime > pe || e < s) continue; // starts after the parent ended: not on its path
      window.set(child, [s, e]);
      list.push(child);
      stack.push(child);
    }
    // Latest end first; each child is used once, so a zero-length child cannot be chosen twice.
    list.sort((a, b) => window.get(b)[1] - window.get(a)[1]);
    kids.set(span, { list, next: 0 });
  }

  const sections = [];
  const add = (span, start, end) => { if (end > start) sections.push({ spanID: span.spanID, span, start, end }); };
  let span = root;
  let bound = window.get(root)[1];
  for (;;) {
    const k = kids.get(span);
    while (k.next < k.list.length && window.get(k.list[k.next])[1] > bound) k.next++;
    if (k.next < k.list.length) {
      const child = k.list[k.next++];
      const childEnd = window.get(child)[1];
      add(span, childEnd, bound);
      span = child;
      bound = childEnd;
      continue;
    }
    const start = window.get(span)[0];
    add(span, start, bound);
    if (span === root) break;
    bound = start;
    span = span.parent;
  }
  return sections;
}

/** Microseconds of the critical path per span (by span.index). */
export function criticalTimes(sections, count) {
  const result = new Float64Array(count);
  for (const section of sections) result[section.span.index] += section.end - section.start;
  return result;
}
