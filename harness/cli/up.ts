// `mintoken-harness up`: starts the environment for a target and keeps it up until Ctrl-C, with a ready tenant, a key and curl lines.
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TargetClient } from '../contract/client.ts';
import { startEnvironment } from '../environment.ts';
import { isHarnessError } from '../errors.ts';
import { loadManifest, resolveTargetManifestPath } from '../manifest.ts';
import { reportDirOf } from '../reporter.ts';

const runId = `up-${new Date().toISOString().replace(/[:.]/g, '-')}`;
const manifestPath = resolveTargetManifestPath();
let environment: Awaited<ReturnType<typeof startEnvironment>>;
try {
  const manifest = await loadManifest(manifestPath);
  environment = await startEnvironment(manifest, {
    manifestPath,
    replicas: 1,
    mutant: process.env.HARNESS_MUTANT || null,
    runId,
    reportDir: reportDirOf(runId),
  });
} catch (error) {
  process.stderr.write(`up: ${isHarnessError(error) ? error.message : String(error)}\n`);
  process.exit(isHarnessError(error) && error.code.startsWith('HARNESS_ERR_MANIFEST') ? 2 : 1);
}
const info = environment.getInfo();
const replica = info.replicas[0];
if (!replica) throw new Error('the environment has no replica');
const dir = reportDirOf(runId);
mkdirSync(dir, { recursive: true });
const caFile = path.join(dir, 'test-ca.pem');
writeFileSync(caFile, info.caPem);

const client = new TargetClient(replica.httpsUrl, info.caPem);
const email = `researcher.${randomUUID().slice(0, 8)}@example.test`;
const password = `${randomUUID()}aA1!`;
let tenantLines = '';
try {
  await client.signup(email, password);
  const login = await client.login(email, password);
  const key = await client.createKey(login.access_token, { name: 'up' });
  tenantLines = `
tenant      ${email} / ${password}
session     ${login.access_token}
api key     ${key.raw_key}

export MT_CA=${caFile} MT_URL=${replica.httpsUrl} MT_SESSION=${login.access_token} MT_KEY=${key.raw_key}
curl --cacert "$MT_CA" "$MT_URL/health"
curl --cacert "$MT_CA" -H "Authorization: Bearer $MT_SESSION" "$MT_URL/v1/auth/keys"
curl --cacert "$MT_CA" -H "Authorization: Bearer $MT_KEY" -H "X-Provider-Key: sk-test-$(date +%s)" \\
  -H 'content-type: application/json' -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}' \\
  "$MT_URL/v1/chat/completions"
curl -i "${replica.httpUrl}/health"    # plain HTTP: a redirect
curl "${info.mockControlUrl}/requests"    # what the mock providers received`;
} catch (error) {
  tenantLines = `\n(no ready tenant: ${(error as Error).message}; the target may not offer signup)`;
}
process.stdout.write(`
environment up (${info.mode}, target ${info.targetName})
https       ${replica.httpsUrl}
http        ${replica.httpUrl}
CA file     ${caFile}
mocks       ${info.mockControlUrl}
logs        ${replica.logFiles.join(', ') || '(not captured in this mode)'}
${tenantLines}

Ctrl-C stops everything.
`);
await client.close();
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\nup: stopping…\n');
  await environment.stop();
  process.stdout.write('up: stopped\n');
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
