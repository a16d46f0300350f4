/** Renders the manifest reference (every field, its type, default and meaning) from the zod schema, for docs/target-contract.md. */
import { z } from 'zod';
import { ManifestSchema } from './manifest.ts';

/** What each field means. A field the schema has and this map lacks renders as "(undocumented)": a unit test fails on it. */
export const FIELD_MEANINGS: Record<string, string> = {
  name: 'a name for the target, shown in the evidence',
  run: 'how the harness gets the target: exactly one of `process`, `container`, `external`',
  'run.process': 'a command the harness starts itself, with the environment of §2 (embedded mode)',
  'run.process.command': 'argv; a first element `node` means the Node binary running the harness',
  'run.process.cwd': "working directory, relative to the manifest's project root",
  'run.process.env': 'extra variables for the target process',
  'run.process.mutantCommand':
    "argv that starts one of the reference proxy's mutants; the mutant's name is appended",
  'run.container': 'a container image the harness runs with Postgres beside it (containers mode)',
  'run.container.image': 'an image reference',
  'run.container.build': 'or a Dockerfile to build',
  'run.container.build.context': 'build context directory',
  'run.container.build.dockerfile': 'Dockerfile path',
  'run.external': 'a deployed target the harness only talks to (external mode)',
  'run.external.httpsUrl': 'the HTTPS origin of the API',
  'run.external.httpUrl': 'the plain-HTTP origin that must redirect',
  'run.external.tlsHostname': "the name browsers use for the target (default: the httpsUrl's host)",
  'run.external.mockControlUrl':
    'the control API of mock providers the deployment forwards to (else the checks that watch provider traffic are not assessed)',
  'run.external.mockUpstreams':
    'the origins of those mock providers, as the deployment was configured with them',
  'run.external.mockUpstreams.openai': 'OpenAI-format mock origin',
  'run.external.mockUpstreams.anthropic': 'Anthropic-format mock origin',
  'run.external.mockUpstreams.google': 'Google-format mock origin',
  'run.external.caFile': "the CA that signed a private deployment's certificate (else system trust)",
  database: 'how the target uses Postgres',
  'database.schemas': 'schemas holding tenant data',
  'database.tenantRole': 'the role tenant queries run as',
  'database.tenantContext':
    'how the tenant is set on a connection: `supabase-jwt-claims` or `{ guc: <setting> }`',
  'database.tenantContext.guc': 'the setting (GUC) that holds the tenant id, e.g. `app.user_id`',
  'database.adminUrl':
    'external targets only: a read-only URL for the database checks (else they are not assessed)',
  accounts: '`signup`, or a list of `{ email, password }` made beforehand (`[]` = none)',
  logs: '`capture` (the harness keeps stdout/stderr), `none`, `{ file }` or `{ command }`',
  'logs.file': 'a log file the harness reads (external mode)',
  'logs.command': 'a command whose output is the log (external mode)',
  keyFormat: 'present when keys end in a checksum',
  'keyFormat.checksum': '`crc32-base62`: CRC32 of the random part, base62, 6 characters',
  limits:
    "the target's limits when it differs from the plans of §1 (the harness also reads the RateLimit headers)",
  'limits.rateLimitRequests': 'requests per window of a fresh account',
  'limits.rateLimitWindowSeconds': 'window length in seconds',
  'limits.authFailureLimit': 'failed authentications per client address before throttling',
  'limits.maxActiveKeys': 'active keys a fresh account may hold',
  'limits.maxRequestBodyBytes': 'the largest body a fresh account may send to a proxy route (413 above it)',
  'limits.streamMaxSeconds':
    "a proxied stream's whole lifetime in seconds; a stream still open after it is cut",
  'limits.maxConcurrentRequestsPerKey': 'calls one key may have open at once (per replica); one more is 429',
  'limits.signupLimit':
    'signups one client address may make per window (the embedded provider passes it as SIGNUP_LIMIT; unstated, it passes a limit the suites never reach)',
  'limits.keyMintLimit':
    'keys one tenant may create per window (KEY_MINT_LIMIT; unstated, the embedded provider passes a limit the suites never reach)',
  'limits.sessionTtlSeconds': 'the lifetime of a session JWT in seconds (at most 24 h)',
  'limits.requestTimeoutSeconds':
    'seconds a request may take to arrive in full before the target cuts it (REQUEST_TIMEOUT_SECONDS)',
  knobs: 'settings outside the contract that some checks use when the target offers them',
  'knobs.poolSize':
    'how to give the target a small database pool (TENANCY-05); without it the check runs on the pool as it is',
  'knobs.poolSize.env': 'the variable that sets the pool size',
  'knobs.poolSize.value': 'the small size to set',
  dashboard: 'where the browser checks find the dashboard, for a page that needs more than roles and labels',
  'dashboard.path': 'the keys page',
  'dashboard.selectors': 'CSS selectors overriding the accessible-role lookup, one per control',
  'dashboard.selectors.email': 'login e-mail field',
  'dashboard.selectors.password': 'login password field',
  'dashboard.selectors.login': 'login button',
  'dashboard.selectors.keyName': 'new key name field',
  'dashboard.selectors.createKey': 'create-key button',
  'dashboard.selectors.rawKey': 'the element showing the raw key once',
  'dashboard.selectors.closeDialog': 'the control that closes the raw-key dialog',
  'dashboard.selectors.keyList': 'the list of keys',
  acceptedNotAssessed:
    "claims the target's owner accepts as not assessed in this mode, each with a reason: the gate stays green (exit 0) and the evidence records the reason",
  'acceptedNotAssessed[].claim': 'a claim ID',
  'acceptedNotAssessed[].reason': 'why it cannot be assessed here',
};

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  additionalProperties?: JsonSchema | boolean;
}

function typeOf(schema: JsonSchema): string {
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (schema.enum) return schema.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' \\| ');
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(' \\| ');
  if (schema.type === 'array') return `list of ${schema.items ? typeOf(schema.items) : 'any'}`;
  if (schema.type === 'object' && !schema.properties) return 'map of string';
  return Array.isArray(schema.type) ? schema.type.join(' \\| ') : (schema.type ?? 'any');
}

export interface FieldRow {
  path: string;
  type: string;
  required: boolean;
  default: unknown;
}

function walk(schema: JsonSchema, prefix: string, required: boolean, rows: FieldRow[]): void {
  if (prefix !== '') rows.push({ path: prefix, type: typeOf(schema), required, default: schema.default });
  const objects = [schema, ...(schema.anyOf ?? []), ...(schema.items ? [schema.items] : [])];
  for (const object of objects) {
    for (const [key, child] of Object.entries(object.properties ?? {})) {
      const base = object === schema.items ? `${prefix}[]` : prefix;
      const path = base === '' ? key : `${base}.${key}`;
      if (rows.some((row) => row.path === path)) continue;
      walk(child, path, (object.required ?? []).includes(key) && child.default === undefined, rows);
    }
  }
}

/** Every field of the manifest schema, depth first. */
export function manifestFields(): FieldRow[] {
  const schema = z.toJSONSchema(ManifestSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const rows: FieldRow[] = [];
  walk(schema, '', true, rows);
  return rows;
}

export function renderManifestReference(): string {
  const lines = [
    '| field | type | required | default | meaning |',
    '|---|---|---|---|---|',
    ...manifestFields().map(
      (row) =>
        `| \`${row.path}\` | ${row.type} | ${row.required ? 'yes' : ''} | ${row.default === undefined ? '' : `\`${JSON.stringify(row.default)}\``} | ${FIELD_MEANINGS[row.path] ?? '(undocumented)'} |`,
    ),
  ];
  return lines.join('\n');
}

export const REFERENCE_START =
  '<!-- manifest-reference:start (generated by `npm run docs` from harness/manifest.ts) -->';
export const REFERENCE_END = '<!-- manifest-reference:end -->';

/** `doc` with the text between the markers replaced by the current reference. */
export function withManifestReference(doc: string): string {
  const start = doc.indexOf(REFERENCE_START);
  const end = doc.indexOf(REFERENCE_END);
  if (start < 0 || end < start)
    throw new Error('docs/target-contract.md lacks the manifest-reference markers');
  return `${doc.slice(0, start + REFERENCE_START.length)}\n\n${renderManifestReference()}\n\n${doc.slice(end)}`;
}

/** The manifest's JSON Schema, published as docs/manifest.schema.json for editors and CI linters. */
export function manifestJsonSchema(): string {
  return `${JSON.stringify(z.toJSONSchema(ManifestSchema, { io: 'input', unrepresentable: 'any' }), null, 2)}\n`;
}
