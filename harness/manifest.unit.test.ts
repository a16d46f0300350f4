// Unit tests of the target manifest schema and loader (contract §3).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_MANIFEST_PATH,
  loadManifest,
  parseManifest,
  resolveTargetManifestPath,
  runModeOf,
} from './manifest.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '..');

const VALID = {
  name: 'stub',
  run: { process: { command: ['node', 'main.ts'] } },
  database: { tenantRole: 'authenticated', tenantContext: { guc: 'app.user_id' } },
  accounts: [{ email: 'a@example.test', password: 'pw' }],
  logs: 'capture',
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'manifest-test-'));
  // A project root two levels above the manifest: relative paths resolve against it.
  await writeFile(path.join(dir, 'package.json'), '{}');
  await mkdir(path.join(dir, 'targets', 'nested'), { recursive: true });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function writeManifest(name: string, text: string): Promise<string> {
  const file = path.join(dir, 'targets', 'nested', name);
  await writeFile(file, text);
  return file;
}

describe('target manifest', () => {
  it('loads targets/reference.yaml with cwd at the repository root', async () => {
    const manifest = await loadManifest(DEFAULT_MANIFEST_PATH);
    expect(manifest.name).toBe('reference-proxy');
    expect(runModeOf(manifest)).toBe('process');
    expect(manifest.run.process?.command).toEqual(['node', 'reference-proxy/src/main.ts']);
    expect(manifest.run.process?.cwd).toBe(REPO_ROOT);
    expect(manifest.database.schemas).toEqual(['public']);
  });

  it('loads a JSON manifest and resolves its paths against the project root', async () => {
    const file = await writeManifest(
      'external.json',
      JSON.stringify({
        ...VALID,
        run: {
          external: {
            httpsUrl: 'https://staging.example',
            httpUrl: 'http://staging.example',
            caFile: 'ca.pem',
          },
        },
        database: { ...VALID.database, adminUrl: 'postgres://auditor@db.example/app' },
        accounts: [],
        logs: { file: 'logs/app.log' },
      }),
    );
    const manifest = await loadManifest(file);
    expect(runModeOf(manifest)).toBe('external');
    expect(manifest.run.external?.caFile).toBe(path.join(dir, 'ca.pem'));
    expect(manifest.logs).toEqual({ file: path.join(dir, 'logs/app.log') });
  });

  it('accepts both container forms: an image and a build', () => {
    const image = parseManifest(
      { ...VALID, run: { container: { image: 'ghcr.io/acme/proxy:1' } } },
      'inline',
    );
    const build = parseManifest(
      { ...VALID, run: { container: { build: { context: '.', dockerfile: 'Dockerfile' } } } },
      'inline',
    );
    expect(runModeOf(image)).toBe('container');
    expect(build.run.container?.build?.dockerfile).toBe('Dockerfile');
  });

  it('accepts signup accounts and the supabase tenant context', () => {
    const manifest = parseManifest(
      {
        ...VALID,
        accounts: 'signup',
        database: { tenantRole: 'authenticated', tenantContext: 'supabase-jwt-claims' },
      },
      'inline',
    );
    expect(manifest.accounts).toBe('signup');
  });

  it.for([
    {
      $name: 'a misspelt field',
      patch: { run: { process: { comand: ['node'] } } },
      field: 'run.process',
      says: 'comand',
    },
    {
      $name: 'a wrong type',
      patch: { database: { tenantRole: 5, tenantContext: 'supabase-jwt-claims' } },
      field: 'database.tenantRole',
      says: 'string',
    },
    {
      $name: 'two run modes',
      patch: {
        run: { process: { command: ['x'] }, external: { httpsUrl: 'https://a', httpUrl: 'http://a' } },
      },
      field: 'run',
      says: 'exactly one',
    },
    {
      $name: 'an empty command',
      patch: { run: { process: { command: [] } } },
      field: 'run.process.command',
      says: '',
    },
    {
      $name: 'adminUrl on a process target',
      patch: { database: { ...VALID.database, adminUrl: 'postgres://x@y/z' } },
      field: 'database.adminUrl',
      says: 'external',
    },
    {
      $name: 'an unknown tenant context',
      patch: { database: { tenantRole: 'a', tenantContext: 'jwt' } },
      field: 'database.tenantContext',
      says: 'guc',
    },
    { $name: 'an unknown top-level field', patch: { replicas: 2 }, field: '', says: 'replicas' },
  ])('refuses $name and names the field', ({ patch, field, says }) => {
    const attempt = () => parseManifest({ ...VALID, ...patch }, 'targets/broken.yaml');
    expect(attempt).toThrow(/HARNESS_ERR_MANIFEST_INVALID/);
    expect(attempt).toThrow(/targets\/broken\.yaml/);
    if (field !== '') expect(attempt).toThrow(`at ${field}`);
    expect(attempt).toThrow(says);
  });

  it('names the file when it cannot be read or parsed', async () => {
    await expect(loadManifest(path.join(dir, 'missing.yaml'))).rejects.toThrow(
      /HARNESS_ERR_MANIFEST_NOT_FOUND.*missing\.yaml/,
    );
    const broken = await writeManifest('broken.yaml', 'name: [unclosed\n');
    await expect(loadManifest(broken)).rejects.toThrow(/HARNESS_ERR_MANIFEST_UNPARSEABLE.*broken\.yaml/);
  });

  it('takes the manifest from HARNESS_TARGET, else targets/reference.yaml', () => {
    expect(resolveTargetManifestPath({})).toBe(path.join(REPO_ROOT, 'targets', 'reference.yaml'));
    expect(resolveTargetManifestPath({ HARNESS_TARGET: '/x/acme.yaml' })).toBe('/x/acme.yaml');
  });
});
