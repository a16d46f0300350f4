// AUTH-14: sessions are bounded (exp − iat ≤ the TTL, ≤ 24 h) and bound to this service (another iss or aud is 401).
import { createHmac } from 'node:crypto';
import { clientFromAddress, freshLoopbackAddress } from '../../fixtures/client-addresses.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { bearer, type TargetClient } from '../../harness/contract/client.ts';
import { fingerprint } from '../../harness/probes/canary.ts';
import { precondition, runSecretsOf } from '../../harness/verdict.ts';

type Json = Record<string, unknown>;

const HMAC_ALGORITHMS: Record<string, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };
const DAY_S = 24 * 60 * 60;
const FOREIGN_ISSUER = 'https://another-service.example';
const FOREIGN_AUDIENCE = 'another-service';

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decodePart = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Json;

function decodeJwt(token: string): { header: Json; payload: Json } {
  const [header = '', payload = ''] = token.split('.');
  return { header: decodePart(header), payload: decodePart(payload) };
}

function signJwt(header: Json, payload: Json, secret: string): string {
  const input = `${encode(header)}.${encode(payload)}`;
  const hash = HMAC_ALGORITHMS[String(header.alg)] ?? 'sha256';
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
}

async function managementStatus(client: TargetClient, token: string): Promise<number> {
  return (await client.send('/v1/auth/keys', { headers: bearer(token) })).status;
}

describe(claimTitle('AUTH-14'), () => {
  test("a session's lifetime is at most the configured TTL and 24 hours", async ({
    tenant,
    manifest,
    evidence,
  }) => {
    const { payload } = decodeJwt(tenant.token);
    const { exp, iat } = payload;
    precondition(
      typeof exp === 'number' && typeof iat === 'number',
      'the session JWT carries no numeric exp and iat, so its lifetime cannot be read',
    );
    const stated = manifest.limits?.sessionTtlSeconds;
    const bound = Math.min(DAY_S, stated ?? DAY_S);
    await evidence.positiveControl('the session is a JWT whose exp and iat could be read', { exp, iat });
    await evidence.record('session lifetime', {
      lifetimeS: exp - iat,
      boundS: bound,
      statedTtlS: stated ?? null,
    });
    expect(exp - iat, 'exp − iat of a fresh session (seconds)').toBeLessThanOrEqual(bound);
  });

  test.for([
    { name: 'another issuer', claims: (p: Json): Json => ({ ...p, iss: FOREIGN_ISSUER }) },
    { name: 'another audience', claims: (p: Json): Json => ({ ...p, aud: FOREIGN_AUDIENCE }) },
  ])(
    'refuses a session signed with the right secret for $name',
    async ({ name, claims }, { env, tenant, evidence, onTestFinished }) => {
      const client = clientFromAddress(env, freshLoopbackAddress());
      onTestFinished(() => client.close());
      const { header, payload } = decodeJwt(tenant.token);
      const secret = runSecretsOf(env).jwtSecret;
      const resigned = signJwt(header, payload, secret);
      if (!(String(header.alg) in HMAC_ALGORITHMS) || resigned !== tenant.token) {
        return evidence.notAssessed(
          `the target's session JWTs (alg ${String(header.alg)}) are not HMAC-signed with the run's JWT_SECRET, so a token of another service sharing the secret cannot be made`,
        );
      }
      const genuine = await managementStatus(client, resigned);
      const forgedClaims = claims(payload);
      const status = await managementStatus(client, signJwt(header, forgedClaims, secret));
      await evidence.positiveControl(
        'the token re-signed with JWT_SECRET is the genuine one and is accepted',
        {
          status: genuine,
        },
      );
      await evidence.record(`session of ${name}`, {
        token: fingerprint(tenant.token),
        genuine: { iss: payload.iss ?? null, aud: payload.aud ?? null },
        forged: { iss: forgedClaims.iss ?? null, aud: forgedClaims.aud ?? null },
        status,
      });
      precondition(genuine === 200, `the re-signed genuine session answered ${genuine}, not 200`);
      expect(status, `a correctly signed session for ${name}`).toBe(401);
    },
  );
});
