// What certificate an endpoint presents: its key, its chain, and whether it verifies against a given CA and name.
import { createHash, type X509Certificate } from 'node:crypto';
import { connect, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import { HarnessError, messageOf } from '../errors.ts';
import type { TlsEndpoint } from './tls-probe.ts';
import { type CertificateKey, curveBits } from './tls-profile.ts';

export interface CertificateReport {
  /** chain and hostname verify against the CA the probe was given */
  authorized: boolean;
  authorizationError: string | null;
  protocol: string | null;
  key: CertificateKey;
  leaf: { subject: string; issuer: string; validTo: string; sha256: string; subjectAltName: string | null };
  /** subjects from the leaf up, as the server sent them */
  chain: string[];
  /** the key exchange group of this handshake (ECDH name and size) */
  ephemeralKey: { type: string | null; name: string | null; size: number | null };
}

const TIMEOUT_MS = 5_000;

function keyOf(certificate: X509Certificate): CertificateKey {
  const type = certificate.publicKey.asymmetricKeyType ?? 'unknown';
  const details = certificate.publicKey.asymmetricKeyDetails ?? {};
  if (type === 'ec') {
    const curve = details.namedCurve ?? null;
    return { type, bits: curveBits(details.namedCurve), curve };
  }
  return { type, bits: details.modulusLength ?? null, curve: null };
}

function chainOf(peer: DetailedPeerCertificate): string[] {
  const subjects: string[] = [];
  const seen = new Set<string>();
  let current: DetailedPeerCertificate | undefined = peer;
  while (current?.fingerprint256 !== undefined && !seen.has(current.fingerprint256)) {
    seen.add(current.fingerprint256);
    subjects.push(
      Object.entries(current.subject ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(', '),
    );
    current = current.issuerCertificate;
  }
  return subjects;
}

/** One TLS 1.2+ handshake trusting only `caPem`, reporting what was presented (it never refuses a bad one). */
export function inspectCertificate(endpoint: TlsEndpoint, caPem: string): Promise<CertificateReport> {
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = connect({
      host: endpoint.host,
      port: endpoint.port,
      ...(endpoint.servername === undefined ? {} : { servername: endpoint.servername }),
      ca: caPem,
      minVersion: 'TLSv1.2',
      // report the verdict instead of aborting: a bad chain is a finding to record, not a crash
      rejectUnauthorized: false,
      timeout: TIMEOUT_MS,
    });
    socket.once('secureConnect', () => {
      // read the detailed chain first: on Node 24 it comes back empty once the X509 object was taken
      const chain = chainOf(socket.getPeerCertificate(true));
      const x509 = socket.getPeerX509Certificate();
      if (x509 === undefined) {
        socket.destroy();
        reject(
          new HarnessError(
            'HARNESS_ERR_TLS_PROBE_FAILED',
            `${endpoint.host}:${endpoint.port} sent no certificate`,
          ),
        );
        return;
      }
      const ephemeral = socket.getEphemeralKeyInfo();
      const error = socket.authorizationError as unknown;
      const report: CertificateReport = {
        authorized: socket.authorized,
        authorizationError: error === null || error === undefined ? null : String(error),
        protocol: socket.getProtocol(),
        key: keyOf(x509),
        leaf: {
          subject: x509.subject.replaceAll('\n', ', '),
          issuer: x509.issuer.replaceAll('\n', ', '),
          validTo: x509.validTo,
          sha256: createHash('sha256').update(x509.raw).digest('hex'),
          subjectAltName: x509.subjectAltName ?? null,
        },
        chain,
        ephemeralKey: {
          type: ephemeral && 'type' in ephemeral ? (ephemeral.type ?? null) : null,
          name: ephemeral && 'name' in ephemeral ? (ephemeral.name ?? null) : null,
          size: ephemeral && 'size' in ephemeral ? (ephemeral.size ?? null) : null,
        },
      };
      socket.destroy();
      resolve(report);
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(
        new HarnessError(
          'HARNESS_ERR_TLS_PROBE_FAILED',
          `no TLS answer from ${endpoint.host}:${endpoint.port}`,
        ),
      );
    });
    socket.once('error', (error) => {
      socket.destroy();
      reject(
        new HarnessError(
          'HARNESS_ERR_TLS_PROBE_FAILED',
          `TLS 1.2+ handshake with ${endpoint.host}:${endpoint.port} failed: ${messageOf(error)}`,
          { cause: error },
        ),
      );
    });
  });
}
