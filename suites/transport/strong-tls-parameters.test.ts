// TRANSPORT-02: TLS 1.2/1.3 work with strong parameters only — every accepted suite is in Mozilla intermediate (as data), the key is strong and the chain verifies.

import { afterAll } from 'vitest';
import { describe, expect, test } from '../../fixtures/test.ts';
import {
  type StartedWeakTlsServer,
  startWeakTlsServer,
  WEAK_SERVER_OFFERS,
} from '../../fixtures/weak-tls-server.ts';
import { claimTitle } from '../../harness/claims.ts';
import { HarnessError } from '../../harness/errors.ts';
import { type CertificateReport, inspectCertificate } from '../../harness/tls/certificate-probe.ts';
import { suiteCode, suiteName } from '../../harness/tls/cipher-suites.ts';
import {
  endpointOf,
  enumerateSuites,
  knownSuites,
  probeTlsVersion,
  sweepTls12SuitesOutside,
  type TlsEndpoint,
} from '../../harness/tls/tls-probe.ts';
import {
  allowsTls12Suite,
  allowsTls13Suite,
  loadTlsProfile,
  profileLabel,
  weakKeyReason,
} from '../../harness/tls/tls-profile.ts';

const PROFILE = loadTlsProfile();
const ALLOWED_TLS12_CODES = new Set(
  PROFILE.configuration.ciphers.iana.map((name) => {
    const code = suiteCode(name);
    if (code === undefined) throw new Error(`no IANA code point known for ${name}`);
    return code;
  }),
);

let weakServer: Promise<StartedWeakTlsServer> | undefined;
const weak = () => {
  weakServer ??= startWeakTlsServer();
  return weakServer;
};
afterAll(async () => {
  await (await weakServer)?.stop();
});

/** Every TLS 1.2 suite an endpoint accepts: one OpenSSL handshake per suite, then a raw sweep for the rest. */
async function tls12SuitesOutsideProfile(endpoint: TlsEndpoint) {
  const outcomes = await enumerateSuites(endpoint, 'TLSv1.2', knownSuites().tls12);
  const accepted = outcomes.flatMap((o) => (o.result === 'accepted' ? [o.standardName] : []));
  const acceptedOpenSslNames = outcomes.flatMap((o) => (o.result === 'accepted' ? [o.cipher] : []));
  const raw = await sweepTls12SuitesOutside(endpoint, ALLOWED_TLS12_CODES);
  const outside = [
    ...new Set([
      ...accepted.filter((name) => !allowsTls12Suite(PROFILE, name)),
      ...raw.accepted.map(suiteName),
    ]),
  ].sort();
  return { probed: outcomes.length, accepted, acceptedOpenSslNames, outside, rawSweep: raw };
}

/** What is wrong with a certificate; `keySize: false` leaves the key out (a certificate the harness issued). */
function certificateShortfalls(report: CertificateReport, check = { keySize: true }): string[] {
  const weakKey = check.keySize ? weakKeyReason(PROFILE, report.key) : null;
  return [
    ...(weakKey === null ? [] : [weakKey]),
    ...(report.authorized ? [] : [`chain or name does not verify: ${report.authorizationError}`]),
  ];
}

describe(claimTitle('TRANSPORT-02'), () => {
  test('flags the weak suites and the weak certificate of the deliberately weak server (positive control)', async ({
    env,
    evidence,
  }) => {
    const { endpoint } = await weak();
    const suites = await tls12SuitesOutsideProfile(endpoint);
    const certificate = await inspectCertificate(endpoint, env.caPem);
    const shortfalls = certificateShortfalls(certificate);
    await evidence.positiveControl('weak server: suites outside the profile and certificate shortfalls', {
      profile: profileLabel(PROFILE),
      outside: suites.outside,
      rawSweep: suites.rawSweep.accepted.map(suiteName),
      certificate: { key: certificate.key, authorizationError: certificate.authorizationError },
      shortfalls,
    });
    const missedSuites = WEAK_SERVER_OFFERS.weakTls12Suites.filter(
      (name) => !suites.acceptedOpenSslNames.includes(name),
    );
    if (suites.outside.length === 0 || suites.rawSweep.accepted.length === 0 || missedSuites.length > 0) {
      throw new HarnessError(
        'HARNESS_ERR_TLS_PROBE_BLIND',
        `the suite probes did not flag the weak server's ${WEAK_SERVER_OFFERS.weakTls12Suites.join(', ')} (outside: ${suites.outside.join(', ') || 'none'})`,
      );
    }
    if (certificate.key.bits !== WEAK_SERVER_OFFERS.rsaKeyBits || shortfalls.length < 2) {
      throw new HarnessError(
        'HARNESS_ERR_TLS_PROBE_BLIND',
        `the certificate probe did not flag the weak server's self-signed RSA-${WEAK_SERVER_OFFERS.rsaKeyBits} certificate (${shortfalls.join('; ') || 'no shortfall'})`,
      );
    }
  });

  test('completes TLS 1.2 and TLS 1.3 handshakes on every replica', async ({ env, evidence }) => {
    for (const [index, replica] of env.replicas.entries()) {
      const endpoint = endpointOf(replica.httpsUrl);
      const outcomes = [
        await probeTlsVersion(endpoint, 'TLSv1.2'),
        await probeTlsVersion(endpoint, 'TLSv1.3'),
      ];
      await evidence.record(`replica ${index}: TLS 1.2 and 1.3 offered alone`, { endpoint, outcomes });
      for (const outcome of outcomes)
        expect(outcome.result, `${outcome.offered} on replica ${index}`).toBe('accepted');
    }
  });

  test('accepts over TLS 1.2 only forward-secret AEAD suites of Mozilla intermediate', async ({
    env,
    evidence,
  }) => {
    for (const [index, replica] of env.replicas.entries()) {
      const endpoint = endpointOf(replica.httpsUrl);
      const suites = await tls12SuitesOutsideProfile(endpoint);
      await evidence.record(`replica ${index}: TLS 1.2 suites, one per handshake, plus a raw sweep`, {
        profile: profileLabel(PROFILE),
        probedWithOpenSsl: suites.probed,
        accepted: suites.accepted,
        outsideProfile: suites.outside,
        rawSweepEndedWith: suites.rawSweep.lastAnswer,
      });
      // a target that accepts nothing would pass the subset check vacuously
      expect(suites.accepted.length, `replica ${index} accepted no TLS 1.2 suite`).toBeGreaterThan(0);
      expect(suites.outside, `replica ${index} accepts suites outside ${profileLabel(PROFILE)}`).toEqual([]);
    }
  });

  test('accepts over TLS 1.3 only the suites of Mozilla intermediate', async ({ env, evidence }) => {
    for (const [index, replica] of env.replicas.entries()) {
      const endpoint = endpointOf(replica.httpsUrl);
      const outcomes = await enumerateSuites(endpoint, 'TLSv1.3', knownSuites().tls13);
      const accepted = outcomes.flatMap((o) => (o.result === 'accepted' ? [o.standardName] : []));
      const outside = accepted.filter((name) => !allowsTls13Suite(PROFILE, name));
      await evidence.record(`replica ${index}: TLS 1.3 suites, one per handshake`, {
        probed: outcomes.map((o) => o.offered),
        accepted,
        outside,
      });
      expect(accepted.length).toBeGreaterThan(0);
      expect(outside).toEqual([]);
    }
  });

  test.for(['localhost', '127.0.0.1', 'tlsHostname'] as const)(
    'presents a strong key that chains to the trusted CA for %s',
    async (name, { env, evidence }) => {
      const servername = name === 'tlsHostname' ? env.tlsHostname : name;
      // In the modes that start the target, the harness issues its certificate (TLS_CERT_FILE): the key
      // size is then the harness's choice, not the target's, and is recorded as not applicable.
      const harnessIssued = env.mode !== 'external';
      for (const [index, replica] of env.replicas.entries()) {
        const endpoint = endpointOf(replica.httpsUrl, servername === '127.0.0.1' ? undefined : servername);
        const report = await inspectCertificate(endpoint, env.caPem);
        const shortfalls = certificateShortfalls(report, { keySize: !harnessIssued });
        await evidence.record(`replica ${index}: certificate for ${servername}`, {
          profile: profileLabel(PROFILE),
          ...report,
          keySize: harnessIssued
            ? {
                applicable: false,
                reason: `not applicable: the harness issued this certificate (${env.mode} mode); its key (${weakKeyReason(PROFILE, report.key) ?? 'strong'}) says nothing about the target`,
              }
            : { applicable: true, shortfall: weakKeyReason(PROFILE, report.key) },
          shortfalls,
        });
        expect(shortfalls).toEqual([]);
      }
    },
  );
});
