// `mintoken-harness <command>`: one entry for the gate, the kill matrix, the variants, the catalogue, doctor and up.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { DEFAULT_KEEP, pruneReports } from '../bundle/index.ts';

const CLI_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(CLI_DIR, '..', '..');

interface Command {
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number>;
}

/** Runs a harness script on this Node with extra environment; resolves with its exit code. */
function runScript(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(CLI_DIR, script), ...args], {
      stdio: 'inherit',
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('close', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal === 'SIGINT' ? 130 : 1));
    });
  });
}

const asString = (value: string | boolean | undefined): string | undefined =>
  typeof value === 'string' ? value : undefined;

const COMMANDS: Record<string, Command> = {
  run: {
    summary: 'run the gate against a target and write the evidence report (exit 0/1/2/3)',
    usage: `mintoken-harness run [--target MANIFEST] [--mode auto|process|container|external] [--claims IDS]
                      [--shard i/n] [--seed N] [--prev BUNDLE] [--keep N] [-- vitest args]

  --target   the target manifest (default targets/reference.yaml; same as HARNESS_TARGET)
  --mode     force a run mode (same as HARNESS_MODE); the manifest's run key decides by default
  --claims   run only these claims or families, e.g. AUTH-03,TENANCY (the rest: "not run in this selection")
  --shard    run shard i of n (vitest --shard), for a CI job matrix
  --seed     seed faker so a run replays exactly (same as HARNESS_SEED; recorded in the evidence)
  --prev     the previous bundle this run's bundle chains to (default for a full gate: reports/latest)
  --keep     after the run, keep only the newest N runs under reports/ (nothing is pruned without it)

exit: 0 all claims pass or do not apply · 1 a claim failed · 2 usage or manifest error · 3 undecided`,
    options: {
      target: { type: 'string' },
      mode: { type: 'string' },
      claims: { type: 'string' },
      shard: { type: 'string' },
      seed: { type: 'string' },
      prev: { type: 'string' },
      keep: { type: 'string' },
    },
    async run(values, positionals) {
      const env: NodeJS.ProcessEnv = {};
      const target = asString(values.target);
      if (target) env.HARNESS_TARGET = path.resolve(target);
      const mode = asString(values.mode);
      if (mode) {
        if (!['auto', 'process', 'container', 'external'].includes(mode)) {
          process.stderr.write(`run: --mode is auto, process, container or external (got ${mode})\n`);
          return 2;
        }
        env.HARNESS_MODE = mode;
      }
      const seed = asString(values.seed);
      if (seed) {
        if (!/^\d+$/.test(seed)) {
          process.stderr.write(`run: --seed is a non-negative integer (got ${seed})\n`);
          return 2;
        }
        env.HARNESS_SEED = seed;
      }
      const args: string[] = [];
      const claims = asString(values.claims);
      if (claims) args.push('--claims', claims);
      const shard = asString(values.shard);
      if (shard) {
        const match = /^(\d+)\/(\d+)$/.exec(shard);
        if (!match || Number(match[1]) < 1 || Number(match[1]) > Number(match[2])) {
          process.stderr.write(`run: --shard is i/n with 1 ≤ i ≤ n (got ${shard})\n`);
          return 2;
        }
        args.push(`--shard=${shard}`);
      }
      const prev = asString(values.prev);
      if (prev) env.HARNESS_PREV_BUNDLE = /^[0-9a-f]{64}$/.test(prev) ? prev : path.resolve(prev);
      const keep = asString(values.keep);
      if (keep !== undefined && !/^[1-9]\d*$/.test(keep)) {
        process.stderr.write(`run: --keep is a whole number ≥ 1 (got ${keep})\n`);
        return 2;
      }
      const code = await runScript('gate.ts', [...args, ...positionals], env);
      // Pruning deletes evidence: only when asked (other runs, shards or a kill matrix may be reading reports/).
      if (keep !== undefined) {
        const removed = pruneReports(path.join(ROOT, 'reports'), Number(keep));
        if (removed.length)
          process.stdout.write(`run: pruned ${removed.length} old run(s) from reports/ (--keep ${keep})\n`);
      } else if (
        existsSync(path.join(ROOT, 'reports')) &&
        readdirSync(path.join(ROOT, 'reports')).length > 4 * DEFAULT_KEEP
      ) {
        process.stdout.write(
          `run: reports/ holds many runs; \`run --keep ${DEFAULT_KEEP}\` keeps the newest ${DEFAULT_KEEP}\n`,
        );
      }
      return code;
    },
  },
  mutants: {
    summary: "run the kill matrix over the reference proxy's mutants",
    usage: `mintoken-harness mutants [--only a,b] [--scope claims|all]

  --only    run only these mutants
  --scope   claims (default): the suite files of the claims naming each mutant; all: every suite file`,
    options: { only: { type: 'string' }, scope: { type: 'string' } },
    run(values) {
      const args: string[] = [];
      const only = asString(values.only);
      if (only) args.push('--only', only);
      const scope = asString(values.scope);
      if (scope) args.push('--scope', scope);
      return runScript('mutants.ts', args);
    },
  },
  variants: {
    summary: 'run the reference variants (ways the contract allows) and need each one to pass',
    usage: `mintoken-harness variants [--only a,b]`,
    options: { only: { type: 'string' } },
    run(values) {
      const only = asString(values.only);
      return runScript('variants.ts', only ? ['--only', only] : []);
    },
  },
  claims: {
    summary: 'print the claims catalogue: each claim, how it is proven, its suite files and mutants',
    usage: `mintoken-harness claims [--json] [ID|FAMILY ...]`,
    options: { json: { type: 'boolean' } },
    run(values, positionals) {
      return runScript('claims-list.ts', [...(values.json ? ['--json'] : []), ...positionals]);
    },
  },
  merge: {
    summary: 'merge the evidence of gate shards into one report and verdict',
    usage: `mintoken-harness merge --out DIR SHARD_REPORT_DIR...`,
    options: { out: { type: 'string' } },
    run(values, positionals) {
      const out = asString(values.out);
      return runScript('merge.ts', [
        ...(out ? ['--out', path.resolve(out)] : []),
        ...positionals.map((p) => path.resolve(p)),
      ]);
    },
  },
  repro: {
    summary:
      "scaffold a researcher's repro (repro/NAME.test.ts), or --run it to write report.md and a redacted replay",
    usage: `mintoken-harness repro NAME [--run] [--target MANIFEST]`,
    options: { run: { type: 'boolean' }, target: { type: 'string' } },
    run(values, positionals) {
      const target = asString(values.target);
      return runScript(
        'repro.ts',
        [...positionals, ...(values.run ? ['--run'] : [])],
        target ? { HARNESS_TARGET: path.resolve(target) } : {},
      );
    },
  },
  verify: {
    summary:
      "check an evidence bundle: every file's SHA-256, the Ed25519 signature and the chain to the previous bundle",
    usage: `mintoken-harness verify BUNDLE [--public-key PEM_FILE] [--prev BUNDLE|SHA256] [--require-signature]

exit 0 when the bundle verifies, 1 when any byte, the signature or the chain is wrong`,
    options: {
      'public-key': { type: 'string' },
      prev: { type: 'string' },
      'require-signature': { type: 'boolean' },
    },
    run(values, positionals) {
      const args = ['verify', ...positionals.map((p) => path.resolve(p))];
      const key = asString(values['public-key']);
      if (key) args.push('--public-key', path.resolve(key));
      const prev = asString(values.prev);
      if (prev) args.push('--prev', /^[0-9a-f]{64}$/.test(prev) ? prev : path.resolve(prev));
      if (values['require-signature']) args.push('--require-signature');
      return runScript('bundle-commands.ts', args);
    },
  },
  report: {
    summary: 'render a bundle again from its evidence.json: html, pdf, junit, sarif or oscal',
    usage: `mintoken-harness report BUNDLE --format html|pdf|junit|sarif|oscal [--out DIR]

a PDF (or anything that would change a sealed bundle) needs --out`,
    options: { format: { type: 'string' }, out: { type: 'string' } },
    run(values, positionals) {
      const args = ['report', ...positionals.map((p) => path.resolve(p))];
      const format = asString(values.format);
      if (format) args.push('--format', format);
      const out = asString(values.out);
      if (out) args.push('--out', path.resolve(out));
      return runScript('bundle-commands.ts', args);
    },
  },
  doctor: {
    summary:
      'check what this machine has (Node, Postgres, Chromium, certutil, OpenSSL, Docker, strace); installs nothing',
    usage: `mintoken-harness doctor`,
    options: {},
    run() {
      return runScript('doctor.ts', []);
    },
  },
  up: {
    summary:
      'start the environment for a target and keep it up until Ctrl-C, printing URLs, a tenant, a key and curl lines',
    usage: `mintoken-harness up [--target MANIFEST]`,
    options: { target: { type: 'string' } },
    run(values) {
      const target = asString(values.target);
      return runScript('up.ts', [], target ? { HARNESS_TARGET: path.resolve(target) } : {});
    },
  },
};

function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return `usage: mintoken-harness <command> [options]   (mintoken-harness <command> --help for its options)

commands:
${Object.entries(COMMANDS)
  .map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`)
  .join('\n')}
`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(overview());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`mintoken-harness: unknown command "${name}"\n\n${overview()}`);
    return 2;
  }
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    }) as typeof parsed;
  } catch (error) {
    process.stderr.write(
      `mintoken-harness ${name}: ${(error as Error).message}\n\nusage: ${command.usage}\n`,
    );
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(`${command.summary}\n\nusage: ${command.usage}\n`);
    return 0;
  }
  return command.run(parsed.values, parsed.positionals);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  process.exitCode = await main(process.argv.slice(2));
}
