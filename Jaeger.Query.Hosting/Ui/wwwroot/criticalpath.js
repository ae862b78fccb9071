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
  const n = trace.spans.length;
  const winStart = new Float64Array(n);
  const winEnd = new Float64Array(n);
  const onPath = new Uint8Array(n);
  const kids = new Array(n);
  winStart[root.index] = root.startTime;
  winEnd[root.index] = root.startTime + root.duration;
  onPath[root.index] = 1;
  const stack = [root];
  while (stack.length) {
    const span = stack.pop();
    const ps = winStart[span.index];
    const pe = winEnd[span.index];
    const list = [];
    for (const child of span.children) {
      if (child.parentRefType === 'FOLLOWS_FROM' || onPath[child.index]) continue;
      const s = Math.max(child.startTime, ps);
      const e = Math.min(child.startTime + child.duration, pe);
      if (child.startTime > pe || e < s) continue; // starts after the parent ended: not on its path
      winStart[child.index] = s;
      winEnd[child.index] = e;
      onPath[child.index] = 1;
      list.push(child);
      stack.push(child);
    }
    // Latest end first; each child is used once, so a zero-length child cannot be chosen twice.
    list.sort((a, b) => winEnd[b.index] - winEnd[a.index]);
    kids[span.index] = { list, next: 0 };
  }

  const sections = [];
  const add = (span, start, end) => { if (end > start) sections.push({ spanID: span.spanID, span, start, end }); };
  let span = root;
  let bound = winEnd[root.index];
  for (;;) {
    const k = kids[span.index];
    while (k.next < k.list.length && winEnd[k.list[k.next].index] > bound) k.next++;
    if (k.next < k.list.length) {
      const child = k.list[k.next++];
      const childEnd = winEnd[child.index];
      add(span, childEnd, bound);
      span = child;
      bound = childEnd;
      continue;
    }
    const start = winStart[span.index];
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
