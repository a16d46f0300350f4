// AUTH-03: the plaintext key is shown exactly once — only the creation response holds raw_key (API), and the dashboard forgets it on reload (real Chromium).

import type { Page } from 'playwright-core';
import { launchChromium } from '../../fixtures/browser.ts';
import { keyName } from '../../fixtures/factories.ts';
import { sendChat } from '../../fixtures/proxy-requests.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { bearer } from '../../harness/contract/client.ts';
import { CreatedKeySchema } from '../../harness/contract/schemas.ts';
import { type CanaryForm, canaryForms, fingerprint, sweepBuffer } from '../../harness/probes/canary.ts';

/** Every later response a tenant can get about its keys, usage and analytics (contract §1 GET/PATCH endpoints). */
const LATER_READS = [
  { name: 'list keys', method: 'GET', path: () => '/v1/auth/keys' },
  { name: 'read key by id', method: 'GET', path: (id: string) => `/v1/auth/keys/${id}` },
  { name: 'patch key', method: 'PATCH', path: (id: string) => `/v1/auth/keys/${id}` },
  { name: 'usage', method: 'GET', path: () => '/v1/usage' },
  { name: 'analytics summary', method: 'GET', path: () => '/v1/analytics/summary' },
  { name: 'analytics by key', method: 'GET', path: () => '/v1/analytics/by-key' },
] as const;

/** How long the dashboard may take to react to a click (a login runs argon2 on the server). */
const UI_TIMEOUT_MS = 15_000;

interface CapturedResponse {
  url: string;
  status: number;
  body: Buffer;
}

/** Records the body of every response the page receives, until `stop()`. */
function captureResponses(page: Page) {
  const captured: CapturedResponse[] = [];
  const pending: Promise<void>[] = [];
  const onResponse = (response: import('playwright-core').Response) => {
    pending.push(
      response
        .body()
        .catch(() => Buffer.alloc(0))
        .then((body) => {
          captured.push({ url: new URL(response.url()).pathname, status: response.status(), body });
        }),
    );
  };
  page.on('response', onResponse);
  return {
    async stop(): Promise<CapturedResponse[]> {
      page.off('response', onResponse);
      await Promise.all(pending);
      return captured;
    },
  };
}

/** Everything the page holds that a reload could have kept: its DOM, and its web storage. */
async function pageState(page: Page) {
  const storage = await page.evaluate(() => ({
    localStorage: JSON.stringify({ ...localStorage }),
    sessionStorage: JSON.stringify({ ...sessionStorage }),
  }));
  return { dom: await page.content(), ...storage, cookies: JSON.stringify(await page.context().cookies()) };
}

function sweepState(state: Record<string, string>, forms: readonly CanaryForm[]) {
  return Object.entries(state).flatMap(([where, text]) =>
    sweepBuffer(Buffer.from(text), forms).map((finding) => ({ where, ...finding })),
  );
}

function sweepResponses(responses: readonly CapturedResponse[], forms: readonly CanaryForm[]) {
  return responses.flatMap((response) =>
    sweepBuffer(response.body, forms).map((finding) => ({ where: response.url, ...finding })),
  );
}

async function logIn(page: Page, email: string, password: string): Promise<void> {
  await page.locator('#login-email').fill(email);
  await page.locator('#login-password').fill(password);
  await page.locator('#login-submit').click();
  await page.locator('#keys-section').waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
}

describe(claimTitle('AUTH-03'), () => {
  test('returns raw_key in the creation response, with a key_prefix of its first 12 characters', async ({
    target,
    tenant,
    evidence,
  }) => {
    const response = await target.send('/v1/auth/keys', {
      method: 'POST',
      headers: bearer(tenant.token),
      body: { name: keyName() },
    });
    expect(response.status).toBe(201);
    const created = CreatedKeySchema.parse(JSON.parse(response.body));
    // Positive control for the sweep below: it finds the key where the contract says it must be.
    expect(sweepBuffer(Buffer.from(response.body), canaryForms(created.raw_key)).length).toBeGreaterThan(0);
    expect(created.key_prefix).toBe(created.raw_key.slice(0, 12));
    await evidence.positiveControl('raw key found in the creation response', {
      key: fingerprint(created.raw_key),
      key_prefix: created.key_prefix,
      cacheControl: response.headers['cache-control'] ?? null,
    });
  });

  test('shows at most key_prefix on every later API response', async ({
    target,
    tenant,
    apiKey,
    providerKey,
    evidence,
  }) => {
    // Use the key once, so usage and analytics have a row that refers to it.
    expect((await sendChat(target, 'openai', { apiKey: apiKey.raw_key, providerKey })).status).toBe(200);
    const forms = canaryForms(apiKey.raw_key);
    const seen = [];
    for (const read of LATER_READS) {
      const response = await target.send(read.path(apiKey.id), {
        method: read.method,
        headers: bearer(tenant.token),
        ...(read.method === 'PATCH' ? { body: { name: keyName() } } : {}),
      });
      const findings = sweepBuffer(Buffer.from(response.body), forms);
      seen.push({
        read: read.name,
        status: response.status,
        rawKeyField: response.body.includes('"raw_key"'),
        findings,
      });
    }
    await evidence.record('later responses swept for the raw key', {
      key: fingerprint(apiKey.raw_key),
      seen,
    });
    for (const entry of seen) {
      expect(entry, entry.read).toMatchObject({ status: 200, rawKeyField: false, findings: [] });
    }
  });

  test('shows the key once in the dashboard and nowhere after a reload, in real Chromium', async ({
    env,
    target,
    tenant,
    providerKey,
    evidence,
    onTestFinished,
  }) => {
    // A missing Chromium is a harness error (HARNESS_ERR_CHROMIUM_MISSING): the check errors, it is never skipped.
    const browser = await launchChromium(env.caPem);
    onTestFinished(() => browser.close());
    const page = await browser.context.newPage();
    const port = new URL(env.replicas[0]?.httpsUrl ?? '').port;
    const dashboardUrl = `https://${env.tlsHostname}:${port}/dashboard/keys`;

    const firstVisit = captureResponses(page);
    await page.goto(dashboardUrl);
    await logIn(page, tenant.email, tenant.password);
    await page.locator('#create-key-name').fill(keyName());
    await page.locator('#create-key-submit').click();
    await page.locator('#raw-key-dialog[open]').waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    const rawKey = ((await page.locator('#raw-key-value').textContent()) ?? '').trim();
    const forms = canaryForms(rawKey);
    const whileShown = sweepState(await pageState(page), forms);
    await page.locator('#raw-key-close').click();
    const firstResponses = sweepResponses(await firstVisit.stop(), forms);

    // Positive controls: the dialog showed a key that works, and the probes see it where it was shown.
    const served = await sendChat(target, 'openai', { apiKey: rawKey, providerKey });
    await evidence.positiveControl(
      'the dialog shows a working key, found in the page and in the creation response',
      {
        key: fingerprint(rawKey),
        proxyStatus: served.status,
        foundWhileShown: [...new Set(whileShown.map((f) => f.where))],
        foundInResponses: [...new Set(firstResponses.map((f) => f.where))],
      },
    );
    expect(served.status).toBe(200);
    expect(whileShown.some((f) => f.where === 'dom')).toBe(true);
    expect(firstResponses.some((f) => f.where === '/v1/auth/keys')).toBe(true);

    // Reload: the page must have forgotten the key, signed out, before anything else happens.
    const afterReload = captureResponses(page);
    await page.reload({ waitUntil: 'load' });
    const reloaded = sweepState(await pageState(page), forms);
    const reloadResponses = await afterReload.stop();
    const onReload = [...reloaded, ...sweepResponses(reloadResponses, forms)];
    await evidence.record('the dashboard right after a reload (DOM, web storage, cookies, responses)', {
      key: fingerprint(rawKey),
      responses: reloadResponses.map((r) => ({ url: r.url, status: r.status, bytes: r.body.length })),
      findings: onReload,
    });
    expect(onReload).toEqual([]);

    // Signed in again, the list shows the key by its prefix only.
    const signedInAgain = captureResponses(page);
    await logIn(page, tenant.email, tenant.password);
    const keyPrefix = rawKey.slice(0, 12);
    await page.getByText(`${keyPrefix}…`).waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    const listed = sweepState(await pageState(page), forms);
    const listResponses = await signedInAgain.stop();
    const onList = [...listed, ...sweepResponses(listResponses, forms)];
    await evidence.record('the key list after signing in again', {
      keyPrefixShown: true,
      responses: listResponses.map((r) => ({ url: r.url, status: r.status, bytes: r.body.length })),
      findings: onList,
    });
    expect(onList).toEqual([]);
  });
});
