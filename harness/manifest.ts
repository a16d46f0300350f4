// The target manifest (contract §3): its zod schema, the loader, and where the run finds it.
//
// Path rule: relative paths in a manifest (run.process.cwd, run.container.build.context and
// .dockerfile, run.external.caFile, logs.file) resolve against the manifest's *project root*: the
// nearest directory, starting at the manifest's own directory and walking up, that holds a
// package.json or a .git entry; without one, the manifest's directory. So `targets/reference.yaml`
// says `cwd: .` and means the repository root. Command arguments are not rewritten: they are
// relative to `cwd` when the target starts, as in a shell.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { CLAIMS } from './claims.ts';
import { HarnessError, messageOf } from './errors.ts';

/** targets/reference.yaml of this repository, wherever the run starts from. */
export const DEFAULT_MANIFEST_PATH = fileURLToPath(new URL('../targets/reference.yaml', import.meta.url));

const ProcessRunSchema = z.strictObject({
  /** argv; a first element `node` means the Node binary running the harness (process.execPath) */
  command: z.array(z.string().min(1)).min(1),
  cwd: z.string().default('.'),
  env: z.record(z.string(), z.string()).optional(),
  /** argv that starts a mutant build; the mutant's name is appended (harness extension of §3) */
  mutantCommand: z.array(z.string().min(1)).min(1).optional(),
});

const ContainerRunSchema = z
  .strictObject({
    image: z.string().min(1).optional(),
    build: z.strictObject({ context: z.string().min(1), dockerfile: z.string().min(1) }).optional(),
  })
  .refine((c) => (c.image === undefined) !== (c.build === undefined), {
    error: 'give exactly one of `image` or `build`',
  });

const ExternalRunSchema = z.strictObject({
  httpsUrl: z.url({ protocol: /^https$/ }),
  httpUrl: z.url({ protocol: /^http$/ }),
  caFile: z.string().min(1).optional(),
  /** the name browsers use for the target (default: the httpsUrl's host); the browser checks map it to its address */
  tlsHostname: z.string().min(1).optional(),
  /** the control API of mock providers the deployment forwards to, when its operator runs the harness's mocks */
  mockControlUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** the origins of those mock providers, as the deployment was configured with them */
  mockUpstreams: z
    .strictObject({
      openai: z.url({ protocol: /^https$/ }),
      anthropic: z.url({ protocol: /^https$/ }),
      google: z.url({ protocol: /^https$/ }),
    })
    .optional(),
});

const RUN_MODES = ['process', 'container', 'external'] as const;
export type RunMode = (typeof RUN_MODES)[number];

const RunSchema = z
  .strictObject({
    process: ProcessRunSchema.optional(),
    container: ContainerRunSchema.optional(),
    external: ExternalRunSchema.optional(),
  })
  .refine((run) => RUN_MODES.filter((mode) => run[mode] !== undefined).length === 1, {
    error: 'give exactly one of `process`, `container` or `external`',
  });

const DatabaseSchema = z.strictObject({
  schemas: z.array(z.string().min(1)).min(1).default(['public']),
  tenantRole: z.string().min(1),
  tenantContext: z.union([z.literal('supabase-jwt-claims'), z.strictObject({ guc: z.string().min(1) })], {
    error: 'expected `supabase-jwt-claims` or `{ guc: <setting name> }`',
  }),
  adminUrl: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
});

const AccountsSchema = z.union(
  [z.literal('signup'), z.array(z.strictObject({ email: z.string().min(1), password: z.string().min(1) }))],
  { error: 'expected `signup` or a list of `{ email, password }`' },
);

const LogsSchema = z.union(
  [
    z.literal('capture'),
    z.literal('none'),
    z.strictObject({ file: z.string().min(1) }),
    z.strictObject({ command: z.array(z.string().min(1)).min(1) }),
  ],
  { error: 'expected `capture`, `none`, `{ file: <path> }` or `{ command: [...] }`' },
);

export const ManifestSchema = z
  .strictObject({
    name: z.string().min(1),
    run: RunSchema,
    database: DatabaseSchema,
    accounts: AccountsSchema,
    logs: LogsSchema,
    keyFormat: z.strictObject({ checksum: z.literal('crc32-base62') }).optional(),
    limits: z
      .strictObject({
        rateLimitRequests: z.int().positive().optional(),
        rateLimitWindowSeconds: z.int().positive().optional(),
        authFailureLimit: z.int().positive().optional(),
        maxActiveKeys: z.int().positive().optional(),
        /** the largest request body the plan of a fresh signup accepts on a proxy route (413 above it) */
        maxRequestBodyBytes: z.int().positive().optional(),
        /** a proxied stream's whole lifetime in seconds (STREAM_MAX_SECONDS): cut after it (LIMITS-03) */
        streamMaxSeconds: z.int().positive().optional(),
        /** calls one key may have open at once, per replica (MAX_CONCURRENT_REQUESTS_PER_KEY): one more is 429 (LIMITS-03) */
        maxConcurrentRequestsPerKey: z.int().positive().optional(),
        /** signups one client address may make per window (SIGNUP_LIMIT; AUTH-12) */
        signupLimit: z.int().positive().optional(),
        /** keys one tenant may create per window (KEY_MINT_LIMIT; AUTH-12) */
        keyMintLimit: z.int().positive().optional(),
        /** the lifetime of a session JWT in seconds (AUTH-14 holds exp − iat to it) */
        sessionTtlSeconds: z.int().positive().optional(),
        /** seconds the whole request may take to arrive before it is cut (REQUEST_TIMEOUT_SECONDS; LIMITS-01) */
        requestTimeoutSeconds: z.int().positive().optional(),
      })
      .optional(),
    /** settings outside the contract that a check may use when the target offers them */
    knobs: z
      .strictObject({
        /** how to give the target a small database pool (TENANCY-05): the variable and the size to set */
        poolSize: z.strictObject({ env: z.string().min(1), value: z.int().min(1).max(64) }).optional(),
      })
      .optional(),
    /** the browser checks' way into a dashboard whose page needs more than accessible roles and labels */
    dashboard: z
      .strictObject({
        path: z.string().startsWith('/').default('/dashboard/keys'),
        selectors: z
          .strictObject({
            email: z.string().min(1).optional(),
            password: z.string().min(1).optional(),
            login: z.string().min(1).optional(),
            keyName: z.string().min(1).optional(),
            createKey: z.string().min(1).optional(),
            rawKey: z.string().min(1).optional(),
            closeDialog: z.string().min(1).optional(),
            keyList: z.string().min(1).optional(),
          })
          .optional(),
      })
      .optional(),
    /** claims this target's owner accepts as not assessed in this mode, each with its reason (gate exit 0) */
    acceptedNotAssessed: z
      .array(
        z.strictObject({
          claim: z.string().regex(/^[A-Z]+-\d\d$/, 'a claim ID such as AUTH-06'),
          reason: z.string().min(10, 'say why the claim is accepted as not assessed'),
        }),
      )
      .optional(),
  })
  .superRefine((manifest, ctx) => {
    for (const [index, accepted] of (manifest.acceptedNotAssessed ?? []).entries()) {
      if (!CLAIMS.some((claim) => claim.id === accepted.claim)) {
        ctx.addIssue({
          code: 'custom',
          path: ['acceptedNotAssessed', index, 'claim'],
          message: `${accepted.claim} is not a claim of the catalogue (docs/claims.md)`,
        });
      }
    }
    if (manifest.run.external !== undefined && manifest.logs === 'capture') {
      ctx.addIssue({
        code: 'custom',
        path: ['logs'],
        message:
          'an external target has no output the harness can capture: give `{ file: <path> }`, `{ command: [...] }` or `none`',
      });
    }
    if (manifest.database.adminUrl !== undefined && manifest.run.external === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['database', 'adminUrl'],
        message: 'only external targets give adminUrl; the harness owns the database otherwise',
      });
    }
  });

export type Manifest = z.infer<typeof ManifestSchema>;
export type ProcessRun = z.infer<typeof ProcessRunSchema>;

export function runModeOf(manifest: Manifest): RunMode {
  const mode = RUN_MODES.find((m) => manifest.run[m] !== undefined);
  if (mode === undefined) throw new Error('unreachable: the schema guarantees one run mode');
  return mode;
}

/** Validates an already parsed manifest; `source` names it in the error. Paths stay as written. */
export function parseManifest(data: unknown, source: string): Manifest {
  const result = ManifestSchema.safeParse(data);
  if (!result.success) {
    throw new HarnessError(
      'HARNESS_ERR_MANIFEST_INVALID',
      `target manifest ${source} is invalid:\n${z.prettifyError(result.error)}\n` +
        'Fix the field(s) named above; the format is target-contract.md §3 (see targets/reference.yaml).',
    );
  }
  return result.data;
}

/** The nearest directory from `start` upwards holding a package.json or .git; else `start`. */
export function projectRootOf(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) || existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return start;
  }
}

/** Reads, parses and validates a manifest; relative paths come back absolute (rule at the top). */
export async function loadManifest(manifestPath: string): Promise<Manifest> {
  const absolute = path.resolve(manifestPath);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    throw new HarnessError(
      'HARNESS_ERR_MANIFEST_NOT_FOUND',
      `cannot read target manifest ${absolute}: ${messageOf(error)}. ` +
        'Set HARNESS_TARGET to an existing manifest, or run from the repository root for targets/reference.yaml.',
      { cause: error },
    );
  }
  let data: unknown;
  try {
    data = absolute.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new HarnessError(
      'HARNESS_ERR_MANIFEST_UNPARSEABLE',
      `target manifest ${absolute} is not valid ${absolute.endsWith('.json') ? 'JSON' : 'YAML'}: ${messageOf(error)}`,
      { cause: error },
    );
  }
  return resolveManifestPaths(parseManifest(data, absolute), projectRootOf(path.dirname(absolute)));
}

function resolveManifestPaths(manifest: Manifest, root: string): Manifest {
  const at = (p: string): string => path.resolve(root, p);
  const { process: proc, container, external } = manifest.run;
  const run: Manifest['run'] = {};
  if (proc !== undefined) run.process = { ...proc, cwd: at(proc.cwd) };
  if (container !== undefined) {
    run.container =
      container.build === undefined
        ? container
        : { build: { context: at(container.build.context), dockerfile: at(container.build.dockerfile) } };
  }
  if (external !== undefined) {
    run.external = external.caFile === undefined ? external : { ...external, caFile: at(external.caFile) };
  }
  const logs =
    typeof manifest.logs === 'object' && 'file' in manifest.logs
      ? { file: at(manifest.logs.file) }
      : manifest.logs;
  return { ...manifest, run, logs };
}

/** `HARNESS_TARGET` (a manifest path, relative to the cwd) or this repository's targets/reference.yaml. */
export function resolveTargetManifestPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.HARNESS_TARGET?.trim();
  return path.resolve(fromEnv === undefined || fromEnv === '' ? DEFAULT_MANIFEST_PATH : fromEnv);
}
