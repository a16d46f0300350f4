// SECRETS-02: the provider key is never logged — every byte the target wrote is swept for the canary in every encoding.

import { sendChat } from '../../fixtures/proxy-requests.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import type { EnvironmentInfo } from '../../harness/environment-info.ts';
import {
  canaryForms,
  fingerprint,
  makeCanary,
  plantedFormsMissed,
  sweepBuffer,
} from '../../harness/probes/canary.ts';
import { readLogSinks } from '../../harness/probes/target-logs.ts';

function logFilesOf(env: EnvironmentInfo): string[] {
  return env.replicas.flatMap((replica) => replica.logFiles);
}

/** Sweeps every log file for every form of the canary; evidence names files by hash and the canary by fingerprint. */
async function sweepLogs(env: EnvironmentInfo, canary: string) {
  const sinks = await readLogSinks(logFilesOf(env));
  const forms = canaryForms(canary);
  const findings = sinks.flatMap((sink) =>
    sweepBuffer(sink.bytes, forms).map((finding) => ({ file: sink.file, ...finding })),
  );
  return {
    findings,
    evidence: {
      canary: fingerprint(canary),
      formsSearched: forms.length,
      sinks: sinks.map((s) => ({ file: s.file, bytes: s.bytes.length, sha256: s.sha256 })),
      findings,
    },
  };
}

describe(claimTitle('SECRETS-02'), () => {
  test('finds a key planted in the captured logs in every encoding (positive control)', async ({
    env,
    evidence,
  }) => {
    const sinks = await readLogSinks(logFilesOf(env));
    if (sinks.length === 0)
      return evidence.notAssessed('this mode captures no target logs (manifest `logs`)');
    const captured = Buffer.concat(sinks.map((sink) => sink.bytes));
    // An empty capture would make every sweep clean: the target must have logged its start-up.
    expect(captured.length).toBeGreaterThan(0);
    const missed = plantedFormsMissed(captured, 'openai');
    await evidence.positiveControl('planted canary found in every embedding', {
      bytes: captured.length,
      missed,
    });
    expect(missed).toEqual([]);
  });

  test.for(['openai', 'anthropic', 'google'] as const)(
    'keeps the key out of logs on a successful %s request at LOG_LEVEL=debug',
    async (provider, { env, target, mock, apiKey, evidence }) => {
      const providerKey = makeCanary(provider);
      const before = await readLogSinks(logFilesOf(env));
      const response = await sendChat(target, provider, { apiKey: apiKey.raw_key, providerKey });
      expect(response.status).toBe(200);
      // The key really travelled: the mock provider received it, so a clean log is not an idle log.
      const received = await mock.requests({ provider });
      expect(received.some((r) => JSON.stringify(r.headers).includes(providerKey))).toBe(true);
      const { findings, evidence: sweep } = await sweepLogs(env, providerKey);
      const after = sweep.sinks.reduce((sum, s) => sum + s.bytes, 0);
      expect(after).toBeGreaterThan(before.reduce((sum, s) => sum + s.bytes.length, 0));
      await evidence.record(`${provider} request swept in every log`, { status: response.status, ...sweep });
      expect(findings).toEqual([]);
    },
  );

  test('keeps the key out of logs when the upstream echoes it in a 401', async ({
    env,
    target,
    apiKey,
    providerKey,
    evidence,
  }) => {
    const response = await sendChat(target, 'openai', {
      apiKey: apiKey.raw_key,
      providerKey,
      model: 'mock-echo-401',
    });
    // The upstream's error passes through unchanged, echo included: proof the error path ran with this key.
    expect(response.status).toBe(401);
    expect(response.body).toContain(providerKey);
    const { findings, evidence: sweep } = await sweepLogs(env, providerKey);
    await evidence.record('upstream 401 echoing the key, swept in every log', {
      status: response.status,
      ...sweep,
    });
    expect(findings).toEqual([]);
  });
});
