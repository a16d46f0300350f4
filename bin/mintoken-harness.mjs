#!/usr/bin/env node
// The `mintoken-harness` command: runs harness/cli/main.ts on the project's Node 24 (node_modules/.bin/node), forwarding signals and the exit code.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const main = path.join(root, 'harness', 'cli', 'main.ts');
const major = Number(process.versions.node.split('.')[0]);
let node = process.execPath;
if (major < 24) {
  const local = path.join(root, 'node_modules', '.bin', 'node');
  if (!existsSync(local)) {
    process.stderr.write(
      `mintoken-harness needs Node 24 (this is ${process.version}) and ${local} is missing: run \`bash scripts/setup.sh\` first.\n`,
    );
    process.exit(2);
  }
  node = local;
}
const child = spawn(node, [main, ...process.argv.slice(2)], { stdio: 'inherit', cwd: process.cwd() });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 128 + 2 : 1);
});
