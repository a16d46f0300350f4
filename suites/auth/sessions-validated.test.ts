// AUTH-07: credentials are not interchangeable and sessions are validated — forged JWTs and swapped credentials get 401.
import { createHmac, randomBytes } from 'node:crypto';
import { clientFromAddress, freshLoopbackAddress } from '../../fixtures/client-addresses.ts';
import { PROXY_PATHS, sendChat } from '../../fixtures/proxy-requests.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { bearer, type TargetClient } from '../../harness/contract/client.ts';
import { PROVIDERS } from '../../harness/environment-info.ts';
import { fingerprint } from '../../harness/probes/canary.ts';
import { precondition, runSecretsOf } from '../../harness/verdict.ts';

type JwtHeader = Record<string, unknown>;
type JwtPayload = Record<string, unknown>;

const HMAC_ALGORITHMS: Record<string, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };
const ONE_HOUR_S = 60 * 60;
const MANAGEMENT_READS = ['/v1/auth/keys', '/v1/usage', '/v1/analytics/summary', '/v1/analytics/by-key'];

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function decodeJwt(token: string): { header: JwtHeader; payload: JwtPayload; signature: string } {
  const [header = '', payload = '', signature = ''] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as JwtHeader,
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as JwtPayload,
    signature,
  };
}

/** A compact JWS over exactly these header and payload, HMAC-signed with `secret` (or unsigned for alg none). */
function forgeJwt(header: JwtHeader, payload: JwtPayload, secret: string | Buffer | null): string {
  const signingInput = `${encode(header)}.${encode(payload)}`;
  if (secret === null) return `${signingInput}.`;
  const hash = HMAC_ALGORITHMS[String(header.alg)] ?? 'sha256';
  return `${signingInput}.${createHmac(hash, secret).update(signingInput).digest('base64url')}`;
}

const nowS = () => Math.floor(Date.now() / 1_000);

interface Session {
  header: JwtHeader;
  payload: JwtPayload;
}

/** Forgeries that need no secret: whatever the target signs with, each must be refused. */
const UNSIGNED_FORGERIES: Array<{ name: string; forge(session: Session): string }> = [
  { name: 'alg none, no signature', forge: (s) => forgeJwt({ ...s.header, alg: 'none' }, s.payload, null) },
  { name: 'alg None (mixed case)', forge: (s) => forgeJwt({ ...s.header, alg: 'None' }, s.payload, null) },
  { name: 'alg NONE (upper case)', forge: (s) => forgeJwt({ ...s.header, alg: 'NONE' }, s.payload, null) },
  {
    name: 'the real header and payload with the signature stripped',
    forge: (s) => forgeJwt(s.header, s.payload, null),
  },
  {
    name: 'signed with a key of our own',
    forge: (s) => forgeJwt({ ...s.header, alg: 'HS256' }, s.payload, randomBytes(32)),
  },
  {
    name: 'kid pointing at /dev/null, signed with an empty key',
    forge: (s) =>
      forgeJwt(
        { ...s.header, alg: 'HS256', kid: '../../../../../../../dev/null' },
        s.payload,
        Buffer.alloc(0),
      ),
  },
  {
    name: 'kid injecting SQL that selects the key "x", signed with "x"',
    forge: (s) => forgeJwt({ ...s.header, alg: 'HS256', kid: "x' UNION SELECT 'x' --" }, s.payload, 'x'),
  },
  {
    name: 'jku pointing at a key set of our own',
    forge: (s) =>
      forgeJwt(
        { ...s.header, alg: 'HS256', jku: 'https://127.0.0.1:1/jwks.json' },
        s.payload,
        randomBytes(32),
      ),
  },
];

/** Forgeries signed with the target's own secret: only the claims inside are wrong. */
const SIGNED_FORGERIES: Array<{
  name: string;
  /** the claim of the genuine token this forgery changes; without it in the genuine token, the case says nothing */
  needs?: string;
  claims(payload: JwtPayload): JwtPayload;
}> = [
  {
    name: 'expired an hour ago',
    claims: (p) => ({ ...p, iat: nowS() - 2 * ONE_HOUR_S, exp: nowS() - ONE_HOUR_S }),
  },
  // five minutes: past any clock-skew leeway a verifier may allow (Spring's default is one minute)
  {
    name: 'expired five minutes ago',
    claims: (p) => ({ ...p, iat: nowS() - ONE_HOUR_S, exp: nowS() - 5 * 60 }),
  },
  {
    name: 'without an expiry',
    needs: 'exp',
    claims: ({ exp: _exp, ...rest }) => rest,
  },
  // The contract does not say a session carries an audience; where it does, another one is refused.
  {
    name: 'for another audience',
    needs: 'aud',
    claims: (p) => ({ ...p, aud: p.aud === 'service_role' ? 'anon' : 'service_role' }),
  },
];

async function managementStatus(client: TargetClient, token: string): Promise<number> {
  return (await client.send('/v1/auth/keys', { headers: bearer(token) })).status;
}

describe(claimTitle('AUTH-07'), () => {
  test.for(UNSIGNED_FORGERIES)(
    'refuses a session JWT with $name',
    async (forgery, { env, tenant, evidence, onTestFinished }) => {
      const client = clientFromAddress(env, freshLoopbackAddress());
      onTestFinished(() => client.close());
      const session = decodeJwt(tenant.token);
      const forged = forgery.forge(session);
      const genuine = await managementStatus(client, tenant.token);
      const status = await managementStatus(client, forged);
      await evidence.positiveControl('the genuine session is accepted', { status: genuine });
      await evidence.record(`forged session: ${forgery.name}`, {
        header: decodeJwt(forged).header,
        claims: Object.keys(session.payload),
        status,
      });
      precondition(genuine === 200, `the genuine session answered ${genuine} on GET /v1/auth/keys, not 200`);
      expect(status).toBe(401);
    },
  );

  test.for(SIGNED_FORGERIES)(
    'refuses a correctly signed session JWT $name',
    async (forgery, { env, tenant, evidence, onTestFinished }) => {
      const client = clientFromAddress(env, freshLoopbackAddress());
      onTestFinished(() => client.close());
      const session = decodeJwt(tenant.token);
      // Positive control: re-signing the genuine token with the run's JWT_SECRET reproduces it byte for byte
      // and is accepted, so a refusal below is about the claim changed, not about our signature.
      const secret = runSecretsOf(env).jwtSecret;
      const resigned = forgeJwt(session.header, session.payload, secret);
      if (!(String(session.header.alg) in HMAC_ALGORITHMS) || resigned !== tenant.token) {
        return evidence.notAssessed(
          `the target's session JWTs (alg ${String(session.header.alg)}) are not HMAC-signed with the run's JWT_SECRET, so correctly signed forgeries cannot be made`,
        );
      }
      if (forgery.needs !== undefined && !(forgery.needs in session.payload)) {
        return evidence.notAssessed(
          `the target's session JWTs carry no \`${forgery.needs}\` claim, so a forgery that changes it tests nothing the contract promises`,
        );
      }
      const genuine = await managementStatus(client, resigned);
      const forged = forgeJwt(session.header, forgery.claims(session.payload), secret);
      const status = await managementStatus(client, forged);
      await evidence.positiveControl(
        'the token re-signed with JWT_SECRET is the genuine one and is accepted',
        {
          reproduced: true,
          status: genuine,
        },
      );
      await evidence.record(`signed forgery: ${forgery.name}`, {
        token: fingerprint(forged),
        claims: decodeJwt(forged).payload,
        status,
      });
      precondition(genuine === 200, `the re-signed genuine session answered ${genuine}, not 200`);
      expect(status).toBe(401);
    },
  );

  test('refuses an mt_live_ key on every management endpoint', async ({
    env,
    tenant,
    apiKey,
    evidence,
    onTestFinished,
  }) => {
    const client = clientFromAddress(env, freshLoopbackAddress());
    onTestFinished(() => client.close());
    const seen = [];
    for (const path of MANAGEMENT_READS) {
      const withSession = await client.send(path, { headers: bearer(tenant.token) });
      const withKey = await client.send(path, { headers: bearer(apiKey.raw_key) });
      seen.push({ path, session: withSession.status, key: withKey.status });
    }
    const servedByKey = await sendChat(client, 'openai', {
      apiKey: apiKey.raw_key,
      providerKey: 'sk-proj-auth07',
    });
    await evidence.positiveControl('the key is served on a proxy endpoint, the session on management', {
      proxyStatus: servedByKey.status,
      sessionStatuses: seen.map((s) => s.session),
    });
    await evidence.record('mt_live_ key on management endpoints', { key: fingerprint(apiKey.raw_key), seen });
    precondition(servedByKey.status === 200, `the key answered ${servedByKey.status} on the proxy, not 200`);
    for (const entry of seen) {
      precondition(entry.session === 200, `the session answered ${entry.session} on ${entry.path}, not 200`);
      expect(entry.key, entry.path).toBe(401);
    }
  });

  test('refuses a session JWT on every proxy endpoint', async ({
    env,
    tenant,
    apiKey,
    evidence,
    onTestFinished,
  }) => {
    const client = clientFromAddress(env, freshLoopbackAddress());
    onTestFinished(() => client.close());
    const seen = [];
    for (const provider of PROVIDERS) {
      const withKey = await sendChat(client, provider, {
        apiKey: apiKey.raw_key,
        providerKey: 'sk-proj-auth07',
      });
      const withSession = await sendChat(client, provider, {
        apiKey: tenant.token,
        providerKey: 'sk-proj-auth07',
      });
      seen.push({ path: PROXY_PATHS[provider], key: withKey.status, session: withSession.status });
    }
    // The Anthropic endpoint also reads x-api-key (contract §1): a JWT there is no better.
    const inXApiKey = await client.send(PROXY_PATHS.anthropic, {
      method: 'POST',
      headers: {
        'x-api-key': tenant.token,
        'x-provider-key': 'sk-ant-auth07',
        'anthropic-version': '2023-06-01',
      },
      body: { model: 'claude-3-5-haiku-latest', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] },
    });
    seen.push({ path: `${PROXY_PATHS.anthropic} (x-api-key)`, key: 200, session: inXApiKey.status });
    await evidence.positiveControl('the key is served on each proxy endpoint', {
      statuses: seen.map((s) => s.key),
    });
    await evidence.record('session JWT on proxy endpoints', { seen });
    for (const entry of seen) {
      precondition(entry.key === 200, `the key answered ${entry.key} on ${entry.path}, not 200`);
      expect(entry.session, entry.path).toBe(401);
    }
  });
});
