// AUTH-03: the plaintext key is shown exactly once — only the creation response holds raw_key (API), and the dashboard forgets it on reload (real Chromium).

import type { Page } from 'playwright-core';
import { launchChromium } from '../../fixtures/browser.ts';
import { dashboardDriver } from '../../fixtures/dashboard-driver.ts';
import { dashboardPath } from '../../fixtures/dashboard-page.ts';
import { keyName } from '../../fixtures/factories.ts';
import { sendChat } from '../../fixtures/proxy-requests.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { bearer } from '../../harness/contract/client.ts';
import { CreatedKeySchema } from '../../harness/contract/schemas.ts';
import { type CanaryForm, canaryForms, fingerprint, sweepBuffer } from '../../harness/probes/canary.ts';
import { precondition, requireStatus } from '../../harness/verdict.ts';

/** Every later response a tenant can get about its keys, usage and analytics (contract §1 GET/PATCH endpoints). */
const LATER_READS = [
  { name: 'list keys', method: 'GET', path: () => '/v1/auth/keys' },
  { name: 'read key by id', method: 'GET', path: (id: string) => `/v1/auth/keys/${id}` },
  { name: 'patch key', method: 'PATCH', path: (id: string) => `/v1/auth/keys/${id}` },
  { name: 'usage', method: 'GET', path: () => '/v1/usage' },
  { name: 'analytics summary', method: 'GET', path: () => '/v1/analytics/summary' },
  { name: 'analytics by key', method: 'GET', path: () => '/v1/analytics/by-key' },
] as const;

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

/** Everything the page holds that a reload could have kept: its DOM, the values of its fields, and its web storage. */
async function pageState(page: Page) {
  const storage = await page.evaluate(() => ({
    localStorage: JSON.stringify({ ...localStorage }),
    sessionStorage: JSON.stringify({ ...sessionStorage }),
  }));
  // a field's value is a property, not in the serialised DOM: a key shown in a read-only input lives there
  const fields = await page
    .locator('input, textarea')
    .evaluateAll((nodes) =>
      JSON.stringify(nodes.map((node) => (node as unknown as { value: string }).value)),
    );
  return {
    dom: await page.content(),
    fields,
    ...storage,
    cookies: JSON.stringify(await page.context().cookies()),
  };
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
    requireStatus(response, 201, 'creating a key (POST /v1/auth/keys)', response.body);
    const parsed = CreatedKeySchema.safeParse(JSON.parse(response.body));
    expect(parsed.success, 'the creation response is a key object with raw_key').toBe(true);
    const created = CreatedKeySchema.parse(JSON.parse(response.body));
    // Positive control for the sweep below: it finds the key where the contract says it must be.
    precondition(
      sweepBuffer(Buffer.from(response.body), canaryForms(created.raw_key)).length > 0,
      'the sweep does not find raw_key in the creation response that holds it',
      'HARNESS_ERR_PROBE_BLIND',
    );
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
    const used = await sendChat(target, 'openai', { apiKey: apiKey.raw_key, providerKey });
    requireStatus(used, 200, 'one proxied request with the key', used.body);
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
      expect(entry, entry.read).toMatchObject({ rawKeyField: false, findings: [] });
    }
    for (const entry of seen) {
      precondition(entry.status === 200, `${entry.read} answered ${entry.status}, so its body says nothing`);
    }
  });

  test('shows the key once in the dashboard and nowhere after a reload, in real Chromium', async ({
    env,
    target,
    tenant,
    providerKey,
    manifest,
    evidence,
    onTestFinished,
  }) => {
    // A missing Chromium is a harness error (HARNESS_ERR_CHROMIUM_MISSING): the check errors, it is never skipped.
    const browser = await launchChromium(env.caPem);
    onTestFinished(() => browser.close());
    const page = await browser.context.newPage();
    const port = new URL(env.replicas[0]?.httpsUrl ?? '').port;
    const dashboardUrl = `https://${env.tlsHostname}:${port}${dashboardPath(manifest)}`;
    // The page is found through accessible roles and labels, or the manifest's selectors; a control
    // it cannot find is an error naming it (HarnessError), never a finding.
    const dashboard = dashboardDriver(page, manifest.dashboard?.selectors);

    const firstVisit = captureResponses(page);
    const opened = await page.goto(dashboardUrl);
    requireStatus({ status: opened?.status() ?? 0 }, 200, `the dashboard page ${dashboardUrl}`);
    await dashboard.logIn(tenant.email, tenant.password);
    const rawKey = await dashboard.createKey(keyName());
    const forms = canaryForms(rawKey);
    const whileShown = sweepState(await pageState(page), forms);
    await dashboard.closeDialog();
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
        controlsFoundBy: dashboard.foundBy,
      },
    );
    requireStatus(served, 200, 'the key the dialog showed, on the proxy', served.body);
    precondition(
      whileShown.some((f) => f.where === 'dom' || f.where === 'fields'),
      'the sweep does not find the key in the page while the dialog shows it',
      'HARNESS_ERR_PROBE_BLIND',
    );
    precondition(
      firstResponses.length > 0,
      'the sweep does not find the key in any response the page received while creating it',
      'HARNESS_ERR_PROBE_BLIND',
    );

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
    await dashboard.logIn(tenant.email, tenant.password);
    const keyPrefix = rawKey.slice(0, 12);
    await dashboard.waitForListed(keyPrefix);
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
