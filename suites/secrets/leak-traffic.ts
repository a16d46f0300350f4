// The traffic the "what we never store" claims sweep after: every provider, streaming or not, and every error path.
import { faker } from '@faker-js/faker';
import { Agent, request } from 'undici';
import { chatBody, PROXY_PATHS, sendChat } from '../../fixtures/proxy-requests.ts';
import type { TargetResponse } from '../../harness/contract/client.ts';
import type { CreatedKey } from '../../harness/contract/schemas.ts';
import type { EnvironmentInfo, Provider } from '../../harness/environment-info.ts';
import { makeCanary } from '../../harness/probes/canary.ts';
import { sendLogMarker } from '../../harness/probes/log-liveness.ts';
import { type SpareReplica, startSpareReplica } from '../../harness/probes/spare-replica.ts';
import type { TrafficSession } from './traffic-session.ts';

export { openTrafficSession, TRAFFIC_TENANTS, type TrafficSession } from './traffic-session.ts';

/** Gemini `model` values that try to leave the provider path (contract §1 forbids `/ ? # @ .. %`). */
export const HOSTILE_GEMINI_MODELS = [
  { name: 'path traversal (../)', model: '../../v1/chat/completions' },
  { name: 'another host (@host)', model: 'gemini-1.5-flash@evil.example' },
  { name: 'encoded slash (%2F)', model: '..%2F..%2Fv1%2Fchat%2Fcompletions' },
  { name: 'query string (?)', model: 'gemini-1.5-flash:generateContent?key=x' },
  { name: 'fragment (#)', model: 'gemini-1.5-flash#' },
] as const;

/** A prompt unique to one request: faker words between two copies of a marker (a truncation keeps one). */
export function makeCanaryPrompt(): { text: string; marker: string } {
  const marker = `prompt-${makeCanary('text').slice('canary-'.length)}`;
  return { text: `${marker} ${faker.lorem.sentence()} ${marker}`, marker };
}

export type Outcome = {
  status: number;
  responses: TargetResponse[];
  note?: string;
  /** the connection ended before the client hung up (the target closed it, e.g. stopped without draining): allowed traffic, recorded */
  cut?: string;
};

/** Errors of a connection the other side closed or reset: a stream cut short, which the contract allows. */
export function isCutConnection(error: unknown): boolean {
  const e = error as { code?: string; name?: string; cause?: { code?: string } } | null;
  const codes = ['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'UND_ERR_ABORTED', 'ECONNREFUSED'];
  return (
    e !== null &&
    (codes.includes(e.code ?? '') ||
      codes.includes(e.cause?.code ?? '') ||
      e.name === 'SocketError' ||
      e.name === 'AbortError')
  );
}

/**
 * The body size the body-limit path sends: just over the plan's limit the manifest states
 * (`limits.maxRequestBodyBytes`), else clearly over any plausible plan (8 MiB) but bounded.
 */
export function oversizeBodyBytes(maxRequestBodyBytes: number | null): number {
  return maxRequestBodyBytes === null ? 8 * 1024 * 1024 : maxRequestBodyBytes + 64 * 1024;
}

/** A stream read until `chunks` data chunks arrived, then `during` runs, then the client hangs up. */
async function streamThenHangUp(
  baseUrl: string,
  env: EnvironmentInfo,
  provider: Provider,
  headers: Record<string, string>,
  prompt: string,
  chunks: number,
  during: () => Promise<void> = async () => undefined,
): Promise<Outcome> {
  const agent = new Agent({ connect: { ca: env.caPem } });
  const controller = new AbortController();
  try {
    const response = await request(`${baseUrl}${PROXY_PATHS[provider]}`, {
      method: 'POST',
      dispatcher: agent,
      signal: controller.signal,
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(chatBody(provider, 'mock-slow-stream', prompt, true)),
    });
    let seen = 0;
    let cut: string | undefined;
    const received: Buffer[] = [];
    try {
      for await (const chunk of response.body) {
        received.push(chunk as Buffer);
        seen += 1;
        if (seen === chunks) await during();
        if (seen >= chunks + 2) break;
      }
    } catch (error) {
      // the target closed the stream first (stopped at once, or cut the stream): expected traffic
      if (!isCutConnection(error)) throw error;
      cut = `the target closed the connection after ${seen} chunks (${(error as Error).message})`;
    }
    controller.abort();
    const flat = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, String(v)]));
    return {
      status: response.statusCode,
      responses: [
        {
          status: response.statusCode,
          headers: flat,
          body: Buffer.concat(received).toString('utf8'),
          request: { method: 'POST', url: `${baseUrl}${PROXY_PATHS[provider]}` },
        },
      ],
      note: cut ?? `client hung up after ${seen} chunks`,
      ...(cut ? { cut } : {}),
    };
  } finally {
    controller.abort();
    await agent.close().catch(() => undefined);
  }
}

export interface TrafficPath {
  name: string;
  /** whose key shape the canary takes */
  provider: Provider;
  /**
   * the status that proves the path ran; null where any answer will do (whether a hostile Gemini
   * model is refused is SECRETS-01's question; here it only has to have been sent)
   */
  expectedStatus: number | null;
  /** whether the key reaches the mock provider on this path (so it was in the target's hands for real) */
  reachesUpstream: boolean;
  run(session: TrafficSession, providerKey: string, prompt: string): Promise<Outcome>;
}

const withKey =
  (
    fn: (
      session: TrafficSession,
      key: CreatedKey,
      providerKey: string,
      prompt: string,
    ) => Promise<TargetResponse>,
  ) =>
  async (session: TrafficSession, providerKey: string, prompt: string): Promise<Outcome> => {
    const key = await session.freshKey();
    try {
      const response = await fn(session, key, providerKey, prompt);
      return { status: response.status, responses: [response] };
    } finally {
      await session.revoke(key);
    }
  };

const chat = (provider: Provider, options: { model?: string; stream?: boolean } = {}) =>
  withKey((s, key, providerKey, prompt) =>
    sendChat(s.client, provider, { apiKey: key.raw_key, providerKey, prompt, ...options }),
  );

const PROVIDERS: readonly Provider[] = ['openai', 'anthropic', 'google'];

/** Every path the issue lists; each gets its own canary key from the caller. */
export const TRAFFIC_PATHS: readonly TrafficPath[] = [
  ...PROVIDERS.flatMap((provider) => [
    {
      name: `${provider}, answered whole`,
      provider,
      expectedStatus: 200,
      reachesUpstream: true,
      run: chat(provider),
    },
    {
      name: `${provider}, streamed`,
      provider,
      expectedStatus: 200,
      reachesUpstream: true,
      run: chat(provider, { stream: true }),
    },
  ]),
  ...(
    [
      ['upstream 401 that echoes the key', 'openai', 401, 'mock-echo-401'],
      ['upstream 500', 'anthropic', 500, 'mock-500'],
      ['upstream connection reset', 'google', 502, 'mock-reset'],
      ['upstream timeout', 'openai', 504, 'mock-timeout'],
      ['upstream malformed JSON', 'anthropic', 502, 'mock-malformed-json'],
    ] as const
  ).map(([name, provider, expectedStatus, model]) => ({
    name,
    provider,
    expectedStatus,
    reachesUpstream: true,
    run: chat(provider, { model }),
  })),
  {
    name: 'slow stream the client aborts',
    provider: 'anthropic',
    expectedStatus: 200,
    reachesUpstream: true,
    async run(session, providerKey, prompt) {
      const key = await session.freshKey();
      try {
        const headers = {
          authorization: `Bearer ${key.raw_key}`,
          'x-provider-key': providerKey,
          'anthropic-version': '2023-06-01',
        };
        return await streamThenHangUp(session.client.baseUrl, session.env, 'anthropic', headers, prompt, 2);
      } finally {
        await session.revoke(key);
      }
    },
  },
  {
    name: 'body over the size limit',
    provider: 'openai',
    expectedStatus: 413,
    reachesUpstream: false,
    run: withKey((s, key, providerKey, prompt) =>
      // just over the limit the target states in its manifest, else clearly over any plan (bounded)
      sendChat(s.client, 'openai', {
        apiKey: key.raw_key,
        providerKey,
        prompt: `${prompt} ${'x'.repeat(oversizeBodyBytes(s.maxRequestBodyBytes))}`,
      }),
    ),
  },
  {
    name: 'malformed JSON body',
    provider: 'openai',
    expectedStatus: 400,
    reachesUpstream: false,
    run: withKey((s, key, providerKey) =>
      s.client.send(PROXY_PATHS.openai, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key.raw_key}`,
          'x-provider-key': providerKey,
          'content-type': 'application/json',
        },
        body: '{"model": "gpt-4o-mini", "messages": [',
      }),
    ),
  },
  {
    name: 'invalid mt_live_ key',
    provider: 'openai',
    expectedStatus: 401,
    reachesUpstream: false,
    run: async (s, providerKey, prompt) => {
      const response = await sendChat(s.client, 'openai', {
        apiKey: makeCanary('mt_live'),
        providerKey,
        prompt,
      });
      return { status: response.status, responses: [response] };
    },
  },
  {
    name: 'revoked mt_live_ key',
    provider: 'anthropic',
    expectedStatus: 401,
    reachesUpstream: false,
    run: async (s, providerKey, prompt) => {
      const key = await s.freshKey();
      await s.revoke(key);
      // the very next request with the revoked key
      const response = await sendChat(s.client, 'anthropic', { apiKey: key.raw_key, providerKey, prompt });
      return { status: response.status, responses: [response] };
    },
  },
  {
    name: 'missing X-Provider-Key (the key sent under another name)',
    provider: 'openai',
    expectedStatus: 400,
    reachesUpstream: false,
    run: withKey((s, key, providerKey, prompt) =>
      sendChat(s.client, 'openai', {
        apiKey: key.raw_key,
        prompt,
        headers: { 'x-provider-api-key': providerKey },
      }),
    ),
  },
  {
    name: '429 after the key is exhausted',
    provider: 'google',
    expectedStatus: 429,
    reachesUpstream: true,
    async run(session, providerKey, prompt) {
      const key = await session.freshKey();
      try {
        const responses: TargetResponse[] = [];
        // the quota is whatever RateLimit-Policy says; stop at the first 429 (bounded)
        for (let i = 0; i < 1_100; i += 1) {
          const response = await sendChat(session.client, 'google', {
            apiKey: key.raw_key,
            providerKey,
            prompt,
          });
          if (response.status === 429)
            return {
              status: 429,
              responses: [...responses, response],
              note: `429 after ${i} admitted requests`,
            };
          responses.push(response);
          if (response.status !== 200) return { status: response.status, responses };
        }
        return { status: 200, responses, note: 'no 429 within 1,100 requests' };
      } finally {
        await session.revoke(key);
      }
    },
  },
  ...HOSTILE_GEMINI_MODELS.map(({ name, model }) => ({
    name: `Gemini model with ${name}`,
    provider: 'google' as const,
    expectedStatus: null,
    reachesUpstream: false,
    run: chat('google', { model }),
  })),
];

/**
 * A replica the test started, SIGTERMed while it streams: the drain path. Its logs and dirs are swept
 * with the rest. A target may drain or stop at once; a stream it cuts is allowed and recorded (`cut`).
 * Before the stream, a marker request to the replica leaves a line its log must hold.
 */
export async function restartMidStream(
  env: EnvironmentInfo,
  session: TrafficSession,
  providerKey: string,
  prompt: string,
  onStarted: (replica: SpareReplica) => void = () => undefined,
): Promise<Outcome & { replica: SpareReplica }> {
  const replica = await startSpareReplica(env);
  onStarted(replica);
  try {
    await sendLogMarker(replica.httpsUrl, env.caPem);
    const key = await session.freshKey();
    try {
      const headers = { authorization: `Bearer ${key.raw_key}`, 'x-provider-key': providerKey };
      let stopping: Promise<void> = Promise.resolve();
      const outcome = await streamThenHangUp(
        replica.httpsUrl,
        env,
        'openai',
        headers,
        prompt,
        2,
        async () => {
          stopping = replica.stop();
        },
      );
      await stopping;
      return {
        ...outcome,
        replica,
        note: `${outcome.note}; SIGTERM after chunk 2, exited: ${replica.hasExited()}`,
      };
    } finally {
      await session.revoke(key).catch(() => undefined);
    }
  } finally {
    await replica.stop();
  }
}
