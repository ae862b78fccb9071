import { h } from './dom.js';

// One example per part of the filter language (Jaeger.Core's SpanFilter): each holds on a single span.
export const FILTER_EXAMPLES = [
  ['Errors or 5xx', 'error = true OR http.status_code >= 500'],
  ['Slow, not a client', 'duration > 500ms AND NOT span.kind = client'],
  ['Has a SQL statement', 'exists db.statement'],
  ['Operation prefix', 'operation startsWith "GET /"'],
  ['Grouped', 'service = frontend AND (http.status_code >= 400 OR exists error)'],
];

/**
 * The filter box with its clickable examples. Enter searches; Shift+Enter starts a new line.
 * Returns the textarea and the elements to put in the form.
 */
export function filterControls(value, form) {
  const input = h('textarea', { id: 'search-filter', name: 'filter', rows: '3', spellcheck: 'false',
    placeholder: 'http.status_code >= 500 AND NOT service = mysql' });
  input.value = value || '';
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form().requestSubmit();
    }
  });
  const examples = h('ul', { class: 'filter-examples', id: 'filter-examples', 'aria-label': 'Filter examples' });
  for (const [label, text] of FILTER_EXAMPLES) {
    examples.append(h('li', null, h('button', { type: 'button', class: 'link filter-example', title: label, dataset: { example: text },
      onclick: () => {
        input.value = text;
        input.removeAttribute('aria-invalid');
        input.focus();
      } }, text)));
  }
  const hint = h('p', { class: 'hint' }, 'AND, OR, NOT, ( ), exists key, = != < <= > >=, startsWith; service, operation, duration or a tag key. A trace matches when one span does.');
  return { input, elements: [hint, examples] };
}

const OFFSET = /\(at offset (\d+)\)$/;

/**
 * The server's message for a filter it could not parse, with the line of the filter it points at and a caret under
 * the offset the message names. Everything is text.
 */
export function filterErrorView(messageText, filterText) {
  const view = h('div', { class: 'error', role: 'alert', id: 'search-error' }, messageText);
  const m = OFFSET.exec(messageText);
  if (!m || !filterText || !messageText.includes("'filter'")) return view;
  const offset = Math.min(Number(m[1]), filterText.length);
  const lineStart = offset === 0 ? 0 : filterText.lastIndexOf('\n', offset - 1) + 1;
  const newline = filterText.indexOf('\n', offset);
  const line = filterText.slice(lineStart, newline < 0 ? filterText.length : newline).replace(/[\t\r]/g, ' ');
  view.append(h('pre', { class: 'filter-pointer', id: 'filter-pointer' }, `${line}\n${' '.repeat(offset - lineStart)}^`));
  return view;
}
