// TRANSPORT-01: SSLv3, TLS 1.0 and TLS 1.1 are refused — one version per handshake, each probe first proven on a deliberately weak server.

import { afterAll } from 'vitest';
import { describe, expect, test } from '../../fixtures/test.ts';
import { type StartedWeakTlsServer, startWeakTlsServer } from '../../fixtures/weak-tls-server.ts';
import { claimTitle } from '../../harness/claims.ts';
import { HarnessError } from '../../harness/errors.ts';
import {
  endpointOf,
  type HandshakeOutcome,
  type ProbeVersion,
  probeTlsVersion,
} from '../../harness/tls/tls-probe.ts';

const OLD_VERSIONS: { name: string; version: ProbeVersion }[] = [
  { name: 'SSLv3 (hand-built ClientHello)', version: 'SSLv3' },
  { name: 'TLS 1.0', version: 'TLSv1' },
  { name: 'TLS 1.1', version: 'TLSv1.1' },
];

let weakServer: Promise<StartedWeakTlsServer> | undefined;
const weak = () => {
  weakServer ??= startWeakTlsServer();
  return weakServer;
};
afterAll(async () => {
  await (await weakServer)?.stop();
});

const calibrations = new Map<ProbeVersion, Promise<HandshakeOutcome>>();

/**
 * The probe's verdict on the target counts only once it has seen `version` accepted by the weak
 * server; otherwise a refusal might be the probe's own blindness, and the check is an error.
 */
async function requireDetected(version: ProbeVersion): Promise<HandshakeOutcome> {
  if (!calibrations.has(version)) {
    calibrations.set(
      version,
      weak().then((server) => probeTlsVersion(server.endpoint, version)),
    );
  }
  const outcome = await calibrations.get(version)!;
  if (outcome.result !== 'accepted' || outcome.protocol !== version) {
    throw new HarnessError(
      'HARNESS_ERR_TLS_PROBE_BLIND',
      `the probe did not see ${version} on the deliberately weak server (${JSON.stringify(outcome)}); its result on the target would prove nothing`,
    );
  }
  return outcome;
}

describe(claimTitle('TRANSPORT-01'), () => {
  test.for(OLD_VERSIONS)(
    'sees $name accepted by the deliberately weak server (positive control)',
    async ({ version }, { evidence }) => {
      const outcome = await requireDetected(version);
      await evidence.positiveControl(`${version} detected on the weak server`, {
        endpoint: (await weak()).endpoint,
        outcome,
      });
    },
  );

  test.for(OLD_VERSIONS)('refuses $name on every replica', async ({ version }, { env, evidence }) => {
    const control = await requireDetected(version);
    for (const [index, replica] of env.replicas.entries()) {
      const endpoint = endpointOf(replica.httpsUrl);
      // a refusal counts only from an endpoint that speaks TLS at all
      const modern = await probeTlsVersion(endpoint, 'TLSv1.2');
      if (modern.result !== 'accepted') {
        throw new HarnessError(
          'HARNESS_ERR_TLS_PROBE_FAILED',
          `replica ${index} (${replica.httpsUrl}) refused a TLS 1.2 handshake too (${modern.how}): it cannot tell an old-version refusal from a broken endpoint`,
        );
      }
      const outcome = await probeTlsVersion(endpoint, version);
      await evidence.record(`${version} offered alone to replica ${index}`, {
        endpoint,
        outcome,
        reachableWith: `${modern.protocol} ${modern.standardName}`,
        positiveControl: { weakServer: control },
      });
      expect(outcome.result, `replica ${index} accepted ${version}`).toBe('refused');
    }
  });
});
