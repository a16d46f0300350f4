// The response header policy: nosniff on every response, and only allow-listed provider headers passed on.
import { describe, expect, it } from 'vitest';
import { createResponseHeaderPolicy } from '../src/http/response-headers.ts';

describe('response header policy', () => {
  const policy = createResponseHeaderPolicy();

  it('passes only the content type of a provider answer', () => {
    expect(
      policy.fromUpstream({
        'content-type': 'text/event-stream',
        'set-cookie': ['a=b'],
        'access-control-allow-origin': '*',
        location: 'https://evil.example/',
        server: 'upstream',
        'x-upstream-canary': 'c',
      }),
    ).toEqual({ 'content-type': 'text/event-stream' });
  });

  it('sets X-Content-Type-Options: nosniff on the reply', () => {
    const set: Record<string, string> = {};
    const reply = {
      header(name: string, value: string) {
        set[name] = value;
        return reply;
      },
    };
    policy.onRequest({} as never, reply as never);
    expect(set).toEqual({ 'x-content-type-options': 'nosniff' });
  });
});
