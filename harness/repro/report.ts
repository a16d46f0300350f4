/** A researcher's repro as the policy asks for it: report.md (description, impact, curl reproduction, credit) and a redacted replay. */
import type { TargetExchange } from '../contract/client.ts';

/** A secret seen in a repro and the placeholder that replaces it everywhere. */
export interface Redaction {
  value: string;
  placeholder: string;
}

const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/mt_live_[A-Za-z0-9]{16,}/g, '$MT_KEY'],
  [/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g, '$MT_SESSION'],
  [/\b(?:sk-(?:proj-|ant-)?|AIza)[A-Za-z0-9_-]{16,}/g, '$PROVIDER_KEY'],
];

/** Replaces the known secrets, then anything shaped like a key, session or provider key, with a placeholder. */
export function redact(text: string, known: readonly Redaction[]): string {
  let out = text;
  for (const { value, placeholder } of [...known].sort((a, b) => b.value.length - a.value.length)) {
    if (value.length >= 6) out = out.split(value).join(placeholder);
  }
  for (const [pattern, placeholder] of PATTERNS) out = out.replace(pattern, placeholder);
  return out;
}

function shellQuote(text: string): string {
  // double quotes keep $PLACEHOLDERS expandable; escape what a double-quoted string would interpret
  return `"${text.replace(/(["\\`])/g, '\\$1').replace(/\$(?![A-Z_]+\b)/g, '\\$')}"`;
}

const SKIPPED_HEADERS = new Set(['content-length', 'host', 'connection']);

/** One exchange as a curl line against $MT_URL with the CA in $MT_CA. */
export function curlOf(exchange: TargetExchange, known: readonly Redaction[]): string {
  const url = new URL(exchange.url);
  const parts = ['curl -sS -i --cacert "$MT_CA"', `-X ${exchange.method}`];
  for (const [name, value] of Object.entries(exchange.requestHeaders)) {
    if (!SKIPPED_HEADERS.has(name.toLowerCase()))
      parts.push(`-H ${shellQuote(redact(`${name}: ${value}`, known))}`);
  }
  if (exchange.requestBody !== null)
    parts.push(`--data-raw ${shellQuote(redact(exchange.requestBody, known))}`);
  parts.push(shellQuote(`$MT_URL${url.pathname}${url.search}`));
  return parts.join(' \\\n  ');
}

export interface ReproOutcome {
  name: string;
  title: string;
  /** pass: the target held; fail: the finding reproduced */
  state: 'passed' | 'failed' | 'other';
  errors: string[];
  exchanges: TargetExchange[];
  target: string;
}

export function renderReport(outcome: ReproOutcome, known: readonly Redaction[]): string {
  const finding = outcome.state === 'failed';
  const steps = outcome.exchanges.map(
    (e, i) =>
      `### ${i + 1}. ${e.method} ${new URL(e.url).pathname} → ${e.status}\n\n\`\`\`sh\n${curlOf(e, known)}\n\`\`\``,
  );
  return `# ${outcome.title}

**Subject:** [Security] ${outcome.title}

## Description and impact

${finding ? `Reproduced against \`${outcome.target}\`: the check failed with` : `Not reproduced against \`${outcome.target}\`: the check passed.`}
${finding ? `\n\`\`\`\n${redact(outcome.errors.join('\n\n'), known)}\n\`\`\`\n` : ''}
_Describe what an attacker gains and who is affected (one paragraph)._

## Minimal reproduction

Set \`MT_URL\` (the API origin), \`MT_CA\` (its CA file, or drop \`--cacert\`), \`MT_SESSION\` (a session
token from \`POST /v1/auth/login\`), \`MT_KEY\` (an \`mt_live_\` key) and \`PROVIDER_KEY\` (a provider key you own).
Secrets seen during the run are replaced by these placeholders. The requests, in order:

${steps.join('\n\n') || '_No request was made through the harness client._'}

The full exchange (redacted) is in \`replay.json\` beside this file; the test is \`repro/${outcome.name}.test.ts\`.

## Credit

_Say whether you want public credit when the fix is published, and under which name._
`;
}
