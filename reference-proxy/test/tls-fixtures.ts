// Test helper: a throwaway CA and certificates made with the openssl CLI (node:crypto can't sign X.509).
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TlsFixtures {
  dir: string;
  caFile: string;
  caPem: string;
  /** for localhost, 127.0.0.1 and api.mintoken.test */
  serverCertFile: string;
  serverKeyFile: string;
  serverCert: string;
  serverKey: string;
  /** a certificate for localhost/127.0.0.1 from a CA nobody trusts */
  untrustedCert: string;
  untrustedKey: string;
  remove(): Promise<void>;
}

const SUBJECT_ALT_NAMES = 'subjectAltName=DNS:localhost,DNS:api.mintoken.test,IP:127.0.0.1';

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'ignore' });
}

function makeCa(dir: string, name: string): void {
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`], dir);
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      `${name}.key`,
      '-sha256',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-out',
      `${name}.pem`,
    ],
    dir,
  );
}

function makeLeaf(dir: string, name: string, ca: string): void {
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`], dir);
  openssl(['req', '-new', '-key', `${name}.key`, '-subj', '/CN=localhost', '-out', `${name}.csr`], dir);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.pem`,
      '-CAkey',
      `${ca}.key`,
      '-CAcreateserial',
      '-days',
      '2',
      '-sha256',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.pem`,
    ],
    dir,
  );
}

export async function createTlsFixtures(): Promise<TlsFixtures> {
  const dir = await mkdtemp(join(tmpdir(), 'mintoken-tls-'));
  makeCa(dir, 'test-ca');
  makeCa(dir, 'rogue-ca');
  for (const leaf of ['server', 'untrusted']) {
    await writeFile(join(dir, `${leaf}.ext`), `${SUBJECT_ALT_NAMES}\nextendedKeyUsage=serverAuth\n`);
  }
  makeLeaf(dir, 'server', 'test-ca');
  makeLeaf(dir, 'untrusted', 'rogue-ca');
  const read = (file: string) => readFile(join(dir, file), 'utf8');
  return {
    dir,
    caFile: join(dir, 'test-ca.pem'),
    caPem: await read('test-ca.pem'),
    serverCertFile: join(dir, 'server.pem'),
    serverKeyFile: join(dir, 'server.key'),
    serverCert: await read('server.pem'),
    serverKey: await read('server.key'),
    untrustedCert: await read('untrusted.pem'),
    untrustedKey: await read('untrusted.key'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
