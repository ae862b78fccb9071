import { h, clear } from './dom.js';

/**
 * A scrolling list that keeps only the items near the viewport in the DOM, so a list of 50,000 spans costs what a
 * screenful costs. Items have a known height (heightOf); an item whose real height differs (an opened span detail)
 * reports it through measure(), and the offsets are recomputed.
 */
export function virtualList({ id, className, count, heightOf, renderItem, overscan = 8 }) {
  const sizer = h('div', { class: 'vlist-sizer' });
  const scroller = h('div', { class: `vlist ${className || ''}`, id, tabindex: '-1' }, sizer);
  let total = count;
  let offsets = new Float64Array(1);
  let frame = 0;
  let drawn = [];
  const measured = new Map();

  function layout() {
    offsets = new Float64Array(total + 1);
    for (let i = 0; i < total; i++) offsets[i + 1] = offsets[i] + (measured.get(i) ?? heightOf(i));
    sizer.style.height = `${offsets[total]}px`;
  }

  // The first item whose bottom is below y.
  function indexAt(y) {
    let lo = 0;
    let hi = total;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (offsets[mid + 1] <= y) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  // Rows already in the page are kept while they stay in range, so a scroll only builds the rows it uncovers.
  let kept = new Map();

  function draw() {
    frame = 0;
    const top = scroller.scrollTop;
    const bottom = top + (scroller.clientHeight || 600);
    const first = Math.max(0, indexAt(top) - overscan);
    const last = Math.min(total, indexAt(bottom) + overscan + 1);
    const next = new Map();
    drawn = [];
    for (let i = first; i < last; i++) {
      let el = kept.get(i);
      if (el) kept.delete(i);
      else {
        el = renderItem(i);
        el.style.position = 'absolute';
        el.style.left = '0';
        el.style.right = '0';
        sizer.append(el);
      }
      el.style.top = `${offsets[i]}px`;
      next.set(i, el);
      drawn.push([i, el]);
    }
    for (const el of kept.values()) el.remove();
    kept = next;
    measure();
    scroller.dataset.first = String(first);
    scroller.dataset.last = String(last);
  }

  // Items drawn taller or shorter than assumed move everything below them: measure, lay out again.
  function measure() {
    let changed = false;
    for (const [i, el] of drawn) {
      if (!el.dataset.measure) continue;
      const height = el.offsetHeight;
      if (height && Math.abs(height - (offsets[i + 1] - offsets[i])) > 0.5) {
        measured.set(i, height);
        changed = true;
      }
    }
    if (changed) {
      layout();
      for (const [i, el] of drawn) el.style.top = `${offsets[i]}px`;
      schedule(); // the rows in view may have changed
    }
  }

  function schedule() {
    if (!frame) frame = requestAnimationFrame(draw);
  }

  scroller.addEventListener('scroll', schedule, { passive: true });
  layout();

  return {
    element: scroller,
    /** Draws now (after the list was attached, or after the items changed). */
    refresh(newCount = total) {
      total = newCount;
      measured.clear();
      clear(sizer);
      kept = new Map();
      layout();
      if (frame) cancelAnimationFrame(frame);
      draw();
    },
    /** Measures the drawn items again (one changed its height in place). */
    remeasure: measure,
    /** Scrolls so that item i is in view (centred when it was out of view). */
    scrollToIndex(i) {
      const y = offsets[Math.min(i, total)];
      const view = scroller.clientHeight || 600;
      if (y < scroller.scrollTop || y + 28 > scroller.scrollTop + view) scroller.scrollTop = Math.max(0, y - view / 2);
      draw();
    },
  };
}
