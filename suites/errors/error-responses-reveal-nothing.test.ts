// ERRORS-01: fast-check sends generated requests to every endpoint of the contract; no 5xx body carries a stack trace, SQL, a path or a library name.
import { createHash, randomInt } from 'node:crypto';
import fc from 'fast-check';
import { clientFromAddress, freshLoopbackAddress } from '../../fixtures/client-addresses.ts';
import { keyName } from '../../fixtures/factories.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import type { TargetResponse } from '../../harness/contract/client.ts';
import { ErrorEnvelopeSchema } from '../../harness/contract/schemas.ts';
import type { EnvironmentInfo } from '../../harness/environment-info.ts';
import { makeCanary } from '../../harness/probes/canary.ts';
import { precondition } from '../../harness/verdict.ts';

/** Generated requests per run; the upstream-fault examples run first on top of these. */
const NUM_RUNS = 60;
/** The generation and shrinking budget of one run: a failing input is kept shrunk as far as it got. */
const RUN_TIME_LIMIT_MS = 25_000;

/** What a 5xx body must never hold, each with the name the evidence shows. */
const REVEALING: readonly [string, RegExp][] = [
  ['stack trace', /\n\s*at [^\n]+[:(]|\bat (?:async )?[\w$.<>[\]]+ \((?:file:|node:|\/|[A-Za-z]:\\)/],
  ['stack trace', /Traceback \(most recent call last\)|goroutine \d+ \[/],
  [
    'SQL text',
    // statements in capitals only: "select a model from the list" is English, not SQL
    /\b(?:SELECT\s+[\w*,."\s()]+?\s+FROM\s+["\w.]+|INSERT\s+INTO\s+["\w.]+|UPDATE\s+["\w.]+\s+SET\s|DELETE\s+FROM\s+["\w.]+)/,
  ],
  [
    'SQL text',
    /syntax error at or near|\brelation "[^"]*" does not exist|violates (?:unique|foreign key|check|not-null) constraint|duplicate key value|invalid input syntax for type/i,
  ],
  [
    'file path',
    /(?:^|[\s"'(=:])(?:file:\/\/)?\/(?:home|usr|var|opt|app|work|srv|tmp|root|src|etc|workspace)\/[\w.@/-]+|[A-Za-z]:\\[\w\\]+|\.(?:ts|js|mjs|cjs|py|go|rb|java|rs):\d+|node_modules/,
  ],
  [
    'library or runtime name',
    /\b(?:fastify|undici|node:internal|pg-protocol|pg-pool|postgres\.js|psycopg\d?|sqlalchemy|prisma|sequelize|knex|ZodError|TypeError|ReferenceError|RangeError|SyntaxError|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ERR_[A-Z_]{3,}|FST_[A-Z_]{3,}|UND_ERR_[A-Z_]+)\b/,
  ],
];

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(stringsIn);
  return [];
}

/** Why a response reveals something: [] for any status below 500, and for a 5xx that is the bare envelope. */
function revealing(status: number, body: string): string[] {
  if (status < 500) return [];
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  // the raw body and every string in it decoded (a JSON-escaped stack trace has no real line breaks)
  const text = [body, ...stringsIn(json)].join('\n');
  const found = REVEALING.filter(([, pattern]) => pattern.test(text)).map(([name]) => name);
  if (!ErrorEnvelopeSchema.safeParse(json).success) found.push('the 5xx body is not the error envelope');
  return [...new Set(found)];
}

/** The seed: HARNESS_FC_SEED, else HARNESS_SEED (a non-number is hashed), else random. */
function seedOf(): { seed: number; from: string } {
  const raw = process.env.HARNESS_FC_SEED?.trim() || process.env.HARNESS_SEED?.trim();
  const from = process.env.HARNESS_FC_SEED?.trim() ? 'HARNESS_FC_SEED' : raw ? 'HARNESS_SEED' : 'random';
  if (!raw) return { seed: randomInt(2 ** 31 - 1), from };
  const asNumber = Number(raw);
  if (Number.isSafeInteger(asNumber)) return { seed: asNumber, from };
  return { seed: createHash('sha256').update(raw).digest().readUInt32BE(0) >>> 1, from };
}

type Credential = 'none' | 'session' | 'key' | 'garbage' | 'wrong-kind';
interface Endpoint {
  method: string;
  path: string;
  credential: Credential;
}

/** Every route of the contract (§1), with the credential it takes. */
const ENDPOINTS: readonly Endpoint[] = [
  { method: 'GET', path: '/health', credential: 'none' },
  { method: 'GET', path: '/version', credential: 'none' },
  { method: 'POST', path: '/v1/auth/signup', credential: 'none' },
  { method: 'POST', path: '/v1/auth/login', credential: 'none' },
  { method: 'POST', path: '/v1/auth/keys', credential: 'session' },
  { method: 'GET', path: '/v1/auth/keys', credential: 'session' },
  { method: 'GET', path: '/v1/auth/keys/{id}', credential: 'session' },
  { method: 'PATCH', path: '/v1/auth/keys/{id}', credential: 'session' },
  { method: 'DELETE', path: '/v1/auth/keys/{id}', credential: 'session' },
  { method: 'POST', path: '/v1/chat/completions', credential: 'key' },
  { method: 'POST', path: '/v1/messages', credential: 'key' },
  { method: 'POST', path: '/v1/generateContent', credential: 'key' },
  { method: 'GET', path: '/v1/usage', credential: 'session' },
  { method: 'GET', path: '/v1/usage/{id}', credential: 'session' },
  { method: 'GET', path: '/v1/analytics/summary', credential: 'session' },
  { method: 'GET', path: '/v1/analytics/by-key', credential: 'session' },
  { method: 'GET', path: '/dashboard/keys', credential: 'none' },
];
const PROXY_ENDPOINTS = [9, 10, 11] as const;

/** Models of the mock upstreams that make it fail (fixtures/mock-responses.ts): the target's own 5xx paths. */
const UPSTREAM_FAULTS = ['mock-reset', 'mock-malformed-json'] as const;

interface Input {
  endpoint: number;
  method: string | null;
  id: string;
  query: Record<string, string>;
  credential: Credential | null;
  contentType: string | null;
  body: { json: unknown } | { text: string } | null;
}

/** null three times in four, else a value of `other`. */
function usually<T>(other: fc.Arbitrary<T>): fc.Arbitrary<T | null> {
  return fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: other, weight: 1 });
}

function inputArbitrary(ownIds: readonly string[]): fc.Arbitrary<Input> {
  const weird = fc.constantFrom(
    '0',
    '-1',
    '9'.repeat(40),
    '%00',
    '..%2F..%2Fetc',
    "'%20OR%201=1--",
    'null',
    '{}',
  );
  const text = fc.string({ maxLength: 40 });
  const model = fc.oneof(
    fc.constantFrom('gpt-4o-mini', 'claude-3-5-haiku-latest', 'gemini-1.5-flash', ...UPSTREAM_FAULTS),
    text,
  );
  const message = fc.record({
    role: fc.constantFrom('user', 'system', 'x'),
    content: fc.oneof(text, fc.jsonValue()),
  });
  const contractBody = fc.record(
    {
      email: fc.oneof(fc.emailAddress(), text),
      password: fc.oneof(text, fc.integer()),
      name: fc.oneof(text, fc.integer(), fc.constant(null)),
      intensity: fc.oneof(fc.constantFrom('lite', 'full', 'ultra', 'none'), text),
      is_active: fc.jsonValue(),
      model,
      stream: fc.oneof(fc.boolean(), text),
      max_tokens: fc.oneof(fc.integer(), text),
      messages: fc.oneof(fc.array(message, { maxLength: 3 }), fc.jsonValue()),
      contents: fc.oneof(
        fc.array(
          fc.record({ role: fc.constant('user'), parts: fc.array(fc.record({ text }), { maxLength: 2 }) }),
          {
            maxLength: 2,
          },
        ),
        fc.jsonValue(),
      ),
    },
    { requiredKeys: [] },
  );
  return fc.record({
    endpoint: fc.integer({ min: 0, max: ENDPOINTS.length - 1 }),
    // null: the endpoint's own method, credential and JSON content type (most runs), else another one
    method: usually(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS')),
    id: fc.oneof(fc.constantFrom(...ownIds), fc.uuid(), weird, fc.string({ minLength: 1, maxLength: 30 })),
    query: fc.dictionary(
      fc.constantFrom(
        'limit',
        'offset',
        'from',
        'to',
        'since',
        'until',
        'key_id',
        'provider',
        'model',
        'page',
      ),
      fc.oneof(
        fc.integer().map(String),
        fc.constantFrom(
          '-1',
          '1e309',
          'NaN',
          '99999999999999999999',
          '2015-01-01',
          '1900-01-01T00:00:00Z',
          "'",
        ),
        fc.string({ maxLength: 20 }),
      ),
      { maxKeys: 3 },
    ),
    credential: usually(fc.constantFrom<Credential>('none', 'garbage', 'wrong-kind')),
    contentType: usually(
      fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1'),
    ),
    // bodies stay structured (sent as JSON or as text) so a failing one shrinks field by field, not byte by byte
    body: fc.option(
      fc.oneof(
        fc.record({ json: contractBody }),
        fc.record({ json: fc.jsonValue() }),
        fc.record({ text: fc.string({ maxLength: 200 }) }),
      ),
      { freq: 6 },
    ),
  });
}

interface Credentials {
  session: string;
  key: string;
}

/** One generated request, from its own loopback address so failed credentials never throttle anyone else. */
async function send(env: EnvironmentInfo, input: Input, credentials: Credentials): Promise<TargetResponse> {
  const endpoint = ENDPOINTS[input.endpoint] as Endpoint;
  const credential = input.credential ?? endpoint.credential;
  const headers: Record<string, string> = {};
  if (credential === 'session') headers.authorization = `Bearer ${credentials.session}`;
  if (credential === 'key') headers.authorization = `Bearer ${credentials.key}`;
  if (credential === 'garbage') headers.authorization = `Bearer ${input.id}`;
  if (credential === 'wrong-kind')
    headers.authorization = `Bearer ${endpoint.credential === 'key' ? credentials.session : credentials.key}`;
  if (endpoint.credential === 'key') {
    headers['x-provider-key'] = makeCanary('openai');
    if (endpoint.path === '/v1/messages') headers['anthropic-version'] = '2023-06-01';
  }
  if (input.body !== null) headers['content-type'] = input.contentType ?? 'application/json';
  const query = new URLSearchParams(input.query).toString();
  const path = `${endpoint.path.replace('{id}', encodeURIComponent(input.id))}${query ? `?${query}` : ''}`;
  const client = clientFromAddress(env, freshLoopbackAddress());
  try {
    return await client.send(path, {
      method: input.method ?? endpoint.method,
      headers,
      ...(input.body === null
        ? {}
        : { body: 'text' in input.body ? input.body.text : JSON.stringify(input.body.json) }),
    });
  } finally {
    await client.close();
  }
}

/** Upstream failures on each proxy route: examples fast-check runs first, so every run reaches the 5xx paths. */
function upstreamFaultExamples(): [Input][] {
  return PROXY_ENDPOINTS.flatMap((endpoint) =>
    UPSTREAM_FAULTS.map((model): [Input] => {
      const body =
        endpoint === 11
          ? { model, contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }
          : { model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };
      return [
        {
          endpoint,
          method: null,
          id: 'x',
          query: {},
          credential: null,
          contentType: null,
          body: { json: body },
        },
      ];
    }),
  );
}

describe(claimTitle('ERRORS-01'), () => {
  test('reports a stack trace, SQL, a path, a library name and a non-envelope body (positive control)', async ({
    evidence,
  }) => {
    const planted: Record<string, [number, string]> = {
      stack: [
        500,
        JSON.stringify({
          error: { type: 'x', message: 'boom\n    at handler (routes/keys:42:7)' },
        }),
      ],
      sql: [
        500,
        JSON.stringify({ error: { type: 'x', message: 'SELECT id FROM api_keys WHERE key_hash = $1' } }),
      ],
      sqlError: [500, JSON.stringify({ error: { type: 'x', message: 'syntax error at or near "WHERE"' } })],
      english: [
        502,
        JSON.stringify({ error: { type: 'x', message: 'Please select a model from the list.' } }),
      ],
      path: [502, JSON.stringify({ error: { type: 'x', message: 'open /home/app/config.json failed' } })],
      library: [
        500,
        JSON.stringify({ error: { type: 'x', message: 'FST_ERR_CTP_INVALID_JSON_BODY in fastify' } }),
      ],
      notEnvelope: [500, '<html>Internal Server Error</html>'],
      clean: [
        502,
        JSON.stringify({
          error: { type: 'upstream_unavailable', message: 'The provider could not be reached.' },
        }),
      ],
      clientError: [400, 'at x (/home/a.ts:1:1)'],
    };
    const found = Object.fromEntries(
      Object.entries(planted).map(([name, [s, b]]) => [name, revealing(s, b)]),
    );
    await evidence.positiveControl('planted 5xx bodies are reported, the clean envelope and 4xx are not', {
      found,
    });
    precondition(
      ['stack', 'sql', 'sqlError', 'path', 'library', 'notEnvelope'].every(
        (name) => (found[name]?.length ?? 0) > 0,
      ) &&
        found.clean?.length === 0 &&
        found.english?.length === 0 &&
        found.clientError?.length === 0,
      `the scanner misjudged a planted body: ${JSON.stringify(found)}`,
    );
  });

  test('no generated request gets a 5xx that reveals internals (fast-check; seed, shrunk input and replay in the evidence)', async ({
    env,
    target,
    tenant,
    apiKey,
    evidence,
  }) => {
    const { seed, from } = seedOf();
    const path = process.env.HARNESS_FC_PATH?.trim() || undefined;
    const victim = await target.createKey(tenant.token, { name: keyName() });
    const credentials = { session: tenant.token, key: apiKey.raw_key };
    const statuses: Record<string, number> = {};
    const fiveHundreds: { input: Input; status: number }[] = [];
    const unanswered: string[] = [];
    let lastFailure: { input: Input; status: number; findings: string[]; body: string } | null = null;

    const property = fc.asyncProperty(inputArbitrary([victim.id, apiKey.id]), async (input) => {
      let response: TargetResponse;
      try {
        response = await send(env, input, credentials);
      } catch (error) {
        // no answer (a reset, a timeout): nothing revealed, counted for the evidence
        unanswered.push(error instanceof Error ? error.message : String(error));
        return true;
      }
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      if (response.status >= 500) fiveHundreds.push({ input, status: response.status });
      const findings = revealing(response.status, response.body);
      if (findings.length === 0) return true;
      lastFailure = { input, status: response.status, findings, body: response.body.slice(0, 2_000) };
      return false;
    });
    const details = await fc.check(property, {
      seed,
      numRuns: NUM_RUNS,
      // the examples are part of the run (and of a replay path): they stay the same for a replay
      examples: upstreamFaultExamples(),
      ...(path === undefined ? {} : { path }),
      endOnFailure: false,
      // shrinking stops here and keeps the smallest failing input found so far
      interruptAfterTimeLimit: RUN_TIME_LIMIT_MS,
    });
    const failure = lastFailure as { input: Input; status: number; findings: string[]; body: string } | null;
    await evidence.record('fast-check run', {
      seed,
      seedFrom: from,
      numRuns: details.numRuns,
      numShrinks: details.numShrinks,
      interrupted: details.interrupted,
      statuses,
      fiveHundredsSeen: fiveHundreds.length,
      unanswered: unanswered.slice(0, 10),
      replay: details.failed
        ? `HARNESS_FC_SEED=${seed} HARNESS_FC_PATH=${details.counterexamplePath ?? ''}`
        : `HARNESS_FC_SEED=${seed}`,
      ...(details.failed
        ? {
            shrunkInput: details.counterexample?.[0] ?? null,
            endpoint: failure ? ENDPOINTS[failure.input.endpoint] : null,
            status: failure?.status ?? null,
            findings: failure?.findings ?? null,
            body: failure?.body ?? null,
            errorInstance: details.errorInstance === null ? null : String(details.errorInstance),
          }
        : {}),
    });
    // a property that threw (not a finding) is the harness's problem, not the target's
    precondition(
      !details.failed || failure !== null,
      `the property stopped on an error, not on a finding: ${String(details.errorInstance)}`,
    );
    precondition(
      details.failed || fiveHundreds.length > 0,
      'no generated request got a 5xx (not even the upstream failures the mocks staged), so no error body was scanned',
    );
    expect(
      failure?.findings ?? [],
      `5xx body of ${JSON.stringify(details.counterexample?.[0] ?? null)}`,
    ).toEqual([]);
  }, 45_000);
});
