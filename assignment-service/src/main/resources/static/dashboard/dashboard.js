// The dashboard's life: the operator's token (this tab's session storage only), the poll loop and
// the status line. Drawing is render.js's.
import { renderSnapshot, clearSnapshot } from './render.js';

const TOKEN_KEY = 'vfleet.dashboard.token';
const REFRESH_MILLIS = 2000;

const form = document.getElementById('sign-in');
const input = document.getElementById('token');
const signOut = document.getElementById('sign-out');
const status = document.getElementById('status');
const updated = document.getElementById('updated');
const notice = document.getElementById('notice');

let timer = null;
// Bumped on every sign-in and sign-out, so that an answer to a request made with an older token is dropped.
let generation = 0;

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

async function refresh() {
  const token = storedToken();
  // A tab nobody looks at does not poll; it catches up when it is shown again.
  if (!token || document.hidden) {
    return;
  }
  const mine = generation;
  let response;
  try {
    response = await fetch('/api/v1/dashboard', {
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
      cache: 'no-store',
    });
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
  if (mine !== generation) {
    return;
  }
  renderSnapshot(snapshot);
  hideNotice();
  setStatus('live', 'Live');
  updated.textContent = `updated ${clockTime(snapshot.at)}`;
  schedule();
}

function connect(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
  generation += 1;
  input.value = '';
  input.placeholder = 'Token kept for this tab';
  signOut.hidden = false;
  hideNotice();
  setStatus('connecting', 'Connecting…');
  refresh();
}

function forget() {
  sessionStorage.removeItem(TOKEN_KEY);
  generation += 1;
  clearTimeout(timer);
  clearSnapshot();
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
