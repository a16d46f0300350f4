// POST /v1/auth/signup and POST /v1/auth/login.

import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { refuseThrottledClient } from '../auth/guards.ts';
import { weakPasswordReason } from '../auth/passwords.ts';
import type { Components } from '../components.ts';
import { ApiError, badRequest } from '../errors.ts';
import { clientAddress } from '../http/request-context.ts';

// strict: a client cannot choose server-owned fields such as `plan` (AUTH-13)
const CredentialsSchema = z.strictObject({
  email: z.email().max(320),
  password: z.string().max(1_024),
});
const LoginSchema = z.strictObject({ email: z.string().max(320), password: z.string().max(1_024) });

// One message for an unknown e-mail and a wrong password.
const invalidCredentials = () => new ApiError(401, 'invalid_credentials', 'Invalid e-mail or password.');

export async function accountRoutes(
  app: FastifyInstance,
  options: { components: Components },
): Promise<void> {
  const { components } = options;

  app.post('/v1/auth/signup', async (request, reply) => {
    // AUTH-12: scripted account farming from one address meets 429 early
    const admitted = components.signupThrottle.take(clientAddress(request));
    if (!admitted.allowed) {
      throw new ApiError(
        429,
        'rate_limit_exceeded',
        'Too many signups from this address. Try again later.',
        admitted.retryAfterSeconds,
      );
    }
    const parsed = CredentialsSchema.safeParse(request.body);
    if (!parsed.success) throw badRequest('Expected {email, password} with a valid e-mail.');
    const weak = weakPasswordReason(parsed.data.password);
    if (weak !== null) throw badRequest(`Choose a stronger password: ${weak}.`);
    const passwordHash = await components.passwords.hash(parsed.data.password);
    const userId = await components.accounts.create(parsed.data.email.toLowerCase(), passwordHash);
    // AUTH-09: a taken e-mail answers like a new one (an id that names no account), after the same hashing work
    return reply.code(201).send({ user_id: userId ?? randomUUID() });
  });

  app.post('/v1/auth/login', async (request) => {
    await refuseThrottledClient(components, request);
    const parsed = LoginSchema.safeParse(request.body);
    if (!parsed.success) throw badRequest('Expected {email, password}.');
    const account = await components.accounts.findByEmail(parsed.data.email.toLowerCase());
    // verify runs either way (against a dummy hash for unknown e-mails) so both refusals take as long
    const ok = await components.passwords.verify(account?.passwordHash ?? null, parsed.data.password);
    if (account === null || !ok) {
      await components.authFailureThrottle.recordFailure(clientAddress(request));
      throw invalidCredentials();
    }
    const session = await components.sessions.issue(account.id);
    return {
      access_token: session.token,
      token_type: 'bearer',
      expires_in: session.expiresIn,
      user: { id: account.id, email: account.email },
    };
  });
}
