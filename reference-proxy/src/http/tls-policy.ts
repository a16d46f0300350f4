// The HTTPS listener's TLS settings: TLS 1.2 and 1.3 only, Mozilla "intermediate" forward-secret AEAD suites.
import type { SecureContextOptions, SecureVersion } from 'node:tls';

export interface TlsPolicy {
  minVersion: SecureVersion;
  maxVersion: SecureVersion;
  /** OpenSSL cipher string; TLS 1.3 suites are named with their TLS_ prefix */
  ciphers: string;
  honorCipherOrder: boolean;
}

export const MOZILLA_INTERMEDIATE_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

export function createTlsPolicy(): TlsPolicy {
  return {
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.3',
    ciphers: MOZILLA_INTERMEDIATE_CIPHERS,
    honorCipherOrder: true,
  };
}

export function serverTlsOptions(policy: TlsPolicy, cert: Buffer, key: Buffer): SecureContextOptions {
  return { ...policy, cert, key };
}
