// The sweep's needle table names findings by fingerprint and form, and its control sees every planted embedding.
import { describe, expect, test } from 'vitest';
import { FRAGMENT_LENGTH, fingerprint, makeCanary } from './canary.ts';
import { ControlPlant } from './control-plant.ts';
import { NeedleTable } from './needle-table.ts';

describe('needle table', () => {
  test('reports a raw copy once per form, by fingerprint, without its fragments', () => {
    const secret = makeCanary('openai');
    const table = new NeedleTable([{ value: secret, label: 'path A' }], { utf16: false });
    const findings = table.findingsOf(
      'logs',
      table.scanBuffer('log', Buffer.from(`{"k":"${secret}"} ${secret}`)),
    );
    expect(findings).toEqual([
      {
        sink: 'logs',
        location: 'log',
        secret: fingerprint(secret),
        label: 'path A',
        form: 'raw',
        offset: 6,
        occurrences: 2,
      },
    ]);
    expect(JSON.stringify(findings)).not.toContain(secret.slice(8, 24));
  });

  test('reports a lone fragment as one finding that counts the fragments it matched', () => {
    const secret = makeCanary('anthropic');
    const table = new NeedleTable([secret], { utf16: false });
    const hint = secret.slice(20, 20 + FRAGMENT_LENGTH + 2);
    const [finding, ...rest] = table.findingsOf('disk', table.scanBuffer('f', Buffer.from(`hint=${hint}`)));
    expect(rest).toEqual([]);
    expect(finding?.form).toBe('fragment@20 (3 fragments)');
  });

  test('leaves the fragments out of text secrets that ask for it', () => {
    const prompt = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit';
    const table = new NeedleTable([{ value: prompt, fragments: false }], { utf16: false });
    expect(
      table.findingsOf('db-rows', table.scanBuffer('t', Buffer.from('Lorem ipsum dolor sit amet'))),
    ).toEqual([]);
    expect(table.describeSecrets()[0]?.forms).toBeLessThan(15);
  });

  test('adds UTF-16LE and extra forms when asked', () => {
    const secret = makeCanary('google');
    const reversed = [...secret].reverse().join('');
    const table = new NeedleTable([secret], {
      utf16: true,
      extraForms: (s) => [{ form: 'reversed', needle: Buffer.from([...s].reverse().join('')) }],
    });
    const heap = Buffer.concat([Buffer.from(secret, 'utf16le'), Buffer.from(` ${reversed}`)]);
    expect(table.findingsOf('heap', table.scanBuffer('h', heap)).map((f) => f.form)).toEqual([
      'utf16le',
      'reversed',
    ]);
  });

  test('sees each planted control embedding by its own canary', () => {
    const control = new ControlPlant();
    const table = new NeedleTable([], { utf16: false, controls: control.canaries });
    const found = table.controlFormsOf(table.scanBuffer('planted', Buffer.from(control.text())));
    const verdict = control.verdict('a planted file', control.textLabels, found);
    expect(verdict.missed).toEqual([]);
    expect(control.textLabels).toHaveLength(12);
    // an empty haystack misses every embedding: the verdict can fail
    const none = control.verdict(
      'nothing',
      control.textLabels,
      table.controlFormsOf(table.scanBuffer('x', Buffer.from('x'))),
    );
    expect(none.missed).toEqual(control.textLabels);
  });
});
