/** Every needle of every secret and control canary in one matcher, and the findings it yields per location. */
import { createHash } from 'node:crypto';
import { type CanaryForm, canaryForms, fingerprint } from './canary.ts';
import { MultiNeedleMatcher } from './multi-needle.ts';
import type { SinkName, SweepFinding, SweepSecret } from './sweep-types.ts';

interface NeedleOwner {
  /** 'secret' needles are what the sweep reports; 'control' needles belong to a planted canary */
  kind: 'secret' | 'control';
  /** the secret's index, or the control canary's embedding label */
  key: string;
  form: string;
}

interface NormalizedSecret {
  value: string;
  label: string | null;
  fragments: boolean;
}

export function normalizeSecret(secret: SweepSecret): NormalizedSecret {
  return typeof secret === 'string'
    ? { value: secret, label: null, fragments: true }
    : { value: secret.value, label: secret.label ?? null, fragments: secret.fragments ?? true };
}

/** A location's raw matches: needle index → first offset and count. */
export class LocationMatches {
  readonly location: string;
  readonly #hits = new Map<number, { first: number; count: number }>();

  constructor(location: string) {
    this.location = location;
  }

  readonly add = (needle: number, offset: number): void => {
    const hit = this.#hits.get(needle);
    if (hit === undefined) this.#hits.set(needle, { first: offset, count: 1 });
    else hit.count += 1;
  };

  entries(): IterableIterator<[number, { first: number; count: number }]> {
    return this.#hits.entries();
  }
}

/**
 * The needle table of one sweep: the secrets' forms (plus `extraForms`, plus UTF-16LE when the
 * sink is a heap) and each control canary's forms, compiled into one matcher per needle set.
 */
export class NeedleTable {
  readonly secrets: NormalizedSecret[];
  readonly #owners: NeedleOwner[] = [];
  readonly #needles: Buffer[] = [];
  readonly #formCounts: number[];
  readonly matcher: MultiNeedleMatcher;

  constructor(
    secrets: readonly SweepSecret[],
    options: {
      utf16: boolean;
      extraForms?: ((secret: string) => CanaryForm[]) | undefined;
      /** embedding label → control canary; each is searched in its non-fragment forms, 'fragment' in fragments only */
      controls?: ReadonlyMap<string, string>;
    },
  ) {
    this.secrets = secrets.map(normalizeSecret);
    this.#formCounts = this.secrets.map((secret, index) => {
      const forms = [
        ...canaryForms(secret.value, { fragments: secret.fragments, utf16: options.utf16 }),
        ...(options.extraForms?.(secret.value) ?? []),
      ];
      const seen = new Set<string>();
      for (const { form, needle } of forms) {
        const key = needle.toString('hex');
        if (needle.length === 0 || seen.has(key)) continue;
        seen.add(key);
        this.#push({ kind: 'secret', key: String(index), form }, needle);
      }
      return seen.size;
    });
    for (const [embedding, canary] of options.controls ?? []) {
      const fragmentsOnly = embedding === 'fragment';
      for (const { form, needle } of canaryForms(canary, {
        fragments: fragmentsOnly,
        utf16: options.utf16,
      })) {
        if (fragmentsOnly !== form.startsWith('fragment@')) continue;
        this.#push({ kind: 'control', key: embedding, form }, needle);
      }
    }
    this.matcher = new MultiNeedleMatcher(this.#needles);
  }

  #push(owner: NeedleOwner, needle: Buffer): void {
    this.#owners.push(owner);
    this.#needles.push(needle);
  }

  get needleCount(): number {
    return this.#needles.length;
  }

  describeSecrets(): Array<{ fingerprint: string; label: string | null; forms: number }> {
    return this.secrets.map((secret, index) => ({
      fingerprint: fingerprint(secret.value),
      label: secret.label,
      forms: this.#formCounts[index] ?? 0,
    }));
  }

  /**
   * The secrets' findings in one location. Every occurrence of a raw secret also holds all its
   * fragments, so fragments are reported (as one finding) only where no whole form of that secret is.
   */
  findingsOf(sink: SinkName, matches: LocationMatches): SweepFinding[] {
    const bySecret = new Map<string, SweepFinding[]>();
    for (const [needle, hit] of matches.entries()) {
      const owner = this.#owners[needle];
      if (owner?.kind !== 'secret') continue;
      const secret = this.secrets[Number(owner.key)];
      if (secret === undefined) continue;
      const list = bySecret.get(owner.key) ?? [];
      list.push({
        sink,
        location: matches.location,
        secret: fingerprint(secret.value),
        label: secret.label,
        form: owner.form,
        offset: hit.first,
        occurrences: hit.count,
      });
      bySecret.set(owner.key, list);
    }
    return [...bySecret.values()].flatMap((list) => {
      const whole = list.filter((f) => !f.form.startsWith('fragment@'));
      if (whole.length > 0) return whole.sort((a, b) => a.offset - b.offset);
      const first = list.sort((a, b) => a.offset - b.offset)[0];
      return first === undefined ? [] : [{ ...first, form: `${first.form} (${list.length} fragments)` }];
    });
  }

  /** Control embedding label → the forms of its canary found in this location. */
  controlFormsOf(matches: LocationMatches): Map<string, string[]> {
    const found = new Map<string, string[]>();
    for (const [needle] of matches.entries()) {
      const owner = this.#owners[needle];
      if (owner?.kind !== 'control') continue;
      found.set(owner.key, [...(found.get(owner.key) ?? []), owner.form]);
    }
    return found;
  }

  /** Scans a buffer held in memory as one location. */
  scanBuffer(location: string, bytes: Buffer): LocationMatches {
    const matches = new LocationMatches(location);
    this.matcher.scan(bytes, matches.add);
    return matches;
  }
}

export function sha256Of(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
