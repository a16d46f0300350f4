/** A bundle's integrity: manifest.sha256 over every file, its Ed25519 signature, the chain to the previous bundle. */
import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sha256Hex } from './run-info.ts';

/** `sha256sum -c manifest.sha256` checks a bundle with coreutils alone. */
export const MANIFEST_FILE = 'manifest.sha256';
/** `{algorithm, publicKeyPem, signature}`: the Ed25519 signature over manifest.sha256's bytes. */
export const SIGNATURE_FILE = 'manifest.sig.json';
/** `{runId, manifestSha256}` of the previous bundle (or null), listed in the manifest so the chain is signed. */
export const CHAIN_FILE = 'chain.json';

/** Every file under `dir`, relative to it, with `/` separators, sorted; the manifest and signature excluded. */
export function bundleFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .filter((file) => file !== MANIFEST_FILE && file !== SIGNATURE_FILE)
    .sort();
}

/** The manifest text: one `<sha256>  <path>` line per file, as sha256sum writes it. */
export function manifestOf(dir: string): string {
  return bundleFiles(dir)
    .map((file) => `${sha256Hex(readFileSync(path.join(dir, file)))}  ${file}\n`)
    .join('');
}

export interface SigningKey {
  privateKey: KeyObject;
  /** where it came from, for the log line */
  source: string;
}

/**
 * The Ed25519 key that signs bundles: a PEM (PKCS#8) file named by HARNESS_SIGNING_KEY_FILE, or the PEM
 * itself in HARNESS_SIGNING_KEY. Null when neither is set; a set but unusable key throws with what to fix.
 */
export function signingKeyFromEnv(env: NodeJS.ProcessEnv = process.env): SigningKey | null {
  const file = env.HARNESS_SIGNING_KEY_FILE?.trim();
  const inline = env.HARNESS_SIGNING_KEY?.trim();
  if (!file && !inline) return null;
  const source = file ? `HARNESS_SIGNING_KEY_FILE=${file}` : 'HARNESS_SIGNING_KEY';
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(file ? readFileSync(file) : (inline ?? ''));
  } catch (error) {
    throw new Error(
      `${source} is not a readable PEM private key (${error instanceof Error ? error.message : String(error)}); ` +
        'make one with `openssl genpkey -algorithm ed25519 -out signing-key.pem`',
    );
  }
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new Error(`${source} is a ${privateKey.asymmetricKeyType} key; bundles are signed with Ed25519`);
  return { privateKey, source };
}

export interface SealResult {
  manifestSha256: string;
  signed: boolean;
  files: number;
}

/**
 * Writes chain.json, then manifest.sha256 over every file, then (with a key) its signature. Call it last:
 * any byte written into the bundle afterwards makes `verifyBundle` fail.
 */
export function sealBundle(
  dir: string,
  options: { key: SigningKey | null; prev: { runId: string | null; manifestSha256: string } | null },
): SealResult {
  writeFileSync(path.join(dir, CHAIN_FILE), `${JSON.stringify({ prev: options.prev }, null, 2)}\n`);
  const manifest = manifestOf(dir);
  writeFileSync(path.join(dir, MANIFEST_FILE), manifest);
  if (options.key) {
    const signature = sign(null, Buffer.from(manifest), options.key.privateKey).toString('base64');
    const publicKeyPem = createPublicKey(options.key.privateKey).export({ type: 'spki', format: 'pem' });
    writeFileSync(
      path.join(dir, SIGNATURE_FILE),
      `${JSON.stringify({ algorithm: 'Ed25519', publicKeyPem, signature }, null, 2)}\n`,
    );
  }
  return {
    manifestSha256: sha256Hex(manifest),
    signed: options.key !== null,
    files: manifest.split('\n').length - 1,
  };
}

/** SHA-256 of a bundle's manifest.sha256 (what the next bundle records as `prev`); `bundle` is a dir or the file. */
export function manifestHashOf(bundle: string): string {
  const file = existsSync(path.join(bundle, MANIFEST_FILE)) ? path.join(bundle, MANIFEST_FILE) : bundle;
  return sha256Hex(readFileSync(file));
}

export interface VerifyOptions {
  /** PEM of the public key the signature must verify under; without it the bundle's own key is used (and said so) */
  publicKey?: string;
  /** the previous bundle (a directory or its manifest.sha256), or its manifest's SHA-256: chain.json must name it */
  prev?: string;
  /** fail when the bundle is unsigned (default false: unsigned passes with a warning) */
  requireSignature?: boolean;
}

export interface VerifyResult {
  ok: boolean;
  /** what failed, one line each */
  problems: string[];
  /** what passed with a caveat (unsigned, key not pinned) */
  warnings: string[];
  manifestSha256: string | null;
  files: number;
}

/** Checks a bundle: every file listed and unchanged, nothing unlisted, the signature, and the chain. */
export function verifyBundle(dir: string, options: VerifyOptions = {}): VerifyResult {
  const problems: string[] = [];
  const warnings: string[] = [];
  const manifestPath = path.join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) {
    return {
      ok: false,
      problems: [`${MANIFEST_FILE} is missing: ${dir} is not a sealed bundle`],
      warnings,
      manifestSha256: null,
      files: 0,
    };
  }
  const manifest = readFileSync(manifestPath);
  const listed = new Map<string, string>();
  for (const [index, line] of manifest.toString('utf8').split('\n').entries()) {
    if (line === '') continue;
    const match = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (!match?.[1] || !match[2]) {
      problems.push(`${MANIFEST_FILE} line ${index + 1} is not "<sha256>  <path>"`);
      continue;
    }
    listed.set(match[2], match[1]);
  }
  const present = bundleFiles(dir);
  for (const [file, expected] of listed) {
    const full = path.join(dir, file);
    if (!existsSync(full)) problems.push(`${file}: listed in the manifest but missing`);
    else if (sha256Hex(readFileSync(full)) !== expected) problems.push(`${file}: changed (SHA-256 differs)`);
  }
  for (const file of present) if (!listed.has(file)) problems.push(`${file}: not in the manifest (added)`);

  const signaturePath = path.join(dir, SIGNATURE_FILE);
  if (existsSync(signaturePath)) {
    try {
      const sig = JSON.parse(readFileSync(signaturePath, 'utf8')) as {
        algorithm?: string;
        publicKeyPem?: string;
        signature?: string;
      };
      if (sig.algorithm !== 'Ed25519' || !sig.signature || !sig.publicKeyPem)
        throw new Error('needs algorithm "Ed25519", publicKeyPem and signature');
      const key = createPublicKey(options.publicKey ?? sig.publicKeyPem);
      if (!options.publicKey)
        warnings.push('signature checked against the public key inside the bundle: pass publicKey to pin it');
      else if (
        createPublicKey(sig.publicKeyPem).export({ type: 'spki', format: 'der' }).toString('hex') !==
        key.export({ type: 'spki', format: 'der' }).toString('hex')
      )
        warnings.push(
          'the bundle names a different public key than the one given; checked with the given one',
        );
      if (!verify(null, manifest, key, Buffer.from(sig.signature, 'base64')))
        problems.push(`${SIGNATURE_FILE}: the signature does not match ${MANIFEST_FILE}`);
    } catch (error) {
      problems.push(`${SIGNATURE_FILE}: ${error instanceof Error ? error.message : String(error)}`);
    }
  } else if (options.requireSignature || options.publicKey) {
    problems.push(`unsigned: ${SIGNATURE_FILE} is missing`);
  } else {
    warnings.push(
      'unsigned bundle: hashes checked, origin not (set HARNESS_SIGNING_KEY_FILE when writing it)',
    );
  }

  if (options.prev !== undefined) {
    const expected = /^[0-9a-f]{64}$/.test(options.prev) ? options.prev : manifestHashOf(options.prev);
    let recorded: string | null = null;
    try {
      recorded =
        (
          JSON.parse(readFileSync(path.join(dir, CHAIN_FILE), 'utf8')) as {
            prev?: { manifestSha256?: string };
          }
        ).prev?.manifestSha256 ?? null;
    } catch {
      problems.push(`${CHAIN_FILE} is missing or unreadable`);
    }
    if (recorded !== expected)
      problems.push(`chain: the bundle's prev is ${recorded ?? 'none'}, expected ${expected}`);
  }
  return {
    ok: problems.length === 0,
    problems,
    warnings,
    manifestSha256: sha256Hex(manifest),
    files: listed.size,
  };
}

/**
 * Checks a period's bundles, oldest first: each verifies and names the one before it as `prev`. Returns one
 * result per bundle (the first is checked without a chain unless `firstPrev` is given).
 */
export function verifyChain(
  bundles: readonly string[],
  options: Omit<VerifyOptions, 'prev'> & { firstPrev?: string } = {},
): Array<VerifyResult & { bundle: string }> {
  const { firstPrev, ...rest } = options;
  return bundles.map((bundle, index) => {
    const prev = index === 0 ? firstPrev : bundles[index - 1];
    return { bundle, ...verifyBundle(bundle, prev === undefined ? rest : { ...rest, prev }) };
  });
}
