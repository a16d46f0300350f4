// AUTH-10: passwords are stored with a memory-hard KDF (argon2id, scrypt, or bcrypt at cost ≥ 10) and weak ones are refused at signup.
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { quoteIdent } from '../../harness/inspect/admin-session.ts';
import { fingerprint } from '../../harness/probes/canary.ts';
import { precondition, requireStatus } from '../../harness/verdict.ts';

/** Under 8 characters, or at the top of every public breach list (NCSC top 100k, SecLists, HIBP). */
const WEAK_PASSWORDS = ['Ab1!xyz', 'password', '12345678', 'qwertyuiop', 'iloveyou', 'password1'];
/** ASVS 11.4.2 / OWASP minimums the claim names. */
const ARGON2_MIN_MEMORY_KIB = 19 * 1_024;
const ARGON2_MIN_TIME = 2;
const SCRYPT_MIN_LOG_N = 17;
const BCRYPT_MIN_COST = 10;

interface VerifierVerdict {
  format: string;
  strong: boolean;
  detail: string;
}

/** What a stored value is, if it is a password verifier this check knows; null for anything else. */
function judgeVerifier(value: string): VerifierVerdict | null {
  const argon = /^\$(argon2(?:id|i|d))\$(?:v=\d+\$)?m=(\d+),t=(\d+),p=(\d+)\$/.exec(value);
  if (argon) {
    const [, variant = '', m = '0', t = '0'] = argon;
    const strong =
      variant === 'argon2id' && Number(m) >= ARGON2_MIN_MEMORY_KIB && Number(t) >= ARGON2_MIN_TIME;
    return { format: variant, strong, detail: `m=${m} KiB, t=${t}` };
  }
  const scryptLn = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$/.exec(value);
  if (scryptLn) {
    const ln = Number(scryptLn[1]);
    return { format: 'scrypt', strong: ln >= SCRYPT_MIN_LOG_N, detail: `N=2^${ln}` };
  }
  const scryptN = /^(?:\$scrypt\$|scrypt:)(?:N=)?(\d+)[,:$]/.exec(value);
  if (scryptN) {
    const n = Number(scryptN[1]);
    return { format: 'scrypt', strong: n >= 2 ** SCRYPT_MIN_LOG_N, detail: `N=${n}` };
  }
  const bcrypt = /^\$2[abxy]?\$(\d{2})\$/.exec(value);
  if (bcrypt) {
    const cost = Number(bcrypt[1]);
    return { format: 'bcrypt', strong: cost >= BCRYPT_MIN_COST, detail: `cost ${cost}` };
  }
  // formats that are not memory-hard at any setting: crypt(3) MD5/SHA, PBKDF2, plain digests
  const fast =
    /^\$(1|5|6|md5|sha1)\$/.exec(value) ??
    /^(pbkdf2[_-]?\w*|sha1|sha256|sha512|md5)[$:]/i.exec(value) ??
    /^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128})$/i.exec(value);
  if (fast) return { format: fast[1] ?? 'hex digest', strong: false, detail: 'not memory-hard' };
  return null;
}

describe(claimTitle('AUTH-10'), () => {
  test('refuses signups with passwords under 8 characters or on a common-password list', async ({
    target,
    evidence,
  }) => {
    const signup = (password: string) =>
      target.send('/v1/auth/signup', {
        method: 'POST',
        body: { email: `auth10.${randomUUID().slice(0, 8)}@example.test`, password },
      });
    const strong = await signup(`Auth10-${randomUUID()}`);
    await evidence.positiveControl('a long random password is accepted', { status: strong.status });
    requireStatus(strong, 201, 'signing up with a strong password', strong.body);
    const seen: Array<{ password: string; status: number }> = [];
    for (const password of WEAK_PASSWORDS) {
      const response = await signup(password);
      requireStatus(
        response,
        [201, 400, 409, 422],
        `signing up with a weak password (a throttled answer says nothing)`,
        response.body,
      );
      seen.push({
        password: password.length < 8 ? `${password.length} characters` : password,
        status: response.status,
      });
    }
    await evidence.record('signups with weak passwords', { seen });
    for (const { password, status } of seen)
      expect(status, `signup with the weak password ${password}`).not.toBe(201);
  });

  test("stores the tenant's password as a memory-hard verifier", async ({
    env,
    adminDb,
    tenant,
    evidence,
  }) => {
    if (!adminDb.available) {
      return evidence.notAssessed(
        'no admin connection to the target database (an external target without database.adminUrl)',
      );
    }
    const tables = await adminDb.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema = ANY($1)`,
      [env.database.schemas],
    );
    const rows: Array<{ table: string; row: Record<string, unknown> }> = [];
    for (const table of tables) {
      const name = `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
      const found = await adminDb.query<{ row: Record<string, unknown> }>(
        `SELECT to_jsonb(t) AS row FROM ${name} t WHERE strpos(lower(to_jsonb(t)::text), $1) > 0 LIMIT 5`,
        [tenant.email.toLowerCase()],
      );
      for (const { row } of found) rows.push({ table: `${table.schema}.${table.name}`, row });
    }
    const verifiers = rows.flatMap(({ table, row }) =>
      Object.entries(row).flatMap(([column, value]) => {
        if (typeof value !== 'string') return [];
        const verdict = judgeVerifier(value);
        return verdict === null ? [] : [{ table, column, ...verdict }];
      }),
    );
    const plaintext = rows.some(({ row }) => Object.values(row).some((value) => value === tenant.password));
    await evidence.positiveControl("the sweep finds the tenant's own row by its e-mail", {
      tablesSwept: tables.length,
      rowsWithEmail: rows.map(({ table }) => table),
    });
    await evidence.record('password verifiers in the rows holding the e-mail', {
      password: fingerprint(tenant.password),
      verifiers,
      plaintextStored: plaintext,
    });
    expect(plaintext, 'the password itself is stored in a row with the e-mail').toBe(false);
    precondition(
      rows.length > 0,
      `no row of the schemas ${env.database.schemas.join(', ')} holds the tenant's e-mail`,
    );
    precondition(
      verifiers.length > 0,
      "the rows holding the tenant's e-mail have no value in a password-verifier format this check knows",
    );
    for (const verifier of verifiers) {
      expect(
        verifier.strong,
        `${verifier.table}.${verifier.column} is ${verifier.format} (${verifier.detail})`,
      ).toBe(true);
    }
  });
});
