// The TLS probe: one protocol version (or one suite) per handshake, through OpenSSL or a hand-built ClientHello.
import { connect as connectTcp } from 'node:net';
import { connect as connectTls, getCiphers, type SecureVersion, type TLSSocket } from 'node:tls';
import { HarnessError, messageOf } from '../errors.ts';
import { allTls12CodePoints, SSLV3_SUITES, suiteName } from './cipher-suites.ts';
import {
  buildClientHello,
  type ClientHelloOptions,
  parseServerAnswer,
  RENEGOTIATION_SCSV,
  type ServerAnswer,
  versionName,
  WIRE_VERSIONS,
} from './client-hello.ts';

export const PROBE_VERSIONS = ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
export type ProbeVersion = (typeof PROBE_VERSIONS)[number];

export interface TlsEndpoint {
  host: string;
  port: number;
  /** SNI and the name the certificate must hold; omitted for a bare IP */
  servername?: string;
}

export type HandshakeOutcome =
  | { offered: string; result: 'accepted'; protocol: string; cipher: string; standardName: string }
  | { offered: string; result: 'refused'; how: string };

const HANDSHAKE_TIMEOUT_MS = 5_000;
/** Node's OpenSSL offers TLS 1.0/1.1 (and their suites) only at security level 0. */
const EVERYTHING_AT_LEVEL_0 = 'ALL:@SECLEVEL=0';

export function endpointOf(httpsUrl: string, servername?: string): TlsEndpoint {
  const url = new URL(httpsUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return { host, port: Number(url.port || 443), ...(servername === undefined ? {} : { servername }) };
}

function addressOf(endpoint: TlsEndpoint): string {
  return `${endpoint.host}:${endpoint.port}`;
}

/** Errors that say the peer refused (an alert, or it hung up after we spoke). */
function refusalOf(error: NodeJS.ErrnoException, connected: boolean): string | null {
  const message = error.message ?? '';
  const alert = /SSL alert number (\d+)/.exec(message);
  if (alert) return `alert ${alert[1]} (${/ alert ([a-z ]+)/i.exec(message)?.[1]?.trim() ?? 'tls alert'})`;
  if (/ALERT/.test(error.code ?? '')) return `alert (${error.code})`;
  if (!connected) return null;
  if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return 'connection closed by the server';
  // The server answered with a version we didn't offer: it does not speak the one we asked for.
  if (error.code === 'ERR_SSL_UNSUPPORTED_PROTOCOL' || error.code === 'ERR_SSL_WRONG_VERSION_NUMBER') {
    return `server answered another version (${error.code})`;
  }
  return null;
}

/** Errors raised on our side before anything was offered: the probe is blind, not the server strict. */
function localFailure(error: NodeJS.ErrnoException): boolean {
  return /NO_PROTOCOLS_AVAILABLE|NO_CIPHERS_AVAILABLE|NO_CIPHER_MATCH|INVALID_ARG/.test(error.code ?? '');
}

interface OpenSslHandshake {
  endpoint: TlsEndpoint;
  version: Exclude<ProbeVersion, 'SSLv3'>;
  ciphers: string;
  offered: string;
  ca?: string;
}

function openSslHandshake(options: OpenSslHandshake): Promise<HandshakeOutcome> {
  const { endpoint, version } = options;
  return new Promise((resolve, reject) => {
    let connected = false;
    const socket: TLSSocket = connectTls({
      host: endpoint.host,
      port: endpoint.port,
      ...(endpoint.servername === undefined ? {} : { servername: endpoint.servername }),
      minVersion: version as SecureVersion,
      maxVersion: version as SecureVersion,
      ciphers: options.ciphers,
      // The question is which protocol and suite the server agrees to, not whether we trust it:
      // inspectCertificate() answers that one, with the CA and the hostname.
      rejectUnauthorized: false,
      timeout: HANDSHAKE_TIMEOUT_MS,
    });
    socket.once('connect', () => {
      connected = true;
    });
    socket.once('secureConnect', () => {
      const cipher = socket.getCipher();
      const protocol = socket.getProtocol() ?? 'unknown';
      socket.destroy();
      resolve(
        protocol === version
          ? {
              offered: options.offered,
              result: 'accepted',
              protocol,
              cipher: cipher.name,
              standardName: cipher.standardName,
            }
          : { offered: options.offered, result: 'refused', how: `negotiated ${protocol} instead` },
      );
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(
        new HarnessError(
          'HARNESS_ERR_TLS_PROBE_FAILED',
          `${options.offered} handshake with ${addressOf(endpoint)} got no answer within ${HANDSHAKE_TIMEOUT_MS} ms`,
        ),
      );
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      socket.destroy();
      if (localFailure(error)) {
        reject(
          new HarnessError(
            'HARNESS_ERR_TLS_PROBE_BLIND',
            `this Node/OpenSSL could not offer ${options.offered} (${error.code}: ${messageOf(error)})`,
            { cause: error },
          ),
        );
        return;
      }
      const how = refusalOf(error, connected);
      if (how !== null) resolve({ offered: options.offered, result: 'refused', how });
      else
        reject(
          new HarnessError(
            'HARNESS_ERR_TLS_PROBE_FAILED',
            `${options.offered} handshake with ${addressOf(endpoint)} failed without an answer from the server: ${error.code ?? ''} ${messageOf(error)}`,
            { cause: error },
          ),
        );
    });
  });
}

/** Sends one hand-built ClientHello and reads until a ServerHello, an alert, or the server hangs up. */
export function sendRawClientHello(
  endpoint: TlsEndpoint,
  hello: ClientHelloOptions,
): Promise<ServerAnswer | { kind: 'closed' }> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    let settled = false;
    let connected = false;
    const socket = connectTcp({ host: endpoint.host, port: endpoint.port });
    const finish = (answer: ServerAnswer | { kind: 'closed' }) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(HANDSHAKE_TIMEOUT_MS, () => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(
        new HarnessError(
          'HARNESS_ERR_TLS_PROBE_FAILED',
          `${hello.version} ClientHello to ${addressOf(endpoint)} got no answer within ${HANDSHAKE_TIMEOUT_MS} ms`,
        ),
      );
    });
    socket.once('connect', () => {
      connected = true;
      socket.write(buildClientHello(hello));
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const answer = parseServerAnswer(received);
      if (answer.kind !== 'incomplete') finish(answer);
    });
    socket.once('end', () => finish({ kind: 'closed' }));
    socket.once('close', () => finish({ kind: 'closed' }));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (connected) {
        finish({ kind: 'closed' });
        return;
      }
      if (settled) return;
      settled = true;
      reject(
        new HarnessError(
          'HARNESS_ERR_TLS_PROBE_FAILED',
          `could not connect to ${addressOf(endpoint)}: ${error.code ?? ''} ${messageOf(error)}`,
          { cause: error },
        ),
      );
    });
  });
}

/** SSLv3: OpenSSL 3 cannot speak it, so the hello is hand-built and only the ServerHello is read. */
async function probeSslv3(endpoint: TlsEndpoint): Promise<HandshakeOutcome> {
  const answer = await sendRawClientHello(endpoint, {
    version: 'SSLv3',
    cipherSuites: [...SSLV3_SUITES, RENEGOTIATION_SCSV],
  });
  switch (answer.kind) {
    case 'server_hello':
      return answer.version === WIRE_VERSIONS.SSLv3
        ? {
            offered: 'SSLv3',
            result: 'accepted',
            protocol: 'SSLv3',
            cipher: suiteName(answer.cipherSuite),
            standardName: suiteName(answer.cipherSuite),
          }
        : { offered: 'SSLv3', result: 'refused', how: `answered ${versionName(answer.version)}` };
    case 'alert':
      return { offered: 'SSLv3', result: 'refused', how: `alert ${answer.description} (${answer.name})` };
    case 'closed':
      return { offered: 'SSLv3', result: 'refused', how: 'connection closed by the server' };
    default:
      throw new HarnessError(
        'HARNESS_ERR_TLS_PROBE_FAILED',
        `the answer of ${addressOf(endpoint)} to an SSLv3 ClientHello is not TLS: ${answer.kind === 'unparseable' ? answer.firstBytes : answer.kind}`,
      );
  }
}

/** Offers exactly `version` (and every suite this client can offer with it) in one handshake. */
export function probeTlsVersion(endpoint: TlsEndpoint, version: ProbeVersion): Promise<HandshakeOutcome> {
  if (version === 'SSLv3') return probeSslv3(endpoint);
  return openSslHandshake({ endpoint, version, ciphers: EVERYTHING_AT_LEVEL_0, offered: version });
}

/** Offers exactly one suite (OpenSSL name) with exactly one version. */
export function probeSuite(
  endpoint: TlsEndpoint,
  version: 'TLSv1.2' | 'TLSv1.3',
  opensslName: string,
): Promise<HandshakeOutcome> {
  const ciphers = version === 'TLSv1.3' ? opensslName : `${opensslName}:@SECLEVEL=0`;
  return openSslHandshake({ endpoint, version, ciphers, offered: `${version} ${opensslName}` });
}

/** Every suite name this Node's OpenSSL knows, split into TLS 1.3 suites and the rest (TLS ≤ 1.2). */
export function knownSuites(): { tls13: string[]; tls12: string[] } {
  const names = getCiphers().map((name) => name.toUpperCase());
  return {
    tls13: names.filter((name) => name.startsWith('TLS_')),
    tls12: names.filter((name) => !name.startsWith('TLS_')),
  };
}

/** Runs `probe` over `items`, `width` at a time, keeping the order. */
async function inBatches<T, R>(
  items: readonly T[],
  width: number,
  probe: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += width) {
    results.push(...(await Promise.all(items.slice(i, i + width).map(probe))));
  }
  return results;
}

/** One handshake per suite; the accepted ones with their standard names. */
export async function enumerateSuites(
  endpoint: TlsEndpoint,
  version: 'TLSv1.2' | 'TLSv1.3',
  names: readonly string[],
): Promise<HandshakeOutcome[]> {
  const outcomes = await inBatches(names, 8, (name) =>
    probeSuite(endpoint, version, name).catch((error: unknown) => {
      // a suite this OpenSSL cannot offer with this version is simply not probed this way
      if (error instanceof HarnessError && error.code === 'HARNESS_ERR_TLS_PROBE_BLIND') return null;
      throw error;
    }),
  );
  return outcomes.filter((outcome): outcome is HandshakeOutcome => outcome !== null);
}

const MAX_RAW_SWEEP_ROUNDS = 64;

/**
 * Asks, with hand-built TLS 1.2 hellos, whether the server picks any suite outside `allowed`:
 * every other code point is offered; each suite the server picks is struck from the offer and
 * the question asked again until it refuses. Covers suites this OpenSSL cannot offer at all
 * (RC4, export, DES …).
 */
export async function sweepTls12SuitesOutside(
  endpoint: TlsEndpoint,
  allowed: ReadonlySet<number>,
): Promise<{ accepted: number[]; lastAnswer: string }> {
  const accepted: number[] = [];
  let offer = allTls12CodePoints().filter((code) => !allowed.has(code));
  for (let round = 0; round < MAX_RAW_SWEEP_ROUNDS && offer.length > 0; round++) {
    const answer = await sendRawClientHello(endpoint, {
      version: 'TLSv1.2',
      cipherSuites: [...offer, RENEGOTIATION_SCSV],
      ...(endpoint.servername === undefined ? {} : { serverName: endpoint.servername }),
    });
    if (answer.kind !== 'server_hello' || answer.version !== WIRE_VERSIONS['TLSv1.2']) {
      const lastAnswer =
        answer.kind === 'alert'
          ? `alert ${answer.description} (${answer.name})`
          : answer.kind === 'server_hello'
            ? `answered ${versionName(answer.version)}`
            : answer.kind;
      return { accepted, lastAnswer };
    }
    accepted.push(answer.cipherSuite);
    offer = offer.filter((code) => code !== answer.cipherSuite);
  }
  return { accepted, lastAnswer: 'stopped after the round limit' };
}
