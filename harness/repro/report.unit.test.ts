// Repro reports never carry a secret: known values and anything shaped like a key, session or provider key become placeholders.
import { describe, expect, test } from 'vitest';
import { curlOf, redact } from './report.ts';

describe('repro redaction', () => {
  test('replaces known secrets and key-, session- and provider-key-shaped strings', () => {
    const text =
      'pw=hunter2-secret key=mt_live_abcdefghijklmnopqrstuvwx123456 jwt=eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl sk=sk-proj-ABCDEFGHIJKLMNOPQRSTUV';
    const out = redact(text, [{ value: 'hunter2-secret', placeholder: '$PASSWORD' }]);
    expect(out).toBe('pw=$PASSWORD key=$MT_KEY jwt=$MT_SESSION sk=$PROVIDER_KEY');
  });

  test('writes a curl line against $MT_URL that keeps placeholders expandable and escapes the rest', () => {
    const line = curlOf(
      {
        method: 'POST',
        url: 'https://127.0.0.1:4443/v1/chat/completions?x=1',
        requestHeaders: {
          authorization: 'Bearer mt_live_abcdefghijklmnopqrstuvwx123456',
          'content-length': '9',
        },
        requestBody: '{"a":"$(rm -rf /)"}',
        status: 200,
        responseHeaders: {},
        responseBody: '',
      },
      [],
    );
    expect(line).toContain('-H "authorization: Bearer $MT_KEY"');
    expect(line).toContain('--data-raw "{\\"a\\":\\"\\$(rm -rf /)\\"}"');
    expect(line).toContain('"$MT_URL/v1/chat/completions?x=1"');
    expect(line).not.toContain('content-length');
  });
});
