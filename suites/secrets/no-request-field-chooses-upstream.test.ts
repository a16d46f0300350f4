// SECRETS-11: no body field, header or request target chooses where the provider key goes: a trap host gets no connection.
import { Agent, request } from 'undici';
import { afterAll, beforeAll, inject } from 'vitest';
import type { RecordedRequest } from '../../fixtures/mock-upstreams.ts';
import { chatBody } from '../../fixtures/proxy-requests.ts';
import { sendRawHttps } from '../../fixtures/raw-https.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { TrapHost } from '../../fixtures/trap-host.ts';
import { claimTitle } from '../../harness/claims.ts';
import type { TargetClient } from '../../harness/contract/client.ts';
import type { EnvironmentInfo } from '../../harness/environment-info.ts';
import { fingerprint, makeCanary } from '../../harness/probes/canary.ts';
import { precondition, upstreamUrlOf } from '../../harness/verdict.ts';

let trap: TrapHost;
beforeAll(async () => {
  // on the mock upstreams' host: an address the target can reach in every mode
  trap = await TrapHost.start(new URL(upstreamUrlOf(inject('environment'), 'openai')).hostname);
});
afterAll(() => trap.close());

const OPENAI_PATH = '/v1/chat/completions';

interface Attempt {
  status: number;
}

/** One way a request could name another host; `send` makes the request with the given key pair. */
interface Row {
  name: string;
  send(
    context: { target: TargetClient; env: EnvironmentInfo },
    keys: { apiKey: string; providerKey: string },
  ): Promise<Attempt>;
}

const credentialHeaders = (keys: { apiKey: string; providerKey: string }) => ({
  authorization: `Bearer ${keys.apiKey}`,
  'x-provider-key': keys.providerKey,
});

const bodyField = (field: string, value: (host: string) => string): Row => ({
  name: `body ${field}`,
  send: ({ target }, keys) =>
    target.send(OPENAI_PATH, {
      method: 'POST',
      headers: credentialHeaders(keys),
      body: { ...chatBody('openai', 'gpt-4o-mini', 'say hi', false), [field]: value(trap.host) },
    }),
});

const header = (name: string, value: (host: string) => string): Row => ({
  name: `header ${name}`,
  send: ({ target }, keys) =>
    target.send(OPENAI_PATH, {
      method: 'POST',
      headers: { ...credentialHeaders(keys), [name]: value(trap.host) },
      body: chatBody('openai', 'gpt-4o-mini', 'say hi', false),
    }),
});

const ROWS: readonly Row[] = [
  bodyField('api_base', (host) => `https://${host}/v1`),
  bodyField('base_url', (host) => `https://${host}/v1`),
  bodyField('baseURL', (host) => `https://${host}/v1`),
  header('x-forwarded-host', (host) => host),
  header('host', (host) => host),
  header('x-original-url', (host) => `https://${host}${OPENAI_PATH}`),
  header('x-rewrite-url', (host) => `https://${host}${OPENAI_PATH}`),
  {
    name: 'an absolute-form request target',
    async send({ env }, keys) {
      const replica = env.replicas[0];
      precondition(replica !== undefined, 'the environment has no replica');
      const body = JSON.stringify(chatBody('openai', 'gpt-4o-mini', 'say hi', false));
      const raw = await sendRawHttps(
        replica.httpsUrl,
        env.caPem,
        [
          `POST https://${trap.host}${OPENAI_PATH} HTTP/1.1`,
          `Authorization: Bearer ${keys.apiKey}`,
          `X-Provider-Key: ${keys.providerKey}`,
          'Content-Type: application/json',
        ].join('\r\n'),
        { body },
      );
      return { status: raw.status };
    },
  },
];

/** What went wrong for one attempt: trap connections, the key at another provider or path, or sent though refused. */
function problemsOf(requests: readonly RecordedRequest[], key: string, status: number, trapBefore: number) {
  const problems: string[] = [];
  if (trap.connections !== trapBefore)
    problems.push(`the trap host got ${trap.connections - trapBefore} connection(s)`);
  const carrying = requests.filter((r) => JSON.stringify([r.rawHeaders, r.path, r.body]).includes(key));
  const refused = status >= 400 && status < 500;
  if (refused && carrying.length > 0)
    problems.push(`refused, yet ${carrying.length} upstream requests carry the key`);
  for (const r of carrying) {
    if (r.provider !== 'openai') problems.push(`the ${r.provider} upstream got it`);
    if (r.path !== OPENAI_PATH) problems.push(`it went to path ${r.path.replaceAll(key, fingerprint(key))}`);
  }
  return problems;
}

describe(claimTitle('SECRETS-11'), () => {
  test('sees a connection the harness itself makes to the trap host (positive control)', async ({
    env,
    evidence,
  }) => {
    const before = trap.connections;
    const agent = new Agent({ connect: { ca: env.caPem } });
    await request(`https://${trap.host}/`, { dispatcher: agent }).catch(() => undefined);
    await agent.close();
    const problems = problemsOf([], 'unused', 200, before);
    await evidence.positiveControl('a connection to the trap host is reported', { problems });
    precondition(
      problems.includes('the trap host got 1 connection(s)'),
      `the trap host did not count the harness's own connection: ${problems.join('; ') || 'nothing reported'}`,
    );
  });

  test.for(ROWS.map((row) => [row.name, row] as const))(
    'keeps the key on its configured origin when the request names the trap host in %s',
    async ([, row], { env, target, mock, apiKey, evidence }) => {
      const providerKey = makeCanary('openai');
      const trapBefore = trap.connections;
      const cursor = await mock.cursor();
      const { status } = await row.send({ target, env }, { apiKey: apiKey.raw_key, providerKey });
      // any answer counts, 5xx included: where the key went is read from the mocks and the trap, not the status
      precondition(
        Number.isInteger(status),
        `the request with ${row.name} got no HTTP answer: the harness cannot tell what the target did`,
      );
      const requests = await mock.requests({ since: cursor });
      const problems = problemsOf(requests, providerKey, status, trapBefore);
      await evidence.record(`request naming the trap host in ${row.name}`, {
        status,
        trap: trap.host,
        key: fingerprint(providerKey),
        upstreamRequestsSince: requests.map((r) => ({ provider: r.provider, path: r.path })),
        problems,
      });
      expect(problems).toEqual([]);
    },
  );
});
