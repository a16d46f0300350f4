// The per-run test CA and the server certificates it signs (target, mock upstreams, untrusted).
import { webcrypto } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import './reflect-metadata.ts';
import * as x509 from '@peculiar/x509';
import { HarnessError, messageOf } from './errors.ts';

const EC_KEY: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const ONE_DAY_MS = 24 * 60 * 60 * 1_000;
/** Backdated so a clock a little behind ours still accepts the certificates. */
const NOT_BEFORE_SKEW_MS = 60 * 60 * 1_000;

/** The name browser checks map to loopback; the target's certificate holds it. */
export const TLS_HOSTNAME = 'api.mintoken.test';
export const TARGET_HOSTS = ['localhost', '127.0.0.1', '::1', TLS_HOSTNAME] as const;
export const UPSTREAM_HOSTS = ['localhost', '127.0.0.1'] as const;

/** A certificate with its private key, both PEM. */
export interface PemKeyPair {
  certPem: string;
  keyPem: string;
}

export interface CertificateAuthority extends PemKeyPair {
  readonly name: string;
  /** Signs a server certificate (serverAuth) for DNS names and IP addresses. */
  issueServerCertificate(hosts: readonly string[]): Promise<PemKeyPair>;
}

/** Where a run's PEM files were written. */
export interface RunCertificateFiles {
  caCertFile: string;
  targetCertFile: string;
  targetKeyFile: string;
  upstreamCertFile: string;
  upstreamKeyFile: string;
}

export interface RunCertificates {
  ca: CertificateAuthority;
  target: PemKeyPair;
  upstream: PemKeyPair;
  files: RunCertificateFiles;
}

async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify']);
}

function validity(days: number): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - NOT_BEFORE_SKEW_MS), notAfter: new Date(now + days * ONE_DAY_MS) };
}

/** A fresh CA (ECDSA P-256, valid 2 days) named `name`; nothing trusts it until a test says so. */
export async function createCertificateAuthority(name: string): Promise<CertificateAuthority> {
  const keys = await generateKeys();
  const subject = `CN=${name}, O=Mintoken security harness`;
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    name: subject,
    keys,
    signingAlgorithm: SIGNING,
    ...validity(2),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const keyPem = await privateKeyPem(keys.privateKey);
  return {
    name,
    certPem: caCert.toString('pem'),
    keyPem,
    async issueServerCertificate(hosts) {
      const leafKeys = await generateKeys();
      const leaf = await x509.X509CertificateGenerator.create({
        subject: `CN=${hosts[0] ?? 'localhost'}`,
        issuer: caCert.subject,
        publicKey: leafKeys.publicKey,
        signingKey: keys.privateKey,
        signingAlgorithm: SIGNING,
        ...validity(1),
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
          new x509.SubjectAlternativeNameExtension(
            hosts.map((host) => ({ type: isIP(host) === 0 ? 'dns' : 'ip', value: host })),
          ),
          await x509.SubjectKeyIdentifierExtension.create(leafKeys.publicKey),
          await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey),
        ],
      });
      return { certPem: leaf.toString('pem'), keyPem: await privateKeyPem(leafKeys.privateKey) };
    },
  };
}

/**
 * A server certificate for `hosts` signed by a throwaway CA that nobody trusts: TRANSPORT-06
 * points the target at an upstream that presents it, and the target must refuse the handshake.
 */
export async function createUntrustedServerCertificate(
  hosts: readonly string[] = UPSTREAM_HOSTS,
): Promise<PemKeyPair & { caCertPem: string }> {
  const rogue = await createCertificateAuthority('Untrusted rogue CA');
  return { ...(await rogue.issueServerCertificate(hosts)), caCertPem: rogue.certPem };
}

/**
 * The test CA of a run, the target's and the mock upstreams' certificates, written to `dir`.
 * `extraUpstreamHosts`: more names/addresses the upstream certificate holds (containers mode: the gateway).
 */
export async function createRunCertificates(
  dir: string,
  extraUpstreamHosts: readonly string[] = [],
): Promise<RunCertificates> {
  try {
    const ca = await createCertificateAuthority('Mintoken harness test CA');
    const [target, upstream] = await Promise.all([
      ca.issueServerCertificate(TARGET_HOSTS),
      ca.issueServerCertificate([...UPSTREAM_HOSTS, ...extraUpstreamHosts]),
    ]);
    await mkdir(dir, { recursive: true });
    const files: RunCertificateFiles = {
      caCertFile: path.join(dir, 'test-ca.pem'),
      targetCertFile: path.join(dir, 'target-cert.pem'),
      targetKeyFile: path.join(dir, 'target-key.pem'),
      upstreamCertFile: path.join(dir, 'upstream-cert.pem'),
      upstreamKeyFile: path.join(dir, 'upstream-key.pem'),
    };
    await Promise.all([
      writeFile(files.caCertFile, ca.certPem),
      writeFile(files.targetCertFile, target.certPem),
      writeFile(files.targetKeyFile, target.keyPem, { mode: 0o600 }),
      writeFile(files.upstreamCertFile, upstream.certPem),
      writeFile(files.upstreamKeyFile, upstream.keyPem, { mode: 0o600 }),
    ]);
    return { ca, target, upstream, files };
  } catch (error) {
    throw new HarnessError(
      'HARNESS_ERR_CERTS_FAILED',
      `could not create the run's test CA and certificates in ${dir}: ${messageOf(error)}. ` +
        'Check that the scratch directory is writable.',
      { cause: error },
    );
  }
}
