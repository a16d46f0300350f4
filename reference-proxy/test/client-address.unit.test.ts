// The client address behind an edge: X-Forwarded-For is believed only from TRUSTED_PROXIES, and only its right-most untrusted hop.
import type { FastifyRequest } from 'fastify';
import { afterEach, describe, expect, test } from 'vitest';
import { clientAddress, setTrustedProxies } from '../src/http/request-context.ts';

function request(socket: string, forwarded?: string): FastifyRequest {
  return {
    raw: { socket: { remoteAddress: socket } },
    headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
  } as unknown as FastifyRequest;
}

afterEach(() => setTrustedProxies([]));

describe('clientAddress', () => {
  test('ignores X-Forwarded-For when nothing is trusted', () => {
    expect(clientAddress(request('::ffff:127.0.0.9', '10.0.0.1'))).toBe('127.0.0.9');
  });

  test('takes the right-most untrusted hop from a trusted edge, never what the client prepended', () => {
    setTrustedProxies(['127.0.0.1']);
    expect(clientAddress(request('127.0.0.1', '6.6.6.6, 127.0.0.42'))).toBe('127.0.0.42');
    expect(clientAddress(request('127.0.0.1', '127.0.0.42, 127.0.0.1'))).toBe('127.0.0.42');
    expect(clientAddress(request('127.0.0.1'))).toBe('127.0.0.1');
    expect(clientAddress(request('127.0.0.7', '1.2.3.4'))).toBe('127.0.0.7');
  });
});
