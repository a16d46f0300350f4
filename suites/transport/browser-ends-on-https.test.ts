// TRANSPORT-05: a real browser ends up on HTTPS — Chromium follows the HTTP redirect, and after one HTTPS visit upgrades http navigations itself (HSTS) without a plaintext request reaching the HTTP port.

import { launchChromium } from '../../fixtures/browser.ts';
import { type StartedTcpTap, startTcpTap } from '../../fixtures/tcp-tap.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import type { EnvironmentInfo } from '../../harness/environment-info.ts';
import { HarnessError, messageOf } from '../../harness/errors.ts';

const NAVIGATION_TIMEOUT_MS = 15_000;
/** Chromium's start (NSS database, certutil) plus two navigations: seconds alone, far more on a loaded CI machine. */
const TEST_TIMEOUT_MS = 120_000;

/**
 * Chromium talks to the HTTP port through a tap we own (the target's listener can't be hooked): the
 * tap forwards every byte and counts plaintext requests, so "the HTTP port received no request" is
 * something it sees, not something assumed from the page.
 */
async function withBrowserAndTap<T>(
  env: EnvironmentInfo,
  work: (tools: {
    page: import('playwright-core').Page;
    tap: StartedTcpTap;
    httpOrigin: string;
  }) => Promise<T>,
): Promise<T> {
  const replica = env.replicas[0]!;
  const tap = await startTcpTap('127.0.0.1', replica.httpPort);
  try {
    // a missing Chromium or certutil is a HarnessError: the check errors, it never passes or skips
    const browser = await launchChromium(env.caPem);
    try {
      const page = await browser.context.newPage();
      return await work({ page, tap, httpOrigin: `http://${env.tlsHostname}:${tap.port}` });
    } finally {
      await browser.close();
    }
  } finally {
    await tap.stop();
  }
}

/** Navigates and reports where the page ended; a navigation that fails (a redirect to a host that doesn't resolve, say) is an outcome, not a crash. */
async function open(page: import('playwright-core').Page, url: string) {
  try {
    const response = await page.goto(url, { timeout: NAVIGATION_TIMEOUT_MS });
    return {
      landed: page.url(),
      status: response?.status() ?? null,
      redirectedFrom: response?.request().redirectedFrom()?.url() ?? null,
      error: null,
    };
  } catch (error) {
    return {
      landed: page.url(),
      status: null,
      redirectedFrom: null,
      error: messageOf(error).split('\n')[0] ?? null,
    };
  }
}

const plaintextRequests = (tap: StartedTcpTap, since = 0) =>
  tap.connections(since).flatMap((c) => (c.protocol === 'http' ? c.requests : []));

describe(claimTitle('TRANSPORT-05'), () => {
  test('lands on https when Chromium opens the http URL', { timeout: TEST_TIMEOUT_MS }, async ({
    env,
    evidence,
  }) => {
    await withBrowserAndTap(env, async ({ page, tap, httpOrigin }) => {
      const visit = await open(page, `${httpOrigin}/`);
      const seen = plaintextRequests(tap);
      await evidence.positiveControl('the tap saw the browser’s plaintext request on the HTTP port', {
        requests: seen,
      });
      if (seen.length === 0) {
        throw new HarnessError(
          'HARNESS_ERR_PROBE_BLIND',
          'the tap in front of the HTTP port saw no plaintext request',
        );
      }
      await evidence.record('Chromium opened the http URL', { opened: `${httpOrigin}/`, ...visit });
      expect(visit.landed).toMatch(
        new RegExp(`^https://${env.tlsHostname.replaceAll('.', '\\.')}:${env.replicas[0]!.httpsPort}/`),
      );
    });
  });

  test('upgrades an http navigation itself after one HTTPS visit, so the HTTP port sees no plaintext request', {
    timeout: TEST_TIMEOUT_MS,
  }, async ({ env, evidence }) => {
    await withBrowserAndTap(env, async ({ page, tap, httpOrigin }) => {
      // the one HTTPS visit: the site root as a user would type it (on the reference an error page)
      const firstVisit = { ...(await open(page, `${httpOrigin}/`)), plaintext: plaintextRequests(tap) };
      await evidence.positiveControl(
        'the tap counts plaintext requests: the first visit passed through it',
        firstVisit,
      );
      if (firstVisit.plaintext.length === 0) {
        throw new HarnessError(
          'HARNESS_ERR_PROBE_BLIND',
          'the tap in front of the HTTP port saw no plaintext request',
        );
      }
      const mark = tap.mark();
      // HSTS keeps the port, so https://…:<http port>/ fails its handshake: an error is the expected end
      const second = await open(page, `${httpOrigin}/health`);
      const after = tap.connections(mark);
      await evidence.record('the http navigation after the HTTPS visit', {
        navigated: `${httpOrigin}/health`,
        endedAt: second.landed,
        error: second.error,
        connectionsToHttpPort: after.map((c) => ({ protocol: c.protocol, requests: c.requests })),
      });
      expect(
        plaintextRequests(tap, mark),
        'plaintext requests on the HTTP port after the HSTS visit',
      ).toEqual([]);
      // the browser did go there, over TLS: the upgrade happened inside it, not a navigation that never started
      expect(after.filter((c) => c.protocol === 'tls').length).toBeGreaterThan(0);
    });
  });
});
