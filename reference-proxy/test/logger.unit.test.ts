// SECRETS-02 at the unit level: a header object logged anywhere comes out redacted.
import * as pinoTest from 'pino-test';
import { describe, expect, it } from 'vitest';
import { createLogger, serializeError } from '../src/logging/logger.ts';

const CANARY = `sk-canary-${crypto.randomUUID()}`;
const headers = {
  authorization: `Bearer ${CANARY}`,
  'x-provider-key': CANARY,
  'content-type': 'application/json',
};

describe('SECRETS-02 the logger redacts every place a header object can appear', () => {
  it.for([
    // the req serializer keeps method and route only, so req.headers never even reaches redaction
    { name: 'req.headers', record: { req: { method: 'POST', headers } } },
    { name: 'top-level headers', record: { headers } },
    { name: 'request options', record: { options: { method: 'POST', headers } } },
    { name: 'nested upstream options', record: { upstream: { request: { options: { headers } } } } },
    { name: 'a bare authorization field', record: { authorization: headers.authorization } },
    { name: 'a bare x-provider-key field', record: { 'x-provider-key': CANARY } },
    { name: 'a response body', record: { response: { body: `{"echo":"${CANARY}"}` } } },
  ])('redacts $name', async ({ record }) => {
    const stream = pinoTest.sink();
    const logger = createLogger('debug', stream);
    logger.debug(record, 'debug line');
    const line = await new Promise<Record<string, unknown>>((resolve) => stream.once('data', resolve));
    expect(JSON.stringify(line)).not.toContain(CANARY);
    expect(JSON.stringify(line)).toMatch(/\[Redacted\]|"req":\{"method":"POST"\}/);
  });

  it('keeps the fields that are safe to log', async () => {
    const stream = pinoTest.sink();
    const logger = createLogger('info', stream);
    logger.info({ method: 'POST', route: '/v1/messages', status: 200 }, 'request completed');
    await pinoTest.once(
      stream,
      { method: 'POST', route: '/v1/messages', status: 200, msg: 'request completed' },
      (received: unknown, expected: unknown) => expect(received).toMatchObject(expected as object),
    );
  });

  it('serializes errors without their attached request options (positive control: the raw error has them)', () => {
    const error = Object.assign(new Error('connect failed'), { code: 'ECONNRESET', options: { headers } });
    expect(JSON.stringify({ ...error })).toContain(CANARY);
    expect(JSON.stringify(serializeError(error))).not.toContain(CANARY);
  });
});
