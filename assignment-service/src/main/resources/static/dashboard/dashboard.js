// The dashboard's life: the operator's token (this tab's session storage only), the filters, the nodes
// opened for their devices, the poll loop and the status line. Drawing is render.js's.
import { renderSnapshot, clearSnapshot } from './render.js';

const TOKEN_KEY = 'vfleet.dashboard.token';
const REFRESH_MILLIS = 2000;
const FILTER_PAUSE_MILLIS = 300;
// Node lines asked for at first, and added by each "Show more".
const NODES_AT_ONCE = 100;

const form = document.getElementById('sign-in');
const input = document.getElementById('token');
const signOut = document.getElementById('sign-out');
const status = document.getElementById('status');
const updated = document.getElementById('updated');
const notice = document.getElementById('notice');
const filters = document.getElementById('filters');
const moreNodes = document.getElementById('more-nodes');

let timer = null;
let filterTimer = null;
// Bumped on every sign-in, sign-out and filter change, so that an answer to an older request is dropped.
let generation = 0;
let nodeLimit = NODES_AT_ONCE;
// The nodes whose devices are shown; their details are fetched with every refresh.
const opened = new Set();

function storedToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

function setStatus(kind, text) {
  status.dataset.kind = kind;
  if (status.textContent !== text) {
    status.textContent = text;
  }
}

function showNotice(text) {
  notice.textContent = text;
  notice.hidden = false;
}

function hideNotice() {
  notice.hidden = true;
  notice.textContent = '';
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(refresh, REFRESH_MILLIS);
}

function clockTime(instant) {
  return new Date(instant).toLocaleTimeString([], { hour12: false });
}

async function problemDetail(response) {
  try {
    const problem = await response.json();
    return problem.detail || problem.title || `The server answered ${response.status}.`;
  } catch {
    return `The server answered ${response.status}.`;
  }
}

// The filters as the query of /api/v1/dashboard; a field the browser finds invalid is left out.
function query() {
  const parameters = new URLSearchParams({ limit: String(nodeLimit) });
  for (const field of filters.elements) {
    if (field.name && field.value.trim() && field.checkValidity()) {
      parameters.set(field.name, field.value.trim());
    }
  }
  return parameters.toString();
}

function get(path, token) {
  return fetch(path, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' }, cache: 'no-store' });
}

async function refresh() {
  const token = storedToken();
  // A tab nobody looks at does not poll; it catches up when it is shown again.
  if (!token || document.hidden) {
    return;
  }
  const mine = generation;
  let response;
  try {
    response = await get(`/api/v1/dashboard?${query()}`, token);
  } catch {
    if (mine === generation) {
      setStatus('error', 'Cannot reach the server; retrying');
      schedule();
    }
    return;
  }
  if (mine !== generation) {
    return;
  }
  if (response.status === 401) {
    forget();
    showNotice('The server does not know this token. Paste another one.');
    return;
  }
  if (response.status === 403) {
    // Polling again cannot help: the token's role does not change.
    setStatus('error', 'Not allowed');
    showNotice(await problemDetail(response));
    return;
  }
  if (!response.ok) {
    setStatus('error', `Server error ${response.status}; retrying`);
    showNotice(await problemDetail(response));
    schedule();
    return;
  }
  const snapshot = await response.json();
  // Only the opened nodes the answer still lists: their devices, each in a request of its own.
  const shown = new Set(snapshot.nodes.items.map((node) => node.node));
  const details = new Map();
  await Promise.all([...opened].filter((node) => shown.has(node)).map(async (node) => {
    try {
      const detail = await get(`/api/v1/dashboard/nodes/${encodeURIComponent(node)}`, token);
      if (detail.ok) {
        details.set(node, await detail.json());
      }
    } catch {
      // Drawn without its devices this time; the next refresh tries again.
    }
  }));
  if (mine !== generation) {
    return;
  }
  renderSnapshot(snapshot, details, opened);
  moreNodes.hidden = snapshot.nodes.total <= snapshot.nodes.items.length;
  hideNotice();
  setStatus('live', 'Live');
  updated.textContent = `updated ${clockTime(snapshot.at)}`;
  schedule();
}

// Drops what older requests may still answer, and asks again now.
function refreshNow() {
  generation += 1;
  clearTimeout(timer);
  refresh();
}

function connect(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
  input.value = '';
  input.placeholder = 'Token kept for this tab';
  signOut.hidden = false;
  hideNotice();
  setStatus('connecting', 'Connecting…');
  refreshNow();
}

function forget() {
  sessionStorage.removeItem(TOKEN_KEY);
  generation += 1;
  clearTimeout(timer);
  opened.clear();
  clearSnapshot();
  moreNodes.hidden = true;
  updated.textContent = '';
  input.placeholder = 'Paste an operator or auditor token';
  signOut.hidden = true;
  setStatus('idle', 'Not connected');
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const token = input.value.trim();
  if (token) {
    connect(token);
  } else {
    input.focus();
  }
});

signOut.addEventListener('click', () => {
  forget();
  showNotice('Token forgotten. Paste a token to connect again.');
});

// Typing pauses before it asks; choosing a state or clearing asks at once.
filters.addEventListener('input', (event) => {
  nodeLimit = NODES_AT_ONCE;
  clearTimeout(filterTimer);
  filterTimer = setTimeout(refreshNow, event.target.tagName === 'SELECT' ? 0 : FILTER_PAUSE_MILLIS);
});
filters.addEventListener('submit', (event) => event.preventDefault());
filters.addEventListener('reset', () => {
  nodeLimit = NODES_AT_ONCE;
  setTimeout(refreshNow, 0);
});

moreNodes.addEventListener('click', () => {
  nodeLimit += NODES_AT_ONCE;
  refreshNow();
});

// A node's Devices button opens or closes it.
document.getElementById('nodes').addEventListener('click', (event) => {
  const button = event.target.closest('button[data-toggle-node]');
  if (!button) {
    return;
  }
  const node = button.dataset.toggleNode;
  if (opened.has(node)) {
    opened.delete(node);
  } else {
    opened.add(node);
  }
  refreshNow();
});

document.addEventListener('visibilitychange', () => {
  if (!document.hidden && storedToken()) {
    refresh();
  }
});

if (storedToken()) {
  connect(storedToken());
} else {
  showNotice('Paste an operator or auditor token above to see the fleet.');
}
