// The CLI's usage contract: --help everywhere, exit 2 and the usage text on an unknown command or flag, never a stack trace.
import { afterEach, describe, expect, test, vi } from 'vitest';
import { main } from './main.ts';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
  return { out: () => out.join(''), err: () => err.join('') };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('mintoken-harness', () => {
  test('lists its commands on --help and exits 0', async () => {
    const io = capture();
    expect(await main(['--help'])).toBe(0);
    expect(io.out()).toMatch(/run\s+run the gate/);
    expect(io.out()).toMatch(/doctor/);
  });

  test('exits 2 with the overview on an unknown command', async () => {
    const io = capture();
    expect(await main(['deploy'])).toBe(2);
    expect(io.err()).toContain('unknown command "deploy"');
  });

  test.for(['run', 'merge', 'mutants', 'variants', 'claims', 'doctor', 'up', 'repro', 'verify', 'report'])(
    '%s --help prints its usage and exits 0',
    async (name) => {
      const io = capture();
      expect(await main([name, '--help'])).toBe(0);
      expect(io.out()).toContain(`mintoken-harness ${name}`);
    },
  );

  test('exits 2 with the usage on an unknown flag or a bad value', async () => {
    const io = capture();
    expect(await main(['run', '--bogus'])).toBe(2);
    expect(io.err()).toContain("Unknown option '--bogus'");
    expect(await main(['run', '--shard', '3/2'])).toBe(2);
    expect(await main(['run', '--mode', 'kubernetes'])).toBe(2);
    expect(await main(['run', '--seed', 'abc'])).toBe(2);
    expect(await main(['run', '--keep', '0'])).toBe(2);
  });
});
