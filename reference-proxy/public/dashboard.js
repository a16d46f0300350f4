// Dashboard for /dashboard/keys. The session token lives in this closure only: never in web storage
// or a cookie, so a reload signs the user out. The raw key is shown once and then forgotten.

(() => {
  let session = null; // { token, email }
  const $ = (id) => document.getElementById(id);

  function setStatus(message) {
    $('status').textContent = message;
  }

  async function api(method, path, body) {
    const headers = { accept: 'application/json' };
    if (session !== null) headers.authorization = `Bearer ${session.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) {
      if (response.status === 401 && session !== null) signOut();
      throw new Error(data?.error?.message ?? `Request failed (${response.status}).`);
    }
    return data;
  }

  const formatDate = (value) => (value === null ? 'never' : new Date(value).toLocaleString());

  function cell(text) {
    const td = document.createElement('td');
    td.textContent = text;
    return td;
  }

  function renderKeys(keys) {
    const body = $('keys-body');
    body.replaceChildren();
    for (const key of keys) {
      const row = document.createElement('tr');
      row.dataset.testid = `key-row-${key.id}`;
      const prefix = document.createElement('td');
      const code = document.createElement('code');
      code.textContent = `${key.key_prefix}…`;
      prefix.append(code);
      row.append(
        prefix,
        cell(key.name),
        cell(formatDate(key.created_at)),
        cell(formatDate(key.last_used_at)),
        cell(key.is_active ? 'active' : 'revoked'),
      );
      const actions = document.createElement('td');
      if (key.is_active) {
        const revoke = document.createElement('button');
        revoke.type = 'button';
        revoke.id = `revoke-${key.id}`;
        revoke.dataset.testid = `revoke-${key.id}`;
        revoke.textContent = 'Revoke';
        revoke.addEventListener('click', () => revokeKey(key.id));
        actions.append(revoke);
      }
      row.append(actions);
      body.append(row);
    }
  }

  async function refreshKeys() {
    const data = await api('GET', '/v1/auth/keys');
    renderKeys(data.keys);
  }

  function showSignedIn() {
    $('login-section').hidden = true;
    $('keys-section').hidden = false;
    $('user-email').textContent = session.email;
  }

  function signOut() {
    session = null;
    $('keys-body').replaceChildren();
    $('keys-section').hidden = true;
    $('login-section').hidden = false;
  }

  async function logIn(event) {
    event.preventDefault();
    setStatus('');
    try {
      const email = $('login-email').value;
      const data = await api('POST', '/v1/auth/login', { email, password: $('login-password').value });
      session = { token: data.access_token, email: data.user.email };
      $('login-password').value = '';
      showSignedIn();
      await refreshKeys();
    } catch (error) {
      setStatus(error.message);
    }
  }

  async function createKey(event) {
    event.preventDefault();
    setStatus('');
    try {
      const name = $('create-key-name').value.trim();
      const created = await api('POST', '/v1/auth/keys', name === '' ? {} : { name });
      $('create-key-name').value = '';
      $('raw-key-value').textContent = created.raw_key;
      $('raw-key-dialog').showModal();
      await refreshKeys();
    } catch (error) {
      setStatus(error.message);
    }
  }

  async function revokeKey(id) {
    setStatus('');
    try {
      await api('DELETE', `/v1/auth/keys/${encodeURIComponent(id)}`);
      await refreshKeys();
    } catch (error) {
      setStatus(error.message);
    }
  }

  async function copyRawKey() {
    try {
      await navigator.clipboard.writeText($('raw-key-value').textContent);
      setStatus('Key copied.');
    } catch {
      setStatus('Copy failed: select the key and copy it by hand.');
    }
  }

  function closeRawKeyDialog() {
    // the plaintext leaves the page as soon as the dialog closes
    $('raw-key-value').textContent = '';
    $('raw-key-dialog').close();
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('login-form').addEventListener('submit', logIn);
    $('create-key-form').addEventListener('submit', createKey);
    $('raw-key-copy').addEventListener('click', copyRawKey);
    $('raw-key-close').addEventListener('click', closeRawKeyDialog);
    $('raw-key-dialog').addEventListener('close', () => {
      $('raw-key-value').textContent = '';
    });
    $('logout').addEventListener('click', signOut);
  });
})();
