// Reads the Postgres statement log (log_statement=all, the embedded prefix) back into statements with the role and tenant context each one ran under.
import { open, stat } from 'node:fs/promises';

/**
 * One line's prefix as harness/embedded/postgres.ts writes it:
 * `%m [%p] %q%u@%d session=%c vxid=%v xid=%x app=%a `, then `SEVERITY:  message`.
 */
const LINE =
  /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+) \[(\d+)\] (\S*)@(\S*) session=(\S+) vxid=(\S*) xid=(\S*) app=(.*?) ?(LOG|DETAIL|ERROR|STATEMENT|WARNING|NOTICE|HINT|CONTEXT|FATAL|PANIC|INFO|DEBUG\d?): {2}(.*)$/;
/** Any line that starts with a log timestamp: a prefix the parser does not know, or a non-session process. */
const ANY_PREFIX = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/;

/** One statement a session sent, with its bind parameters substituted for analysis. */
export interface LoggedStatement {
  /** order in the window */
  seq: number;
  pid: number;
  /** the login role of the session (`%u`) */
  user: string;
  session: string;
  vxid: string;
  app: string;
  /** the SQL as logged (simple or extended protocol) */
  sql: string;
  /** the bind parameters of an extended-protocol execute, as logged ($1 first) */
  params: (string | null)[];
}

/** Where a statement ran: its effective role and the tenant context in force. */
export interface AttributedStatement extends LoggedStatement {
  /** the role the statement ran as: SET [LOCAL] ROLE in force, else the login role */
  role: string;
  /** how the role was chosen */
  roleSource: 'login' | 'set-local' | 'set-session';
  /** the tenant id the context held (the JWT claims' `sub`, or the GUC's value); null when unset or empty */
  tenant: string | null;
  /** how the context was set */
  contextSource: 'none' | 'set-local' | 'set-session';
}

/** Which setting carries the tenant context, and how to read a tenant id out of its value. */
export interface ContextSetting {
  name: string;
  tenantOf(value: string): string | null;
}

export function contextSettingOf(spec: 'supabase-jwt-claims' | { guc: string }): ContextSetting {
  if (spec === 'supabase-jwt-claims') {
    return {
      name: 'request.jwt.claims',
      tenantOf(value) {
        try {
          const sub = (JSON.parse(value) as { sub?: unknown }).sub;
          return typeof sub === 'string' && sub !== '' ? sub : null;
        } catch {
          return null;
        }
      },
    };
  }
  return { name: spec.guc.toLowerCase(), tenantOf: (value) => (value === '' ? null : value) };
}

/** The byte length of the log now: statements after it are "the window". */
export async function logOffset(file: string): Promise<number> {
  return (await stat(file)).size;
}

/** The log's text from `offset` to `end` (default: its end now). */
export async function readLogFrom(file: string, offset: number, end?: number): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(Math.max(0, Math.min(end ?? size, size) - offset));
    await handle.read(buffer, 0, buffer.length, offset);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

/** `$1 = 'a''b', $2 = NULL` → ['a\'b', null]. */
export function parseParameters(text: string): (string | null)[] {
  const out: (string | null)[] = [];
  const pattern = /\$(\d+) = (?:NULL|'((?:[^']|'')*)')(?:, |$)/gy;
  for (const m of text.matchAll(pattern))
    out[Number(m[1]) - 1] = m[2] === undefined ? null : m[2].replaceAll("''", "'");
  return out;
}

interface Entry {
  pid: number;
  user: string;
  session: string;
  vxid: string;
  app: string;
  severity: string;
  message: string;
}

/**
 * The statements of a log excerpt, in order. Lines without a prefix continue the previous message (a
 * statement over several lines); a `DETAIL:  parameters:` line gives the execute before it its values.
 * `unparsed` counts prefixed lines that did not match (another prefix: the parser is blind to them).
 */
export function parseStatementLog(text: string): { statements: LoggedStatement[]; unparsed: number } {
  const entries: Entry[] = [];
  let unparsed = 0;
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (m) {
      entries.push({
        pid: Number(m[2]),
        user: m[3]!,
        session: m[5]!,
        vxid: m[6]!,
        app: m[8]!,
        severity: m[9]!,
        message: m[10]!,
      });
    } else if (ANY_PREFIX.test(line)) {
      unparsed += 1;
    } else if (entries.length > 0 && line !== '') {
      const last = entries[entries.length - 1]!;
      last.message += `\n${line}`;
    }
  }
  const statements: LoggedStatement[] = [];
  for (const entry of entries) {
    if (entry.severity === 'LOG') {
      const simple = /^statement: ([\s\S]*)$/.exec(entry.message);
      const extended = /^execute [^:]*: ([\s\S]*)$/.exec(entry.message);
      const sql = simple?.[1] ?? extended?.[1];
      if (sql === undefined) continue;
      statements.push({
        seq: statements.length,
        pid: entry.pid,
        user: entry.user,
        session: entry.session,
        vxid: entry.vxid,
        app: entry.app,
        sql,
        params: [],
      });
    } else if (entry.severity === 'DETAIL' && /^parameters: /i.test(entry.message)) {
      // the parameters belong to the last statement of the same session
      for (let i = statements.length - 1; i >= 0; i--) {
        const s = statements[i]!;
        if (s.session !== entry.session) continue;
        if (s.params.length === 0) s.params = parseParameters(entry.message.slice('parameters: '.length));
        break;
      }
    }
  }
  return { statements, unparsed };
}

/** The SQL with `$n` replaced by the logged values as literals, for reading set_config and SET. */
function withParameters(statement: LoggedStatement): string {
  return statement.sql.replace(/\$(\d+)/g, (whole, n: string) => {
    const value = statement.params[Number(n) - 1];
    return value === undefined ? whole : value === null ? 'NULL' : `'${value.replaceAll("'", "''")}'`;
  });
}

const unquoteIdent = (name: string) =>
  name.startsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name.toLowerCase();
const unquoteLiteral = (literal: string) => literal.slice(1, -1).replaceAll("''", "'");

type Change =
  | { kind: 'role'; scope: 'local' | 'session'; role: string | null }
  | { kind: 'context'; scope: 'local' | 'session'; value: string | null }
  | { kind: 'reset-all' };

/** What a statement changes of the session's role or tenant context (SET, RESET, set_config). */
export function changesOf(sql: string, setting: ContextSetting): Change[] {
  const changes: Change[] = [];
  const text = sql.trim().replace(/;\s*$/, '');
  const ident = String.raw`("(?:[^"]|"")+"|[A-Za-z_][\w$.]*)`;
  const literal = "('(?:[^']|'')*')";
  const setRole = new RegExp(
    String.raw`^SET\s+(LOCAL\s+|SESSION\s+)?ROLE\s+(?:${ident}|${literal})$`,
    'i',
  ).exec(text);
  if (setRole) {
    const scope = setRole[1]?.trim().toUpperCase() === 'LOCAL' ? 'local' : 'session';
    const raw = setRole[2] !== undefined ? unquoteIdent(setRole[2]) : unquoteLiteral(setRole[3]!);
    changes.push({ kind: 'role', scope, role: raw.toLowerCase() === 'none' ? null : raw });
  }
  if (/^RESET\s+ROLE$/i.test(text)) changes.push({ kind: 'role', scope: 'session', role: null });
  if (/^(RESET\s+ALL|DISCARD\s+ALL)$/i.test(text)) changes.push({ kind: 'reset-all' });
  const setGuc = new RegExp(
    String.raw`^SET\s+(LOCAL\s+|SESSION\s+)?${ident}\s*(?:=|\s+TO\s+)\s*(?:${literal}|(\S+))$`,
    'i',
  ).exec(text);
  if (setGuc && unquoteIdent(setGuc[2]!).toLowerCase() === setting.name) {
    const scope = setGuc[1]?.trim().toUpperCase() === 'LOCAL' ? 'local' : 'session';
    const value = setGuc[3] !== undefined ? unquoteLiteral(setGuc[3]) : setGuc[4]!;
    changes.push({ kind: 'context', scope, value: value.toUpperCase() === 'DEFAULT' ? null : value });
  }
  const reset = new RegExp(String.raw`^RESET\s+${ident}$`, 'i').exec(text);
  if (reset && unquoteIdent(reset[1]!).toLowerCase() === setting.name)
    changes.push({ kind: 'context', scope: 'session', value: null });
  // set_config('name', value, is_local), anywhere in the statement (SELECT set_config(...), ...)
  const lit = "'(?:[^']|'')*'";
  const call = new RegExp(
    String.raw`set_config\s*\(\s*(?<name>${lit})\s*,\s*(?<value>${lit}|NULL)\s*,\s*(?<local>true|false|'t'|'f')\s*\)`,
    'gi',
  );
  for (const m of text.matchAll(call)) {
    const groups = m.groups as { name: string; value: string; local: string };
    const name = unquoteLiteral(groups.name).toLowerCase();
    const value = groups.value.toUpperCase() === 'NULL' ? null : unquoteLiteral(groups.value);
    const scope = /^(true|'t')$/i.test(groups.local) ? 'local' : 'session';
    if (name === 'role')
      changes.push({
        kind: 'role',
        scope,
        role: value === null || value.toLowerCase() === 'none' ? null : value,
      });
    else if (name === setting.name) changes.push({ kind: 'context', scope, value });
  }
  return changes;
}

const MAY_CHANGE_STATE = /\b(?:set|reset|discard|set_config)\b/i;

/**
 * Each statement with the role and tenant context it ran under. State is followed per session:
 * session-level SET ROLE / set_config(…, false) until reset; SET LOCAL / set_config(…, true) until
 * the transaction (the virtual transaction id) changes.
 */
export function attribute(
  statements: readonly LoggedStatement[],
  setting: ContextSetting,
  /** statements before this `seq` only build up their session's state: none of them is returned */
  fromSeq = 0,
): AttributedStatement[] {
  interface State {
    sessionRole: string | null;
    sessionContext: string | null;
    vxid: string;
    localRole: string | null | undefined;
    localContext: string | null | undefined;
  }
  const sessions = new Map<string, State>();
  const out: AttributedStatement[] = [];
  for (const statement of statements) {
    let state = sessions.get(statement.session);
    if (!state) {
      state = {
        sessionRole: null,
        sessionContext: null,
        vxid: statement.vxid,
        localRole: undefined,
        localContext: undefined,
      };
      sessions.set(statement.session, state);
    }
    if (state.vxid !== statement.vxid) {
      state.vxid = statement.vxid;
      state.localRole = undefined;
      state.localContext = undefined;
    }
    // a simple query may hold several statements (`BEGIN; SET LOCAL ROLE …; SELECT …`): each in turn
    for (const part of splitStatements(statement.sql)) {
      const piece = { ...statement, sql: part };
      // only SET, RESET, DISCARD and set_config change a role or context: the rest skip the parsing
      const changes = MAY_CHANGE_STATE.test(part) ? changesOf(withParameters(piece), setting) : [];
      for (const change of changes) {
        if (change.kind === 'reset-all') {
          state.sessionRole = null;
          state.sessionContext = null;
          state.localRole = undefined;
          state.localContext = undefined;
        } else if (change.kind === 'role') {
          if (change.scope === 'local') state.localRole = change.role;
          else {
            state.sessionRole = change.role;
            state.localRole = undefined;
          }
        } else if (change.scope === 'local') state.localContext = change.value;
        else {
          state.sessionContext = change.value;
          state.localContext = undefined;
        }
      }
      const localRole = state.localRole;
      const role = localRole ?? state.sessionRole ?? statement.user;
      const roleSource =
        localRole != null ? 'set-local' : state.sessionRole !== null ? 'set-session' : 'login';
      const contextValue = state.localContext !== undefined ? state.localContext : state.sessionContext;
      const tenant = contextValue === null ? null : setting.tenantOf(contextValue);
      const contextSource =
        tenant === null ? 'none' : state.localContext !== undefined ? 'set-local' : 'set-session';
      if (statement.seq >= fromSeq) out.push({ ...piece, role, roleSource, tenant, contextSource });
    }
  }
  return out;
}

/**
 * The window's statements attributed with the state their sessions built up before it: a
 * transaction may have switched role (SET LOCAL ROLE) before the window opened and set the tenant
 * context after, and a pooled connection may hold a session-level role from long before. Reading
 * the window alone would see that transaction's work as the login role under a tenant's context.
 * `before` is the log from its start (the server's start) up to the window.
 */
export function attributeWindow(
  before: string,
  window: string,
  setting: ContextSetting,
): { statements: AttributedStatement[]; unparsed: number } {
  const earlier = parseStatementLog(before).statements;
  const parsed = parseStatementLog(window);
  const inWindow = parsed.statements.map((s) => ({ ...s, seq: s.seq + earlier.length }));
  const attributed = attribute([...earlier, ...inWindow], setting, earlier.length);
  return {
    statements: attributed.map((s) => ({ ...s, seq: s.seq - earlier.length })),
    unparsed: parsed.unparsed,
  };
}

/**
 * The statements of one query string, split at semicolons outside quotes, quoted identifiers,
 * dollar-quoted bodies and comments; empty pieces are dropped.
 */
export function splitStatements(sql: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      // a doubled quote inside is two adjacent quoted runs: the loop reads them one after the other
      i = end === -1 ? sql.length : end + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else if (c === '$') {
      const tag = /^\$(?:[A-Za-z_][\w]*)?\$/.exec(sql.slice(i))?.[0];
      if (tag === undefined) i += 1;
      else {
        const end = sql.indexOf(tag, i + tag.length);
        i = end === -1 ? sql.length : end + tag.length;
      }
    } else if (c === ';') {
      parts.push(sql.slice(start, i));
      i += 1;
      start = i;
    } else i += 1;
  }
  parts.push(sql.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** The application tables a statement reads or writes (FROM, JOIN, UPDATE, INTO, DELETE FROM, TABLE). */
export function tablesOf(sql: string, tables: readonly { schema: string; name: string }[]): string[] {
  const found = new Set<string>();
  for (const t of tables) {
    const name = t.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const schema = t.schema.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const pattern = new RegExp(
      String.raw`\b(?:from|join|update|into|table)\s+(?:only\s+)?(?:"?${schema}"?\s*\.\s*)?"?${name}"?(?![\w$])`,
      'i',
    );
    if (pattern.test(sql)) found.add(`${t.schema}.${t.name}`);
  }
  return [...found];
}
