// AUTH-05: bad credentials are refused uniformly — every hostile credential gets 401 with the same body as no credential.
import { randomBytes } from 'node:crypto';
import { clientFromAddress, freshLoopbackAddress } from '../../fixtures/client-addresses.ts';
import { createTenant } from '../../fixtures/factories.ts';
import { KEY_PREFIX, keyFormatOf, lookalikeKey, withCharacterChanged } from '../../fixtures/key-format.ts';
import { chatBody, PROXY_PATHS } from '../../fixtures/proxy-requests.ts';
import { sendRawHttps } from '../../fixtures/raw-https.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { bearer, type TargetClient, type TargetResponse } from '../../harness/contract/client.ts';
import { fingerprint } from '../../harness/probes/canary.ts';
import { requireStatus } from '../../harness/verdict.ts';

const CHAT_PATH = PROXY_PATHS.openai;
const GARBAGE_BYTES = 10_000;

interface CaseContext {
  target: TargetClient;
  /** a key that works (proves each request would have been served with a good credential) */
  validKey: string;
  sessionToken: string;
  checksum: boolean;
}

/** What a hostile case sends to the OpenAI-format endpoint: its own headers and an optional query. */
interface HostileRequest {
  headers: Record<string, string>;
  query?: string;
}

async function revokedKeyOfAnotherTenant(target: TargetClient): Promise<string> {
  const other = await createTenant(target);
  // created and revoked without ever being used: nothing can have cached it
  const key = await target.createKey(other.token, {});
  const revoked = await target.send(`/v1/auth/keys/${key.id}`, {
    method: 'DELETE',
    headers: bearer(other.token),
  });
  requireStatus(revoked, 204, "revoking another tenant's key (DELETE /v1/auth/keys/{id})", revoked.body);
  return key.raw_key;
}

/** Hostile credentials (contract §1: "401 missing, malformed, unknown or revoked … one body for all four"). */
const HOSTILE_CREDENTIALS: Array<{
  name: string;
  build(ctx: CaseContext): Promise<HostileRequest> | HostileRequest;
  /**
   * Statuses of an HTTP layer that refuses the request before any credential is read (a front proxy's
   * header-size limit: nginx answers 400 past 8 kB a line, others 431); the contract sets no header limit.
   */
  refusedBeforeAuth?: readonly number[];
}> = [
  { name: 'an empty Authorization header', build: () => ({ headers: { authorization: '' } }) },
  { name: 'the Bearer scheme alone', build: () => ({ headers: { authorization: 'Bearer' } }) },
  { name: 'Bearer and a space', build: () => ({ headers: { authorization: 'Bearer ' } }) },
  {
    name: 'a valid secret under the wrong prefix mt_test_',
    build: (ctx) => ({ headers: bearer(`mt_test_${ctx.validKey.slice(KEY_PREFIX.length)}`) }),
  },
  {
    name: 'the key under the Basic scheme',
    build: (ctx) => ({
      headers: { authorization: `Basic ${Buffer.from(`${ctx.validKey}:`).toString('base64')}` },
    }),
  },
  {
    name: 'the key truncated by one character',
    build: (ctx) => ({ headers: bearer(ctx.validKey.slice(0, -1)) }),
  },
  {
    name: 'the key with one character of its secret changed',
    build: (ctx) => ({ headers: bearer(withCharacterChanged(ctx.validKey, KEY_PREFIX.length + 10)) }),
  },
  {
    name: 'the key with its last character changed',
    build: (ctx) => ({ headers: bearer(withCharacterChanged(ctx.validKey, ctx.validKey.length - 1)) }),
  },
  {
    name: 'a well-formed key nobody was given',
    build: (ctx) => ({ headers: bearer(lookalikeKey(ctx.validKey, { checksum: ctx.checksum })) }),
  },
  {
    name: "another tenant's revoked key",
    build: async (ctx) => ({ headers: bearer(await revokedKeyOfAnotherTenant(ctx.target)) }),
  },
  { name: 'a session JWT instead of a key', build: (ctx) => ({ headers: bearer(ctx.sessionToken) }) },
  // x-api-key is the contract's second place for a key (§1, /v1/messages) and nothing forbids reading it
  // on every proxy route, so only credentials that are bad wherever they are read go there.
  {
    name: 'a well-formed key nobody was given, in x-api-key',
    build: (ctx) => ({ headers: { 'x-api-key': lookalikeKey(ctx.validKey, { checksum: ctx.checksum }) } }),
  },
  {
    name: 'the key truncated by one character, in x-api-key',
    build: (ctx) => ({ headers: { 'x-api-key': ctx.validKey.slice(0, -1) } }),
  },
  { name: 'a session JWT in x-api-key', build: (ctx) => ({ headers: { 'x-api-key': ctx.sessionToken } }) },
  {
    name: 'the key in the query string as ?key=',
    build: (ctx) => ({ headers: {}, query: `key=${encodeURIComponent(ctx.validKey)}` }),
  },
  {
    name: 'the key in the query string as ?api_key=',
    build: (ctx) => ({ headers: {}, query: `api_key=${encodeURIComponent(ctx.validKey)}` }),
  },
  {
    name: 'the key in the query string as ?access_token=',
    build: (ctx) => ({ headers: {}, query: `access_token=${encodeURIComponent(ctx.validKey)}` }),
  },
  {
    name: 'percent-encoded CR/LF smuggling a second header after the key',
    build: (ctx) => ({ headers: bearer(`${ctx.validKey}%0D%0AX-Injected:%20yes`) }),
  },
  { name: 'SQL in place of the key', build: () => ({ headers: bearer(`${KEY_PREFIX}' OR '1'='1' --`) }) },
  {
    name: '10 KB of garbage',
    build: () => ({
      headers: bearer(randomBytes(GARBAGE_BYTES).toString('base64url').slice(0, GARBAGE_BYTES)),
    }),
    refusedBeforeAuth: [400, 431],
  },
];

/** Bodies compared as shapes: ids and timestamps a target may add per response are masked. */
function bodyShape(body: string): string {
  return body
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?/g, '<timestamp>');
}

function chatRequest(client: TargetClient, headers: Record<string, string>, query?: string) {
  return client.send(`${CHAT_PATH}${query === undefined ? '' : `?${query}`}`, {
    method: 'POST',
    headers: { 'x-provider-key': 'sk-proj-auth05-not-a-real-key', ...headers },
    body: chatBody('openai', 'gpt-4o-mini', 'AUTH-05 probe', false),
  });
}

function summary(response: TargetResponse) {
  return {
    status: response.status,
    contentType: response.headers['content-type'] ?? null,
    body: response.body.slice(0, 300),
  };
}

describe(claimTitle('AUTH-05'), () => {
  test.for(HOSTILE_CREDENTIALS)(
    'refuses $name with 401 and the same body as a missing credential',
    async (hostile, { env, target, tenant, apiKey, manifest, evidence, onTestFinished }) => {
      // Each case fails authentication from an address of its own: the throttle must not answer for it.
      const client = clientFromAddress(env, freshLoopbackAddress());
      onTestFinished(() => client.close());
      const checksum = keyFormatOf(manifest).checksum;
      const request = await hostile.build({
        target,
        validKey: apiKey.raw_key,
        sessionToken: tenant.token,
        checksum,
      });

      const missing = await chatRequest(client, {});
      const refused = await chatRequest(client, request.headers, request.query);
      // Positive control: the same request with the valid key is served, so the refusal is the credential's.
      const served = await chatRequest(client, bearer(apiKey.raw_key));
      await evidence.record(`hostile credential: ${hostile.name}`, {
        validKey: fingerprint(apiKey.raw_key),
        missingCredential: summary(missing),
        hostile: summary(refused),
      });
      await evidence.positiveControl('the same request with the valid key is served', {
        status: served.status,
      });
      requireStatus(served, 200, 'the same request with the valid key (positive control)', served.body);
      expect(missing.status).toBe(401);
      if (hostile.refusedBeforeAuth?.includes(refused.status)) return;
      expect(refused.status).toBe(401);
      expect(refused.headers['content-type']).toBe(missing.headers['content-type']);
      expect(bodyShape(refused.body)).toBe(bodyShape(missing.body));
    },
  );

  test('never authenticates a credential split by a bare CR, a bare LF or line folding', async ({
    env,
    apiKey,
    evidence,
  }) => {
    const url = env.replicas[0]?.httpsUrl ?? '';
    const localAddress = freshLoopbackAddress();
    const key = apiKey.raw_key;
    const head = (authorization: string) =>
      `POST ${CHAT_PATH} HTTP/1.1\r\nContent-Type: application/json\r\nX-Provider-Key: sk-proj-auth05\r\n${authorization}`;
    const body = JSON.stringify(chatBody('openai', 'gpt-4o-mini', 'AUTH-05 raw probe', false));
    const cases = {
      'valid key (positive control)': `Authorization: Bearer ${key}`,
      'line folding before the key': `Authorization: Bearer\r\n ${key}`,
      'bare CR inside the key': `Authorization: Bearer ${key.slice(0, 20)}\r${key.slice(20)}`,
      'bare LF inside the key': `Authorization: Bearer ${key.slice(0, 20)}\n${key.slice(20)}`,
      'CR/LF ending a garbage credential, the key in a second Authorization': `Authorization: Bearer garbage\r\nAuthorization: Bearer ${key}`,
      'CR/LF ending a garbage credential, the key in x-api-key': `Authorization: Bearer ${KEY_PREFIX}x\r\nX-Api-Key: ${key}`,
    };
    // Two well-framed headers, a bad Authorization and a valid x-api-key: the contract does not say which
    // one a target reads first, so serving the valid key there is allowed.
    const validElsewhere = new Set(['CR/LF ending a garbage credential, the key in x-api-key']);
    const seen: Record<string, { status: number; body: string }> = {};
    for (const [name, authorization] of Object.entries(cases)) {
      const response = await sendRawHttps(url, env.caPem, head(authorization), { body, localAddress });
      seen[name] = { status: response.status, body: response.body.slice(0, 200) };
    }
    await evidence.record('raw CR/LF credentials', { validKey: fingerprint(key), seen });
    const { 'valid key (positive control)': control, ...hostile } = seen;
    requireStatus(
      { status: control?.status ?? 0 },
      200,
      'the raw client with the valid key (positive control)',
      control?.body,
    );
    await evidence.positiveControl('the raw client gets the valid key served', { status: control?.status });
    for (const [name, response] of Object.entries(hostile)) {
      // 400 is the HTTP parser refusing the framing before any credential is read; anything else must be 401
      const allowed = validElsewhere.has(name) ? [200, 400, 401] : [400, 401];
      expect(allowed, name).toContain(response.status);
    }
  });
});
