// Hand-built ClientHellos (SSLv3 and TLS 1.0–1.2) and a parser for what the server answers, as testssl.sh does.
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';

/** Wire versions (record and handshake `client_version`). */
export const WIRE_VERSIONS = {
  SSLv3: 0x0300,
  TLSv1: 0x0301,
  'TLSv1.1': 0x0302,
  'TLSv1.2': 0x0303,
} as const;
export type RawHelloVersion = keyof typeof WIRE_VERSIONS;

const CONTENT_HANDSHAKE = 0x16;
const CONTENT_ALERT = 0x15;
const HANDSHAKE_CLIENT_HELLO = 0x01;
const HANDSHAKE_SERVER_HELLO = 0x02;
const RECORD_HEADER_BYTES = 5;

/** TLS_EMPTY_RENEGOTIATION_INFO_SCSV: says "secure renegotiation" without an extension (SSLv3 has none). */
export const RENEGOTIATION_SCSV = 0x00ff;

/** RFC 8446 §6 alert descriptions, for evidence. */
export const ALERT_NAMES: Readonly<Record<number, string>> = {
  0: 'close_notify',
  10: 'unexpected_message',
  20: 'bad_record_mac',
  40: 'handshake_failure',
  42: 'bad_certificate',
  43: 'unsupported_certificate',
  46: 'certificate_unknown',
  47: 'illegal_parameter',
  48: 'unknown_ca',
  50: 'decode_error',
  51: 'decrypt_error',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
  86: 'inappropriate_fallback',
  90: 'user_canceled',
  109: 'missing_extension',
  110: 'unsupported_extension',
  112: 'unrecognized_name',
};

export function alertName(description: number): string {
  return ALERT_NAMES[description] ?? `alert_${description}`;
}

export function versionName(wire: number): string {
  const known = Object.entries(WIRE_VERSIONS).find(([, value]) => value === wire);
  if (known) return known[0];
  return wire === 0x0304 ? 'TLSv1.3' : `0x${wire.toString(16).padStart(4, '0')}`;
}

export interface ClientHelloOptions {
  version: RawHelloVersion;
  cipherSuites: readonly number[];
  /** SNI; dropped for IP literals (RFC 6066 forbids them) */
  serverName?: string;
}

const u8 = (value: number) => Buffer.from([value & 0xff]);
const u16 = (value: number) => Buffer.from([(value >> 8) & 0xff, value & 0xff]);
const u24 = (value: number) => Buffer.from([(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff]);
const vector16 = (body: Buffer) => Buffer.concat([u16(body.length), body]);
const extension = (type: number, body: Buffer) => Buffer.concat([u16(type), vector16(body)]);

// x25519, secp256r1, secp384r1, secp521r1, ffdhe2048, ffdhe3072
const SUPPORTED_GROUPS = [0x001d, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101];
// ecdsa/rsa-pss/rsa-pkcs1 with SHA-256/384/512, then the SHA-1 pair old servers need
const SIGNATURE_ALGORITHMS = [
  0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201,
];
const EXTENDED_MASTER_SECRET = 0x0017;

/**
 * The extensions a TLS 1.0–1.2 server needs to pick any suite it allows (ECDHE needs groups and
 * point formats; TLS 1.2 signatures need signature_algorithms). No supported_versions: the
 * hello offers exactly its `client_version` and nothing above it.
 */
function tlsExtensions(version: RawHelloVersion, serverName: string | undefined): Buffer {
  const parts: Buffer[] = [];
  if (serverName !== undefined && isIP(serverName) === 0) {
    const name = Buffer.from(serverName, 'ascii');
    parts.push(extension(0x0000, vector16(Buffer.concat([u8(0), vector16(name)]))));
  }
  parts.push(extension(0x000a, vector16(Buffer.concat(SUPPORTED_GROUPS.map(u16)))));
  parts.push(extension(0x000b, Buffer.from([1, 0])));
  if (version === 'TLSv1.2') {
    parts.push(extension(0x000d, vector16(Buffer.concat(SIGNATURE_ALGORITHMS.map(u16)))));
  }
  parts.push(extension(EXTENDED_MASTER_SECRET, Buffer.alloc(0)));
  return Buffer.concat(parts);
}

/** One handshake record holding a ClientHello that offers exactly `version` and `cipherSuites`. */
export function buildClientHello(options: ClientHelloOptions): Buffer {
  const wire = WIRE_VERSIONS[options.version];
  const suites = Buffer.concat(options.cipherSuites.map(u16));
  const bodyParts = [
    u16(wire),
    randomBytes(32),
    u8(0), // no session id
    vector16(suites),
    Buffer.from([1, 0]), // compression: null only
  ];
  // SSLv3 predates extensions; an SSLv3-only server may reject a hello that carries them
  if (options.version !== 'SSLv3')
    bodyParts.push(vector16(tlsExtensions(options.version, options.serverName)));
  const body = Buffer.concat(bodyParts);
  const handshake = Buffer.concat([u8(HANDSHAKE_CLIENT_HELLO), u24(body.length), body]);
  // Record version: SSLv3 for SSLv3, TLS 1.0 otherwise (what real clients send for compatibility)
  const recordVersion = options.version === 'SSLv3' ? 0x0300 : 0x0301;
  return Buffer.concat([u8(CONTENT_HANDSHAKE), u16(recordVersion), vector16(handshake)]);
}

/** What a server answered to a hand-built ClientHello. */
export type ServerAnswer =
  | { kind: 'server_hello'; version: number; cipherSuite: number }
  | { kind: 'alert'; level: number; description: number; name: string }
  /** the server needs more bytes to decide (the caller keeps reading) */
  | { kind: 'incomplete' }
  /** bytes that are not a TLS handshake or alert (an HTTP server, say) */
  | { kind: 'unparseable'; firstBytes: string };

/**
 * Parses the first handshake message or alert out of the bytes a server sent. Handshake messages
 * may span records, so handshake payloads are joined before the ServerHello is read.
 */
export function parseServerAnswer(bytes: Buffer): ServerAnswer {
  let offset = 0;
  let handshake = Buffer.alloc(0);
  while (offset + RECORD_HEADER_BYTES <= bytes.length) {
    const type = bytes[offset] ?? 0;
    const length = bytes.readUInt16BE(offset + 3);
    if ((type !== CONTENT_HANDSHAKE && type !== CONTENT_ALERT) || (bytes[offset + 1] ?? 0) !== 0x03) {
      return { kind: 'unparseable', firstBytes: bytes.subarray(0, 16).toString('hex') };
    }
    const end = offset + RECORD_HEADER_BYTES + length;
    if (end > bytes.length) return { kind: 'incomplete' };
    const payload = bytes.subarray(offset + RECORD_HEADER_BYTES, end);
    if (type === CONTENT_ALERT) {
      if (payload.length < 2) return { kind: 'unparseable', firstBytes: payload.toString('hex') };
      const description = payload[1] ?? 0;
      return { kind: 'alert', level: payload[0] ?? 0, description, name: alertName(description) };
    }
    handshake = Buffer.concat([handshake, payload]);
    if (handshake.length >= 4) {
      const messageType = handshake[0];
      const messageLength = handshake.readUIntBE(1, 3);
      if (messageType !== HANDSHAKE_SERVER_HELLO) {
        return { kind: 'unparseable', firstBytes: handshake.subarray(0, 16).toString('hex') };
      }
      if (handshake.length >= 4 + messageLength)
        return parseServerHello(handshake.subarray(4, 4 + messageLength));
    }
    offset = end;
  }
  if (bytes.length > 0 && bytes[0] !== CONTENT_HANDSHAKE && bytes[0] !== CONTENT_ALERT) {
    return { kind: 'unparseable', firstBytes: bytes.subarray(0, 16).toString('hex') };
  }
  return { kind: 'incomplete' };
}

function parseServerHello(body: Buffer): ServerAnswer {
  // server_version(2) random(32) session_id<0..32> cipher_suite(2) compression(1) …
  if (body.length < 2 + 32 + 1) return { kind: 'unparseable', firstBytes: body.toString('hex') };
  const version = body.readUInt16BE(0);
  const sessionIdLength = body[34] ?? 0;
  const suiteAt = 35 + sessionIdLength;
  if (body.length < suiteAt + 2) return { kind: 'unparseable', firstBytes: body.toString('hex') };
  return { kind: 'server_hello', version, cipherSuite: body.readUInt16BE(suiteAt) };
}

/** A ServerHello record (and ServerHelloDone) for a hand-written server that speaks only SSLv3. */
export function buildSslv3ServerHello(cipherSuite: number): Buffer {
  const body = Buffer.concat([u16(0x0300), randomBytes(32), u8(0), u16(cipherSuite), u8(0)]);
  const hello = Buffer.concat([u8(HANDSHAKE_SERVER_HELLO), u24(body.length), body]);
  const done = Buffer.from([0x0e, 0, 0, 0]);
  return Buffer.concat([u8(CONTENT_HANDSHAKE), u16(0x0300), vector16(Buffer.concat([hello, done]))]);
}

/** The `client_version` and offered suites of a ClientHello record, or null when the bytes are not one. */
export function parseClientHello(bytes: Buffer): { version: number; cipherSuites: number[] } | null {
  if (bytes.length < RECORD_HEADER_BYTES + 4 + 2 + 32 + 1) return null;
  if (bytes[0] !== CONTENT_HANDSHAKE || bytes[RECORD_HEADER_BYTES] !== HANDSHAKE_CLIENT_HELLO) return null;
  const body = bytes.subarray(RECORD_HEADER_BYTES + 4);
  const version = body.readUInt16BE(0);
  const sessionIdLength = body[34] ?? 0;
  const suitesAt = 35 + sessionIdLength;
  if (body.length < suitesAt + 2) return null;
  const suitesLength = body.readUInt16BE(suitesAt);
  const cipherSuites: number[] = [];
  for (let i = 0; i + 1 < suitesLength && suitesAt + 2 + i + 1 < body.length; i += 2) {
    cipherSuites.push(body.readUInt16BE(suitesAt + 2 + i));
  }
  return { version, cipherSuites };
}
