// Unit tests of the per-run test CA: the chain verifies, the names match, an untrusted cert is refused.
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, createServer } from 'node:tls';
import { describe, expect, it } from 'vitest';
import {
  createRunCertificates,
  createUntrustedServerCertificate,
  type PemKeyPair,
  TLS_HOSTNAME,
} from './certs.ts';

/** Completes a TLS handshake to a server presenting `server`, trusting only `caPem`. */
async function handshake(
  server: PemKeyPair,
  caPem: string,
  servername: string,
): Promise<'authorized' | string> {
  const tlsServer = createServer({ cert: server.certPem, key: server.keyPem }, (socket) => socket.end());
  tlsServer.listen(0, '127.0.0.1');
  await once(tlsServer, 'listening');
  const { port } = tlsServer.address() as AddressInfo;
  try {
    return await new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, ca: caPem, servername }, () => {
        socket.end();
        resolve('authorized');
      });
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
  } finally {
    tlsServer.close();
  }
}

describe('test CA and certificates', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'certs-test-'));
  const certs = await createRunCertificates(dir);

  it('issues a target certificate the test CA verifies, for every contract name', async () => {
    const ca = new X509Certificate(certs.ca.certPem);
    const leaf = new X509Certificate(certs.target.certPem);
    expect(ca.ca).toBe(true);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkHost('localhost')).toBe('localhost');
    expect(leaf.checkHost(TLS_HOSTNAME)).toBe(TLS_HOSTNAME);
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkIP('::1')).toBe('::1');
    expect(leaf.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });

  it('completes a TLS handshake to the target name when only the test CA is trusted', async () => {
    expect(await handshake(certs.target, certs.ca.certPem, TLS_HOSTNAME)).toBe('authorized');
    expect(await handshake(certs.upstream, certs.ca.certPem, 'localhost')).toBe('authorized');
  });

  it('refuses a certificate signed by another CA', async () => {
    const untrusted = await createUntrustedServerCertificate();
    // Positive control: the same certificate passes with its own CA, so the refusal is about trust.
    expect(await handshake(untrusted, untrusted.caCertPem, 'localhost')).toBe('authorized');
    expect(await handshake(untrusted, certs.ca.certPem, 'localhost')).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('refuses the upstream certificate for the target name it does not hold', async () => {
    expect(await handshake(certs.upstream, certs.ca.certPem, TLS_HOSTNAME)).toBe(
      'ERR_TLS_CERT_ALTNAME_INVALID',
    );
  });

  it('writes the PEM files, private keys readable by the owner only', async () => {
    expect(await readFile(certs.files.caCertFile, 'utf8')).toBe(certs.ca.certPem);
    expect(await readFile(certs.files.targetCertFile, 'utf8')).toBe(certs.target.certPem);
    expect((await stat(certs.files.targetKeyFile)).mode & 0o777).toBe(0o600);
    expect((await stat(certs.files.upstreamKeyFile)).mode & 0o777).toBe(0o600);
    await rm(dir, { recursive: true, force: true });
  });
});
