import { h, clear, formatDuration, serviceColor } from './dom.js';
import { spanDetail } from './spandetail.js';

const ROW = 22;
const MAX_BLOCKS = 6000;

/**
 * A flame graph of the trace: one row per depth, each span a block placed by its start and as wide as its duration.
 * A click zooms into the span and shows its detail; blocks too narrow to see at the current zoom are counted, not drawn.
 */
export function createFlamegraph(trace, ctx) {
  let from = trace.startTime;
  let to = trace.startTime + Math.max(trace.duration, 1);
  let selected = null;
  const canvas = h('div', { class: 'flame-canvas', id: 'flamegraph-canvas' });
  const note = h('p', { class: 'muted flame-note' });
  const detail = h('div', { class: 'flame-detail' });
  const reset = h('button', { type: 'button', id: 'flame-reset', disabled: true, onclick: () => zoom(null) }, 'Reset zoom');
  const element = h('section', { class: 'flamegraph view-panel', id: 'flamegraph' },
    h('div', { class: 'view-tools' }, reset, note), canvas, detail);

  function zoom(span) {
    if (span) {
      from = span.startTime;
      to = span.startTime + Math.max(span.duration, 1);
    } else {
      from = trace.startTime;
      to = trace.startTime + Math.max(trace.duration, 1);
    }
    reset.disabled = !span;
    draw();
  }

  function draw() {
    clear(canvas);
    const widthPx = canvas.clientWidth || 1000;
    const range = to - from;
    const minDuration = (range / widthPx) * 0.5;
    let hidden = 0;
    let drawnCount = 0;
    let maxDepth = 0;
    for (const span of trace.spans) {
      const end = span.startTime + span.duration;
      if (end < from || span.startTime > to) continue;
      if (span.duration < minDuration || drawnCount >= MAX_BLOCKS) { hidden++; continue; }
      const s = Math.max(span.startTime, from);
      const e = Math.min(end, to);
      const cls = ['flame-block'];
      if (span.hasError) cls.push('has-error');
      if (ctx.find.set.has(span.index)) cls.push('find-match');
      if (ctx.find.current === span) cls.push('find-current');
      if (selected === span) cls.push('selected');
      canvas.append(h('div', {
        class: cls.join(' '),
        dataset: { spanId: span.spanID },
        title: `${span.process.serviceName}: ${span.operationName} (${formatDuration(span.duration)})`,
        style: {
          top: `${span.depth * ROW}px`,
          left: `${((s - from) / range) * 100}%`,
          width: `${((e - s) / range) * 100}%`,
          background: span.hasError ? '' : serviceColor(span.process.serviceName),
        },
        onclick: () => {
          selected = span;
          clear(detail).append(spanDetail(span, trace, ctx.byId));
          zoom(span);
        },
      }, h('span', { class: 'flame-label' }, `${span.process.serviceName}: ${span.operationName}`)));
      drawnCount++;
      if (span.depth > maxDepth) maxDepth = span.depth;
    }
    canvas.style.height = `${(maxDepth + 1) * ROW}px`;
    note.textContent = `${formatDuration(to - from)} shown${hidden ? `; ${hidden} span${hidden === 1 ? '' : 's'} too small to draw at this zoom` : ''}. Click a span to zoom into it.`;
  }

  return { element, shown: draw, update: draw };
}
