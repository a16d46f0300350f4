// Variant: a dashboard with other markup, ids and words (a div dialog, a read-only field, a list), found only by its accessible roles and labels.
import type { Variant } from './variant.ts';

/** No id the reference page has, no <form>, no <dialog>, no <table>: only roles and labels in common. */
const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Mintoken keys (variant markup)</title>
  <link rel="stylesheet" href="dashboard.css">
  <script src="dashboard.js?v=variant" defer></script>
</head>
<body>
  <div class="app">
    <div class="card" data-view="signed-out">
      <h1>Welcome back</h1>
      <div class="row"><span id="lbl-user">Email address</span> <input name="u" type="email" aria-labelledby="lbl-user"></div>
      <div class="row"><span id="lbl-pass">Password</span> <input name="p" type="password" aria-labelledby="lbl-pass"></div>
      <div class="btn" role="button" tabindex="0" data-do="signin">Sign in</div>
    </div>
    <div class="card" data-view="signed-in" hidden>
      <div class="row"><span id="lbl-label">Key label (optional)</span> <input name="label" type="text" aria-labelledby="lbl-label"></div>
      <button type="button" class="btn" data-do="generate">Generate new key</button>
      <ul class="keys" aria-label="API keys"></ul>
      <button type="button" data-do="signout">Sign out</button>
    </div>
    <p class="note" role="status"></p>
    <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="lbl-secret" hidden>
      <h2 id="lbl-secret">Copy your secret now</h2>
      <input class="secret" readonly aria-label="Secret key">
      <button type="button" data-do="dismiss">I have saved it</button>
    </div>
  </div>
</body>
</html>
`;

/** The page's script: the session lives in this closure only, the secret only in the field until dismissed. */
const SCRIPT = `(() => {
  let token = null;
  const q = (selector) => document.querySelector(selector);
  const note = (text) => { q('.note').textContent = text; };
  async function call(method, path, body) {
    const headers = { accept: 'application/json' };
    if (token !== null) headers.authorization = 'Bearer ' + token;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit', cache: 'no-store' });
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) throw new Error('Request failed (' + response.status + ').');
    return data;
  }
  function show(signedIn) {
    q('[data-view="signed-out"]').hidden = signedIn;
    q('[data-view="signed-in"]').hidden = !signedIn;
  }
  async function list() {
    const data = await call('GET', '/v1/auth/keys');
    q('ul.keys').replaceChildren(...data.keys.map((key) => {
      const item = document.createElement('li');
      item.textContent = key.key_prefix + '•••• ' + (key.name ?? '') + (key.is_active ? '' : ' (revoked)');
      return item;
    }));
  }
  const actions = {
    async signin() {
      const data = await call('POST', '/v1/auth/login', { email: q('input[name=u]').value, password: q('input[name=p]').value });
      token = data.access_token;
      q('input[name=p]').value = '';
      show(true);
      await list();
    },
    async generate() {
      const label = q('input[name=label]').value.trim();
      const created = await call('POST', '/v1/auth/keys', label === '' ? {} : { name: label });
      q('input[name=label]').value = '';
      q('.secret').value = created.raw_key;
      q('.overlay').hidden = false;
      await list();
    },
    dismiss() {
      q('.secret').value = '';
      q('.overlay').hidden = true;
    },
    signout() {
      token = null;
      q('ul.keys').replaceChildren();
      show(false);
    },
  };
  async function run(target) {
    const action = target.closest('[data-do]')?.dataset.do;
    if (action === undefined) return;
    note('');
    try { await actions[action](); } catch (error) { note(error.message); }
  }
  document.addEventListener('click', (event) => run(event.target));
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') run(event.target);
  });
})();
`;

const STYLE = `[hidden] { display: none !important; }
body { font-family: sans-serif; margin: 2rem; }
.card { border: 1px solid #ccc; padding: 1rem; margin-bottom: 1rem; }
.row { margin: 0.5rem 0; }
.btn { display: inline-block; padding: 0.3rem 0.8rem; border: 1px solid #333; cursor: pointer; }
.overlay { position: fixed; inset: 20%; background: #fff; border: 2px solid #333; padding: 1rem; }
.secret { width: 100%; font-family: monospace; }
`;

const FILES: Record<string, string> = {
  'dashboard.html': PAGE,
  'dashboard.js': SCRIPT,
  'dashboard.css': STYLE,
};

export const variant: Variant = {
  description:
    'the dashboard page has other markup and words: a role=dialog div with the key in a read-only field, a list, a div button',
  claims: ['AUTH-03', 'AUTH-04'],
  override: (components) => ({
    ...components,
    dashboardAssets: {
      read(file) {
        const content = FILES[file];
        return content === undefined ? components.dashboardAssets.read(file) : Buffer.from(content);
      },
    },
  }),
};
