// The statement-log reader: prefixes, parameters, and the role and tenant context attributed to each statement.
import { describe, expect, it } from 'vitest';
import {
  attribute,
  attributeWindow,
  changesOf,
  contextSettingOf,
  parseParameters,
  parseStatementLog,
  splitStatements,
  tablesOf,
} from './statement-log.ts';

const CLAIMS = contextSettingOf('supabase-jwt-claims');
const A = '3e46b488-f03a-4b14-8057-19c569f973bc';
const claimsOf = (sub: string) => JSON.stringify({ sub, role: 'authenticated' });

function line(pid: number, session: string, vxid: string, message: string, severity = 'LOG') {
  return `2026-12-02 20:18:04.323 UTC [${pid}] owner@db session=${session} vxid=${vxid} xid=0 app=the app ${severity}:  ${message}`;
}

describe('parseStatementLog', () => {
  it('reads simple and extended statements, their parameters and continuation lines', () => {
    const text = [
      '2026-12-02 20:17:56.093 UTC [3695] LOG:  starting PostgreSQL 17.10',
      line(1, 's1', '3/1', 'statement: BEGIN'),
      line(1, 's1', '3/1', 'execute <unnamed>: SELECT set_config($1, $2, true)'),
      line(1, 's1', '3/1', `Parameters: $1 = 'request.jwt.claims', $2 = '${claimsOf(A)}'`, 'DETAIL'),
      line(1, 's1', '3/1', 'statement: SELECT id'),
      '\t  FROM public.api_keys',
      '',
    ].join('\n');
    const { statements, unparsed } = parseStatementLog(text);
    expect(unparsed).toBe(1);
    expect(statements.map((s) => s.sql)).toEqual([
      'BEGIN',
      'SELECT set_config($1, $2, true)',
      'SELECT id\n\t  FROM public.api_keys',
    ]);
    expect(statements[1]!.params).toEqual(['request.jwt.claims', claimsOf(A)]);
    expect(statements[0]!.app).toBe('the app');
  });

  it('reads quoted and NULL parameters', () => {
    expect(parseParameters("$1 = 'it''s', $2 = NULL, $3 = '3'")).toEqual(["it's", null, '3']);
  });
});

describe('attribute', () => {
  const run = (...lines: string[]) => attribute(parseStatementLog(lines.join('\n')).statements, CLAIMS);

  it('holds SET LOCAL ROLE and set_config(…, true) to their transaction', () => {
    const [, , , inTx, after] = run(
      line(1, 's1', '3/1', 'statement: BEGIN'),
      line(1, 's1', '3/1', 'statement: SET LOCAL ROLE authenticated'),
      line(1, 's1', '3/1', `statement: SELECT set_config('request.jwt.claims', '${claimsOf(A)}', true)`),
      line(1, 's1', '3/1', 'statement: SELECT 1 FROM public.usage'),
      line(1, 's1', '3/2', 'statement: SELECT 1 FROM public.usage'),
    );
    expect(inTx).toMatchObject({
      role: 'authenticated',
      roleSource: 'set-local',
      tenant: A,
      contextSource: 'set-local',
    });
    expect(after).toMatchObject({ role: 'owner', roleSource: 'login', tenant: null, contextSource: 'none' });
  });

  it('keeps session-level SET ROLE and set_config(…, false) across transactions until reset', () => {
    const result = run(
      line(1, 's1', '3/1', 'statement: SET ROLE authenticated'),
      line(1, 's1', '3/2', `statement: SELECT set_config('request.jwt.claims', '${claimsOf(A)}', false)`),
      line(1, 's1', '3/3', 'statement: SELECT 1 FROM usage'),
      line(1, 's1', '3/4', 'statement: RESET ROLE'),
      line(1, 's1', '3/5', 'statement: SELECT 1 FROM usage'),
    );
    expect(result[2]).toMatchObject({ role: 'authenticated', roleSource: 'set-session', tenant: A });
    expect(result[4]).toMatchObject({
      role: 'owner',
      roleSource: 'login',
      tenant: A,
      contextSource: 'set-session',
    });
  });

  it('sees claims set without a role switch as the login role (the owner querying for a tenant)', () => {
    const result = run(
      line(1, 's1', '3/1', 'statement: BEGIN'),
      line(1, 's1', '3/1', 'execute <unnamed>: SELECT set_config($1, $2, true)'),
      line(1, 's1', '3/1', `parameters: $1 = 'request.jwt.claims', $2 = '${claimsOf(A)}'`, 'DETAIL'),
      line(1, 's1', '3/1', 'statement: SELECT 1 FROM public.api_keys'),
    );
    expect(result[2]).toMatchObject({ role: 'owner', roleSource: 'login', tenant: A });
  });

  it('reads a plain GUC context and treats an empty value as no tenant', () => {
    const guc = contextSettingOf({ guc: 'app.user_id' });
    expect(changesOf("SET LOCAL app.user_id = 'u1'", guc)).toEqual([
      { kind: 'context', scope: 'local', value: 'u1' },
    ]);
    expect(guc.tenantOf('')).toBeNull();
    expect(CLAIMS.tenantOf(JSON.stringify({ role: 'authenticated' }))).toBeNull();
  });
});

describe('attributeWindow', () => {
  const GUC = contextSettingOf({ guc: 'app.user_id' });

  it('carries a role switched before the window into the transaction that sets the context inside it', () => {
    // the window opened between SET LOCAL ROLE and set_config: read alone, the work looks like the owner's
    const before = [
      line(1, 's1', '3/7', 'statement: BEGIN'),
      line(1, 's1', '3/7', 'statement: SET LOCAL ROLE authenticated'),
      '',
    ].join('\n');
    const window = [
      line(1, 's1', '3/7', "execute <unnamed>: SELECT set_config('app.user_id', $1, true)"),
      line(1, 's1', '3/7', `parameters: $1 = '${A}'`, 'DETAIL'),
      line(1, 's1', '3/7', 'statement: SELECT 1 FROM public.usage'),
      line(1, 's1', '3/8', 'statement: SELECT 1 FROM public.usage'),
      '',
    ].join('\n');
    const alone = attribute(parseStatementLog(window).statements, GUC);
    expect(alone[1]).toMatchObject({ role: 'owner', tenant: A });
    const { statements } = attributeWindow(before, window, GUC);
    expect(statements.map((s) => s.seq)).toEqual([0, 1, 2]);
    expect(statements[1]).toMatchObject({ role: 'authenticated', roleSource: 'set-local', tenant: A });
    expect(statements[2]).toMatchObject({ role: 'owner', roleSource: 'login', tenant: null });
  });

  it('keeps a session-level role set long before the window', () => {
    const before = line(2, 's2', '4/1', 'statement: SET ROLE authenticated');
    const window = [
      line(2, 's2', '4/9', 'statement: BEGIN'),
      line(2, 's2', '4/9', "statement: SELECT set_config('app.user_id', 'u1', true)"),
      line(2, 's2', '4/9', 'statement: SELECT 1 FROM public.usage'),
    ].join('\n');
    expect(attributeWindow(before, window, GUC).statements[2]).toMatchObject({
      role: 'authenticated',
      roleSource: 'set-session',
      tenant: 'u1',
    });
  });
});

describe('tablesOf', () => {
  const tables = [
    { schema: 'public', name: 'usage' },
    { schema: 'public', name: 'users' },
  ];
  it('finds tables after FROM, JOIN, UPDATE, INTO, qualified or not, and not in other schemas', () => {
    expect(tablesOf('SELECT * FROM public.usage u JOIN "users" x ON true', tables)).toEqual([
      'public.usage',
      'public.users',
    ]);
    expect(tablesOf('SELECT * FROM auth.users', tables)).toEqual([]);
    expect(tablesOf('SELECT usage FROM other', tables)).toEqual([]);
  });
});

describe('splitStatements', () => {
  it('splits at semicolons outside quotes, dollar quotes and comments', () => {
    expect(
      splitStatements('BEGIN; SET LOCAL ROLE authenticated; SELECT \';\', $$a;b$$, "x;y" -- c;d\nFROM t;'),
    ).toEqual(['BEGIN', 'SET LOCAL ROLE authenticated', 'SELECT \';\', $$a;b$$, "x;y" -- c;d\nFROM t']);
  });

  it('attributes each statement of one simple query in turn', () => {
    const text = line(
      1,
      's1',
      '3/1',
      `statement: BEGIN; SET LOCAL ROLE authenticated; SELECT set_config('request.jwt.claims', '${claimsOf(A)}', true); SELECT 1 FROM public.usage; COMMIT`,
    );
    const parts = attribute(parseStatementLog(text).statements, CLAIMS);
    expect(parts.find((p) => p.sql === 'SELECT 1 FROM public.usage')).toMatchObject({
      role: 'authenticated',
      tenant: A,
    });
  });
});
