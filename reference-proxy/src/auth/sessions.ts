// Session JWTs for the management API: HS256 with JWT_SECRET, issuer, audience and algorithm pinned on verify.
import { jwtVerify, SignJWT } from 'jose';

export const SESSION_AUDIENCE = 'authenticated';
/** AUTH-14: sessions name this service; a token another service signed with the same secret is refused. */
export const SESSION_ISSUER = 'mintoken-reference-proxy';
const ALGORITHM = 'HS256';

export interface Session {
  userId: string;
}

export interface SessionIssuer {
  issue(userId: string): Promise<{ token: string; expiresIn: number }>;
  /** The session, or null for anything not a valid, unexpired token of ours. */
  verify(token: string): Promise<Session | null>;
}

export function createSessionIssuer(secret: string, ttlSeconds: number): SessionIssuer {
  const key = new TextEncoder().encode(secret);
  return {
    async issue(userId) {
      const token = await new SignJWT({ role: SESSION_AUDIENCE })
        .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
        .setSubject(userId)
        .setAudience(SESSION_AUDIENCE)
        .setIssuer(SESSION_ISSUER)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(key);
      return { token, expiresIn: ttlSeconds };
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: [ALGORITHM],
          audience: SESSION_AUDIENCE,
          issuer: SESSION_ISSUER,
          // a token that claims a longer life than ours (AUTH-14) is not one of ours
          maxTokenAge: ttlSeconds,
          requiredClaims: ['exp', 'iat', 'sub'],
        });
        if (payload.role !== SESSION_AUDIENCE || typeof payload.sub !== 'string') return null;
        return { userId: payload.sub };
      } catch {
        return null;
      }
    },
  };
}
