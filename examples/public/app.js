/* global document, fetch, location, sessionStorage */
// The example's one script. Every page works without it; it adds two things:
// - on a "please sign in" page, one try at continuing the login with the refresh cookie;
// - the API page (/app), which uses the session over JSON as docs/sessions.md tells a page script to: the cookie
//   goes by itself, and each unsafe request repeats the readable `csrf` cookie in the X-CSRF-Token header.
'use strict';

const CSRF_HEADER = 'x-csrf-token';

/** The double-submit value: the one cookie of the session a page script can read. */
function csrfValue() {
  const pair = document.cookie.split('; ').find((cookie) => cookie.startsWith('csrf='));
  return pair === undefined ? undefined : decodeURIComponent(pair.slice('csrf='.length));
}

let refreshing;
/** One refresh at a time: a refresh token works once, and a second use ends the whole login. */
function refresh(send) {
  refreshing ??= send('POST', '/auth/refresh').finally(() => {
    refreshing = undefined;
  });
  return refreshing;
}

async function request(method, path, note) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers[CSRF_HEADER] = csrfValue() ?? '';
  const response = await fetch(path, { method, headers, credentials: 'same-origin' });
  note?.(method, path, response.status);
  return response;
}

/** A request, and on a 401 one refresh and one more try: the access cookie may just have expired. */
async function withRefresh(method, path, note) {
  const first = await request(method, path, note);
  if (first.status !== 401 || csrfValue() === undefined) return first;
  const refreshed = await refresh((m, p) => request(m, p, note));
  return refreshed.status === 204 ? request(method, path, note) : first;
}

// A page that asked to sign in: the access cookie is gone, but the login may go on (the refresh cookie
// is HttpOnly: the readable csrf cookie, which lives as long, says whether there is one). Never twice in
// 3 s: a page that still asks after a refresh does not reload in a loop.
async function resume() {
  const main = document.querySelector('main[data-resume]');
  const note = document.getElementById('resume');
  const last = Number(sessionStorage.getItem('resumed-at') ?? 0);
  if (main === null || csrfValue() === undefined || Date.now() - last < 3000) {
    note?.remove();
    return;
  }
  sessionStorage.setItem('resumed-at', String(Date.now()));
  const refreshed = await refresh(request);
  if (refreshed.status === 204) location.reload();
  else note?.remove();
}

function apiPage(root) {
  const whoami = root.querySelector('#whoami');
  const logins = root.querySelector('#logins');
  const requests = root.querySelector('#requests');
  const note = (method, path, status) => {
    const item = document.createElement('li');
    item.textContent = `${method} ${path} → ${status}`;
    item.dataset.status = String(status);
    requests.append(item);
  };

  async function load() {
    const me = await withRefresh('GET', '/me', note);
    logins.replaceChildren();
    if (me.status !== 200) {
      whoami.textContent = 'You are not signed in. ';
      const link = document.createElement('a');
      link.href = '/login?next=/app';
      link.textContent = 'Sign in';
      whoami.append(link);
      return;
    }
    const { user } = await me.json();
    // textContent, never innerHTML: the email is the user's own text.
    whoami.textContent = `Signed in as ${user.email} (${user.role}).`;
    const list = await withRefresh('GET', '/auth/logins', note);
    if (list.status !== 200) return;
    for (const login of (await list.json()).logins) logins.append(loginItem(login));
  }

  function loginItem(login) {
    const item = document.createElement('li');
    item.dataset.sid = login.sid;
    const since = new Date(login.signedInAt * 1000).toISOString().slice(0, 19).replace('T', ' ');
    item.textContent = `${login.meta.label ?? 'Login'} since ${since} UTC${login.current ? ' (this browser) ' : ' '}`;
    const end = document.createElement('button');
    end.type = 'button';
    end.textContent = 'End';
    end.addEventListener('click', async () => {
      await withRefresh('DELETE', `/auth/logins/${encodeURIComponent(login.sid)}`, note);
      await load();
    });
    item.append(end);
    return item;
  }

  root.addEventListener('click', async (event) => {
    const action = event.target.closest('button[data-action]')?.dataset.action;
    if (action === 'sign-out') await withRefresh('POST', '/auth/logout', note);
    if (action === 'reload' || action === 'sign-out') await load();
  });
  void load();
}

const spa = document.querySelector('[data-spa]');
if (spa !== null) apiPage(spa);
void resume();
