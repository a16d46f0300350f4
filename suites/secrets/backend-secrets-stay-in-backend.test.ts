// SECRETS-09: backend secrets never reach a client or a log — JWT_SECRET, API_KEY_PEPPER and the DB password are swept for in every response and every log line.

import { faker } from '@faker-js/faker';
import { jwtVerify } from 'jose';
import pg from 'pg';
import { afterAll } from 'vitest';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { bearer, TargetClient, type TargetResponse } from '../../harness/contract/client.ts';
import type { EnvironmentInfo } from '../../harness/environment-info.ts';
import { fingerprint } from '../../harness/probes/canary.ts';
import { recordSweep, requireUsableSweep, type SweepSecret, sweepSinks } from '../../harness/probes/sweep.ts';
import { HTTP_REDIRECT_STATUSES, precondition, runSecretsOf } from '../../harness/verdict.ts';
import { openTrafficSession, TRAFFIC_TENANTS, type TrafficSession } from './leak-traffic.ts';
import { requireTrafficOnPlan, runAllPaths } from './traffic-run.ts';

let session: TrafficSession | undefined;
afterAll(async () => {
  await session?.close();
});

function backendSecrets(env: EnvironmentInfo): SweepSecret[] {
  return [
    { value: runSecretsOf(env).jwtSecret, label: 'JWT_SECRET' },
    { value: runSecretsOf(env).apiKeyPepper, label: 'API_KEY_PEPPER' },
    { value: runSecretsOf(env).dbPassword, label: 'database password' },
  ];
}

/** Every management endpoint of the contract, the dashboard page and each asset it links, and the HTTP port. */
async function managementResponses(env: EnvironmentInfo, s: TrafficSession): Promise<TargetResponse[]> {
  const c = s.client;
  const auth = bearer(s.token);
  const out: TargetResponse[] = [];
  const add = async (path: string, init: Parameters<TargetClient['send']>[1] = {}) => {
    const response = await c.send(path, init);
    out.push(response);
    return response;
  };
  await add('/health');
  await add('/version');
  const email = `${faker.person.firstName().toLowerCase()}.${Date.now()}@example.test`;
  await add('/v1/auth/signup', {
    method: 'POST',
    body: { email, password: `${faker.internet.password({ length: 20 })}aA1!` },
  });
  await add('/v1/auth/signup', { method: 'POST', body: { email, password: 'x' } });
  await add('/v1/auth/signup', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"email":',
  });
  await add('/v1/auth/login', { method: 'POST', body: { email, password: 'wrong-password-1A!' } });
  const created = await add('/v1/auth/keys', { method: 'POST', headers: auth, body: {} });
  const id = (JSON.parse(created.body) as { id?: string }).id ?? '00000000-0000-0000-0000-000000000000';
  await add('/v1/auth/keys', { headers: auth });
  await add(`/v1/auth/keys/${id}`, { headers: auth });
  await add(`/v1/auth/keys/${id}`, { method: 'PATCH', headers: auth, body: { intensity: 'nonsense' } });
  await add(`/v1/auth/keys/${id}`, { method: 'DELETE', headers: auth });
  await add('/v1/auth/keys/not-a-uuid', { headers: auth });
  await add('/v1/usage?limit=500', { headers: auth });
  await add('/v1/usage?limit=100000', { headers: auth });
  await add('/v1/analytics/summary?start=not-a-date', { headers: auth });
  await add('/v1/analytics/by-key', { headers: auth });
  await add('/v1/auth/keys', { headers: bearer('not.a.jwt') });
  await add('/no/such/endpoint');
  const page = await add('/dashboard/keys');
  const assets = [...page.body.matchAll(/(?:src|href)="(\/[^"]*)"/g)].map((m) => m[1] as string);
  for (const asset of new Set(assets)) await add(asset);
  const plain = new TargetClient(env.replicas[0]?.httpUrl ?? '', env.caPem);
  try {
    out.push(await plain.send('/v1/usage', { headers: auth }));
  } finally {
    await plain.close();
  }
  return out;
}

describe(claimTitle('SECRETS-09'), () => {
  test('sweeps for the secrets the target really runs with (positive control)', async ({
    env,
    tenant,
    evidence,
  }) => {
    // the session token verifies with the run's JWT_SECRET, and the target's DATABASE_URL carries the password canary
    const verified = await jwtVerify(
      tenant.token,
      new TextEncoder().encode(runSecretsOf(env).jwtSecret),
    ).then(
      () => true,
      () => false,
    );
    const databaseUrl = env.targetEnv.DATABASE_URL;
    let passwordWorks = false;
    if (
      databaseUrl !== undefined &&
      decodeURIComponent(new URL(databaseUrl).password) === runSecretsOf(env).dbPassword
    ) {
      const client = new pg.Client({ connectionString: databaseUrl });
      passwordWorks = await client.connect().then(
        () => true,
        () => false,
      );
      await client.end().catch(() => undefined);
    }
    await evidence.positiveControl('the swept secrets are live', {
      jwtSecret: fingerprint(runSecretsOf(env).jwtSecret),
      sessionTokenVerifiesWithIt: verified,
      dbPassword: fingerprint(runSecretsOf(env).dbPassword),
      targetLogsInWithIt: passwordWorks,
      apiKeyPepper: fingerprint(runSecretsOf(env).apiKeyPepper),
      apiKeyPepperIsTheTargetsEnv: env.targetEnv.API_KEY_PEPPER === runSecretsOf(env).apiKeyPepper,
    });
    // the harness's own set-up: the canaries it sweeps for are the ones the target runs with
    precondition(verified, 'the session token does not verify with the run’s JWT_SECRET canary');
    precondition(passwordWorks, 'the target’s DATABASE_URL does not log in with the run’s password canary');
    precondition(
      env.targetEnv.API_KEY_PEPPER === runSecretsOf(env).apiKeyPepper,
      'the target’s API_KEY_PEPPER is not the run’s canary',
    );
  });

  test('keeps every backend secret out of every response, the dashboard and its assets, and every log line', async ({
    env,
    mock,
    evidence,
  }) => {
    session = await openTrafficSession(env, TRAFFIC_TENANTS);
    const run = await runAllPaths(env, session, mock);
    const responses = [
      ...(await managementResponses(env, session)),
      ...run.paths.flatMap((p) => p.responses),
    ];
    const statuses = [...new Set(responses.map((r) => r.status))].sort();
    const report = await sweepSinks(env, backendSecrets(env), {
      sinks: ['responses', 'logs'],
      responses,
      extraLogFiles: run.extraLogFiles,
    });
    await recordSweep(evidence, 'responses and logs', report, { responses: responses.length, statuses });
    expect(report.findings).toEqual([]);
    if (report.notAssessed.length > 0)
      return evidence.notAssessed(report.notAssessed.map((n) => n.reason).join('; '));
    requireUsableSweep(report);
    requireTrafficOnPlan(run);
    // the error paths ran: 4xx and 5xx answers, the dashboard and a redirect (308 or 301) are among what was swept
    const missing = [200, 201, 400, 401, 404, 413, 429, 500, 502, 504].filter((s) => !statuses.includes(s));
    if (!HTTP_REDIRECT_STATUSES.some((s) => statuses.includes(s))) missing.push(308);
    precondition(
      missing.length === 0,
      `the traffic never produced the statuses ${missing.join(', ')}, so those paths were not swept`,
    );
  });
});
