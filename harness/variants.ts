/** Reference variants: the reference proxy changed within the contract, the manifest each runs under, and whether its claims held. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { Variant } from '../reference-proxy/test/variants/variant.ts';
import { DEFAULT_MANIFEST_PATH } from './manifest.ts';
import type { EvidenceReport } from './report/evidence-schema.ts';

export const VARIANTS_DIR = path.resolve('reference-proxy', 'test', 'variants');
const NOT_VARIANTS = new Set(['main.ts', 'variant.ts']);

/** Variant names shipped as `reference-proxy/test/variants/<name>.ts`. */
export function shippedVariants(dir = VARIANTS_DIR): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.ts') && !NOT_VARIANTS.has(file) && !file.endsWith('.test.ts'))
    .map((file) => file.slice(0, -'.ts'.length))
    .sort();
}

export async function loadVariant(name: string, dir = VARIANTS_DIR): Promise<Variant> {
  const module = (await import(pathToFileURL(path.join(dir, `${name}.ts`)).href)) as { variant?: Variant };
  if (module.variant === undefined) throw new Error(`${dir}/${name}.ts exports no \`variant\``);
  return module.variant;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `over` merged into `base`: objects merge key by key, anything else replaces. */
export function deepMerge(base: Record<string, unknown>, over: Readonly<Record<string, unknown>>) {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isRecord(current) && isRecord(value) ? deepMerge(current, value) : value;
  }
  return out;
}

/** The manifest a variant runs under: the reference manifest, started through the variant entry. */
export function variantManifest(name: string, variant: Variant, referencePath = DEFAULT_MANIFEST_PATH) {
  const reference = parseYaml(readFileSync(referencePath, 'utf8')) as Record<string, unknown>;
  const run = reference.run as { process: Record<string, unknown> };
  const { mutantCommand: _unused, ...process } = run.process;
  const merged = deepMerge(
    {
      ...reference,
      name: `reference-variant-${name}`,
      run: {
        process: {
          ...process,
          command: ['node', 'reference-proxy/test/variants/main.ts', name],
          ...(variant.env ? { env: { ...(process.env as object | undefined), ...variant.env } } : {}),
        },
      },
    },
    variant.manifest ?? {},
  );
  return merged;
}

export interface VariantRow {
  variant: string;
  description: string;
  claims: string[];
  /** claim → its result on the variant ("missing" when the report lacks it) */
  results: Record<string, string>;
  /** the reasons of claims that did not hold */
  reasons: string[];
  held: boolean;
  reportPath: string | null;
}

const HELD = new Set(['pass', 'not_applicable']);

/** A variant holds when every claim it lists passed (or does not apply) on it. */
export function variantRowOf(
  name: string,
  variant: Variant,
  report: EvidenceReport | null,
  reportPath: string | null,
): VariantRow {
  const results: Record<string, string> = {};
  const reasons: string[] = [];
  for (const id of variant.claims) {
    const claim = report?.claims.find((c) => c.id === id);
    results[id] = claim?.result ?? 'missing';
    if (!claim || !HELD.has(claim.result)) {
      const messages = claim?.checks.filter((c) => !HELD.has(c.result)).flatMap((c) => c.messages) ?? [];
      reasons.push(
        `${id}: ${claim?.reason ?? messages[0] ?? (report ? 'no result' : 'no evidence report written')}`,
      );
    }
  }
  return {
    variant: name,
    description: variant.description,
    claims: [...variant.claims],
    results,
    reasons,
    held: reasons.length === 0,
    reportPath,
  };
}
