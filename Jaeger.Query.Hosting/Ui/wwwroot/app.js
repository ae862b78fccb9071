import { h, clear, message } from './dom.js';
import { renderSearch } from './search.js';
import { renderTrace } from './trace.js';
import { renderDependencies } from './dependencies.js';
import { renderCompare } from './compare.js';
import { renderOpened, setupUpload } from './upload.js';
import './archive.js';
import { renderMonitor } from './monitor.js';

const main = document.getElementById('main');
const basePath = new URL(document.baseURI).pathname;

/** The route below the base path: "search", "trace/abc", "dependencies", ... */
function route() {
  const path = decodeURIComponent(location.pathname);
  return (path.startsWith(basePath) ? path.slice(basePath.length) : path.replace(/^\//, '')).replace(/\/+$/, '');
}

/** Goes to a page (relative to the base), keeping history so back, reload and shared links work. */
export function navigate(relative, { replace = false } = {}) {
  const url = new URL(relative, document.baseURI);
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  render();
}

function setActive(name) {
  for (const id of ['search', 'compare', 'dependencies', 'monitor']) {
    document.getElementById(`nav-${id}`).classList.toggle('active', id === name);
  }
}

let generation = 0;

async function render() {
  const current = ++generation;
  const path = route();
  const params = new URLSearchParams(location.search);
  clear(main);
  const isCurrent = () => current === generation;
  try {
    if (path.startsWith('trace/')) {
      setActive('');
      await renderTrace(main, path.slice('trace/'.length), { navigate, isCurrent });
    } else if (path === 'file' || path.startsWith('file/')) {
      setActive('');
      renderOpened(main, path.slice('file/'.length), { navigate, isCurrent });
    } else if (path === 'dependencies') {
      setActive('dependencies');
      await renderDependencies(main, { navigate, isCurrent });
    } else if (path === 'monitor') {
      setActive('monitor');
      await renderMonitor(main, params, { navigate, isCurrent });
    } else if (path === 'compare' || path.startsWith('compare/')) {
      setActive('compare');
      const [a, b] = path.startsWith('compare/') ? path.slice('compare/'.length).split('/') : [params.get('a'), params.get('b')];
      await renderCompare(main, a || '', b || '', { navigate, isCurrent });
    } else {
      setActive('search');
      await renderSearch(main, params, { navigate, isCurrent });
    }
  } catch (error) {
    if (isCurrent()) main.append(message(`Something went wrong: ${error.message}`, 'error'));
  }
  if (isCurrent()) document.body.dataset.ready = path || 'search';
}

document.addEventListener('click', (event) => {
  const link = event.target.closest('a[data-nav]');
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  navigate(link.getAttribute('href'));
});

document.getElementById('lookup').addEventListener('submit', (event) => {
  event.preventDefault();
  const id = document.getElementById('lookup-id').value.trim();
  if (/^[0-9a-fA-F]{1,32}$/.test(id)) navigate(`trace/${id.toLowerCase()}`);
  else main.prepend(h('div', { class: 'error', role: 'alert' }, 'A trace ID is 1 to 32 hexadecimal digits.'));
});

setupUpload(document.getElementById('open-file'), main, navigate);
window.addEventListener('popstate', render);
render();
