// IANA cipher suite code points the raw probes offer, with names for evidence (TLS Cipher Suites registry).

/** Names of the suites evidence is likely to mention; any other code is shown as hex. */
const IANA_NAMES: Readonly<Record<number, string>> = {
  1: 'TLS_RSA_WITH_NULL_MD5',
  2: 'TLS_RSA_WITH_NULL_SHA',
  3: 'TLS_RSA_EXPORT_WITH_RC4_40_MD5',
  4: 'TLS_RSA_WITH_RC4_128_MD5',
  5: 'TLS_RSA_WITH_RC4_128_SHA',
  9: 'TLS_RSA_WITH_DES_CBC_SHA',
  10: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA',
  22: 'TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA',
  47: 'TLS_RSA_WITH_AES_128_CBC_SHA',
  51: 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA',
  53: 'TLS_RSA_WITH_AES_256_CBC_SHA',
  57: 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA',
  60: 'TLS_RSA_WITH_AES_128_CBC_SHA256',
  61: 'TLS_RSA_WITH_AES_256_CBC_SHA256',
  103: 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA256',
  107: 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA256',
  156: 'TLS_RSA_WITH_AES_128_GCM_SHA256',
  157: 'TLS_RSA_WITH_AES_256_GCM_SHA384',
  158: 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256',
  159: 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384',
  49159: 'TLS_ECDHE_ECDSA_WITH_RC4_128_SHA',
  49160: 'TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA',
  49161: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA',
  49162: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA',
  49169: 'TLS_ECDHE_RSA_WITH_RC4_128_SHA',
  49170: 'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA',
  49171: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
  49172: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
  49187: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256',
  49188: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384',
  49191: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256',
  49192: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384',
  49195: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  49196: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  49199: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  49200: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  49324: 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM',
  49325: 'TLS_ECDHE_ECDSA_WITH_AES_256_CCM',
  49326: 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8',
  49327: 'TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8',
  52392: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
  52393: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  52394: 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
  4865: 'TLS_AES_128_GCM_SHA256',
  4866: 'TLS_AES_256_GCM_SHA384',
  4867: 'TLS_CHACHA20_POLY1305_SHA256',
  4868: 'TLS_AES_128_CCM_SHA256',
  4869: 'TLS_AES_128_CCM_8_SHA256',
};

export function suiteName(code: number): string {
  return IANA_NAMES[code] ?? `0x${code.toString(16).padStart(4, '0')}`;
}

/** The code of an IANA suite name, or undefined when the table above doesn't hold it. */
export function suiteCode(name: string): number | undefined {
  const entry = Object.entries(IANA_NAMES).find(([, value]) => value === name);
  return entry === undefined ? undefined : Number(entry[0]);
}

/** What SSLv3 servers spoke: RSA and DHE key exchange with 3DES, RC4, DES and AES-CBC (testssl.sh offers the same families). */
export const SSLV3_SUITES: readonly number[] = [
  0x0035, 0x002f, 0x000a, 0x0005, 0x0004, 0x0039, 0x0033, 0x0016, 0x0009, 0xc014, 0xc013, 0xc00a, 0xc009,
];

/**
 * Every code point a TLS 1.0–1.2 server could pick: the whole 0x00xx page (minus the renegotiation
 * SCSV) and the 0xC0xx/0xCCxx pages where ECDHE, CCM, ARIA, Camellia and ChaCha20 live. Offering
 * code points a server doesn't know costs nothing; it ignores them.
 */
export function allTls12CodePoints(): number[] {
  const codes: number[] = [];
  for (let code = 0x0001; code <= 0x00fe; code++) codes.push(code);
  for (let code = 0xc001; code <= 0xc0ff; code++) codes.push(code);
  for (let code = 0xcc00; code <= 0xccff; code++) codes.push(code);
  return codes;
}
