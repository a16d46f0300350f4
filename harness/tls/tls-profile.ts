// A TLS policy as data (Mozilla's Server Side TLS guidelines) and the decisions TRANSPORT-02 takes from it.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const MOZILLA_INTERMEDIATE_PATH = new URL('../../fixtures/mozilla-intermediate.json', import.meta.url)
  .pathname;

const ConfigurationSchema = z.object({
  certificate_curves: z.array(z.string()),
  certificate_types: z.array(z.string()),
  ciphers: z.object({ iana: z.array(z.string()).min(1), openssl: z.array(z.string()).min(1) }),
  ciphersuites: z.array(z.string()).min(1),
  ecdh_param_size: z.number().int().positive(),
  rsa_key_size: z.number().int().positive(),
  hsts_min_age: z.number().int().positive(),
  tls_curves: z.array(z.string()),
  tls_versions: z.array(z.string()).min(1),
});

export const TlsProfileSchema = z.object({
  source: z.url(),
  version: z.number(),
  profile: z.string(),
  configuration: ConfigurationSchema,
});
export type TlsProfile = z.infer<typeof TlsProfileSchema>;

export function loadTlsProfile(file = MOZILLA_INTERMEDIATE_PATH): TlsProfile {
  return TlsProfileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

/** Where the profile came from, for evidence. */
export function profileLabel(profile: TlsProfile): string {
  return `Mozilla ${profile.profile} ${profile.version} (${profile.source})`;
}

/** Is this TLS 1.2 suite (IANA/RFC name, as Node's getCipher().standardName gives it) in the profile? */
export function allowsTls12Suite(profile: TlsProfile, standardName: string): boolean {
  return profile.configuration.ciphers.iana.includes(standardName);
}

export function allowsTls13Suite(profile: TlsProfile, standardName: string): boolean {
  return profile.configuration.ciphersuites.includes(standardName);
}

/** Curve name → security bits of the field, for the certificate key rule. */
const CURVE_BITS: Readonly<Record<string, number>> = {
  prime256v1: 256,
  secp256k1: 256,
  secp384r1: 384,
  secp521r1: 521,
  brainpoolP256r1: 256,
  brainpoolP384r1: 384,
  brainpoolP512r1: 512,
  prime192v1: 192,
  secp224r1: 224,
};

export interface CertificateKey {
  type: string;
  /** RSA modulus or EC field size in bits; null when unknown */
  bits: number | null;
  curve: string | null;
}

/**
 * TRANSPORT-02's key rule: RSA ≥ the profile's rsa_key_size (2048), EC ≥ its ecdh_param_size (256),
 * Ed25519/Ed448 accepted. Returns the reason the key is too weak, or null.
 */
export function weakKeyReason(profile: TlsProfile, key: CertificateKey): string | null {
  const { rsa_key_size: minRsa, ecdh_param_size: minEc } = profile.configuration;
  if (key.type === 'rsa' || key.type === 'rsa-pss') {
    return key.bits !== null && key.bits >= minRsa
      ? null
      : `RSA key of ${key.bits ?? '?'} bits (< ${minRsa})`;
  }
  if (key.type === 'ec') {
    return key.bits !== null && key.bits >= minEc
      ? null
      : `EC key on ${key.curve ?? '?'} (${key.bits ?? '?'} bits < ${minEc})`;
  }
  if (key.type === 'ed25519' || key.type === 'ed448') return null;
  return `key type ${key.type} is not one the profile names (rsa, ec)`;
}

export function curveBits(curve: string | undefined): number | null {
  return curve === undefined ? null : (CURVE_BITS[curve] ?? null);
}
