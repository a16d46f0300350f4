// TRANSPORT-03: plain HTTP redirects to HTTPS on the same host and path, and serves nothing.

import { setTimeout as sleep } from 'node:timers/promises';
import { Client, request } from 'undici';
import { pollUntil, QUIET_PERIOD_MS } from '../../fixtures/poll.ts';
import { chatBody } from '../../fixtures/proxy-requests.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { bearer } from '../../harness/contract/client.ts';
import { UsageListSchema } from '../../harness/contract/schemas.ts';
import { fingerprint, makeCanary } from '../../harness/probes/canary.ts';
import { HTTP_REDIRECT_STATUSES, precondition, requireStatus } from '../../harness/verdict.ts';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'] as const;
const PATHS = [
  { name: 'root', path: '/' },
  { name: 'health', path: '/health' },
  { name: 'proxy endpoint', path: '/v1/chat/completions' },
  { name: 'management endpoint with a query', path: '/v1/auth/keys?limit=5&x=%20y' },
  { name: 'unknown path', path: '/no/such/thing' },
  { name: 'protocol-relative path (open redirect attempt)', path: '//evil.example/x' },
  { name: 'encoded slashes', path: '/%2F%2Fevil.example/%2e%2e/x' },
  { name: 'long query', path: `/v1/usage?q=${'a'.repeat(2_000)}` },
];
/** 308 or 301 (§1 Transport): every variant the contract allows. */
const REDIRECTS = HTTP_REDIRECT_STATUSES;

describe(claimTitle('TRANSPORT-03'), () => {
  test.for(METHODS.flatMap((method) => PATHS.map((p) => ({ method, ...p }))))(
    'answers $method $name over HTTP with a redirect to the same host and path over HTTPS',
    async ({ method, path }, { env, evidence }) => {
      const replica = env.replicas[0]!;
      for (const host of ['127.0.0.1', env.tlsHostname]) {
        // A dispatcher request keeps the path byte for byte (a URL string would normalise `%2e%2e` and `//`).
        const client = new Client(replica.httpUrl);
        const response = await client.request({
          path,
          method,
          headers: { host: `${host}:${replica.httpPort}` },
        });
        await response.body.dump();
        await client.close();
        const location = response.headers.location;
        await evidence.record(`${method} ${path.slice(0, 60)} (Host ${host})`, {
          status: response.statusCode,
          location,
        });
        expect(REDIRECTS).toContain(response.statusCode);
        expect(location).toBe(`https://${host}:${replica.httpsPort}${path}`);
      }
    },
  );

  test('lets a credentialed request over HTTP reach no upstream and write no usage row', async ({
    env,
    target,
    mock,
    tenant,
    apiKey,
    evidence,
  }) => {
    const replica = env.replicas[0]!;
    const usageCount = async () => {
      const listed = await target.send('/v1/usage', { headers: bearer(tenant.token) });
      requireStatus(listed, 200, "listing the tenant's usage rows", listed.body);
      return UsageListSchema.parse(JSON.parse(listed.body)).usage.filter((row) => row.key_id === apiKey.id)
        .length;
    };
    const send = (baseUrl: string, providerKey: string) =>
      request(`${baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${apiKey.raw_key}`,
          'x-provider-key': providerKey,
          'content-type': 'application/json',
        },
        body: JSON.stringify(chatBody('openai', 'gpt-4o-mini', 'hello', false)),
      });
    const reached = async (providerKey: string) =>
      (await mock.requests({ provider: 'openai' })).some((r) =>
        JSON.stringify(r.headers).includes(providerKey),
      );

    // Positive control: the same request over HTTPS reaches the mock and writes a usage row, so both probes see.
    const overHttps = makeCanary('openai');
    const control = await target.send('/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey.raw_key}`, 'x-provider-key': overHttps },
      body: chatBody('openai', 'gpt-4o-mini', 'hello', false),
    });
    requireStatus(control, 200, 'the same request over HTTPS (positive control)', control.body);
    const controlReached = await reached(overHttps);
    const rowsAfterHttps = await pollUntil(usageCount, (rows) => rows === 1);
    await evidence.positiveControl('HTTPS request reached the mock and wrote a usage row', {
      providerKey: fingerprint(overHttps),
      reachedUpstream: controlReached,
      usageRows: rowsAfterHttps,
    });
    precondition(
      controlReached,
      'the HTTPS request never reached the mock provider: the probe would not see one over HTTP either',
    );
    precondition(
      rowsAfterHttps === 1,
      `the HTTPS request left ${rowsAfterHttps} usage rows, not 1: the usage probe is blind`,
    );

    const overHttp = makeCanary('openai');
    const response = await send(replica.httpUrl, overHttp);
    await response.body.dump();
    await sleep(QUIET_PERIOD_MS);
    const reachedUpstream = await reached(overHttp);
    const rowsAfterHttp = await usageCount();
    await evidence.record('credentialed POST over HTTP', {
      status: response.statusCode,
      providerKey: fingerprint(overHttp),
      reachedUpstream,
      usageRows: rowsAfterHttp,
    });
    expect(REDIRECTS).toContain(response.statusCode);
    expect(reachedUpstream).toBe(false);
    expect(rowsAfterHttp).toBe(rowsAfterHttps);
  });
});
