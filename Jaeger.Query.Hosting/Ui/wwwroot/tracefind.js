import { tagText } from './dom.js';

function fieldsOf(span) {
  const fields = [span.process.serviceName, span.operationName, span.spanID];
  for (const list of [span.tags, span.process.tags]) {
    for (const tag of list) {
      const value = tagText(tag);
      fields.push(tag.key, value, `${tag.key}=${value}`);
    }
  }
  for (const log of span.logs) {
    for (const field of log.fields || []) {
      const value = tagText(field);
      fields.push(field.key, value, `${field.key}=${value}`);
    }
  }
  // One string per span, fields separated by a character nobody types, so a word cannot match across two fields.
  return fields.join('\u0001').toLowerCase();
}

const haystacks = new WeakMap();

/**
 * The spans (in timeline order) matching an in-trace find query: every space-separated word must occur in the
 * span's service, operation, span ID, a tag or process tag or log field key, value, or "key=value".
 */
export function findSpans(trace, query) {
  const words = String(query || '').toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return [];
  const result = [];
  let cache = haystacks.get(trace);
  if (!cache) haystacks.set(trace, cache = new Array(trace.spans.length));
  for (const span of trace.spans) {
    const hay = cache[span.index] || (cache[span.index] = fieldsOf(span));
    if (words.every((w) => hay.includes(w))) result.push(span);
  }
  return result;
}
