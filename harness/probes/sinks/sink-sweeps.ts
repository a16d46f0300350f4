/** The sweep of each sink: what it reads, how its control was planted, what it found. */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { copyWritableLayers } from '../../containers/writable-layer.ts';
import { COLUMN_EMBEDDINGS, mergeFound } from '../control-plant.ts';
import { checkFinishedCapture, checkLiveCapture } from '../log-liveness.ts';
import { LocationMatches, NeedleTable } from '../needle-table.ts';
import { type SweepContext as Context, emptyReport, notAssessed, scanFiles } from '../sweep-context.ts';
import type { ObservedResponse, SinkName, SinkReport, SweepSecret } from '../sweep-types.ts';
import { settleLogs } from '../target-logs.ts';
import { flushToDisk, scanRows } from './database-sink.ts';
import { describeRoots, diskRoots, scanDisk } from './disk-sink.ts';
import {
  heapSnapshotUnavailable,
  removeSnapshot,
  snapshotControlProcess,
  takeHeapSnapshot,
} from './heap-sink.ts';

/** How much of the real log the planted lines are appended to (the control sweeps a copy). */
const LOG_COPY_TAIL_BYTES = 64 * 1024;

async function sweepLogs(ctx: Context): Promise<SinkReport> {
  const extra = ctx.options.extraLogFiles ?? [];
  const files = [...ctx.env.replicas.flatMap((r) => r.logFiles), ...extra];
  if (files.length === 0) return notAssessed('logs', 'this mode captures no target logs (manifest `logs`)');
  // each capture must hold a line the target wrote for a request of the harness's, or a clean sweep means nothing
  const liveness = await Promise.all(
    ctx.env.replicas
      .filter((r) => r.logFiles.length > 0)
      .map((r) => checkLiveCapture(r.httpsUrl, ctx.env.caPem, r.logFiles)),
  );
  if (extra.length > 0) liveness.push(await checkFinishedCapture(extra));
  await settleLogs(files);
  const report = emptyReport(
    'logs',
    `every byte each replica wrote to stdout and stderr (${files.length} files), after a marker request to each live replica`,
  );
  report.liveness = liveness;
  await scanFiles(ctx.table, report, files);
  if (ctx.control) {
    // the control: the planted lines appended to a copy of the end of the biggest log, swept the same way
    const sizes = report.sources.map((s) => [s.location, s.bytes] as const).sort((a, b) => b[1] - a[1]);
    const last = sizes[0]?.[0] ?? '(no readable log file)';
    let tail = Buffer.alloc(0);
    if (sizes.length > 0) {
      const handle = await open(last, 'r');
      try {
        const size = (await handle.stat()).size;
        tail = Buffer.alloc(Math.min(size, LOG_COPY_TAIL_BYTES));
        await handle.read(tail, 0, tail.length, size - tail.length);
      } finally {
        await handle.close();
      }
    }
    const copy = Buffer.concat([tail, Buffer.from(ctx.control.text())]);
    const where = `a copy of the last ${tail.length} bytes of ${last} with one planted line per embedding`;
    const found = ctx.table.controlFormsOf(ctx.table.scanBuffer(where, copy));
    report.controls.push(ctx.control.verdict(where, ctx.control.textLabels, found));
  }
  return report;
}

function responseBytes(response: ObservedResponse): Buffer {
  const head = Object.entries(response.headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return Buffer.from(`HTTP ${response.status}\r\n${head.join('')}\r\n${response.body}`, 'utf8');
}

async function sweepResponses(ctx: Context): Promise<SinkReport> {
  const responses = ctx.options.responses ?? [];
  const report = emptyReport(
    'responses',
    `status, headers and body of the ${responses.length} responses the test received`,
  );
  responses.forEach((response, index) => {
    const what = response.request
      ? `${response.request.method} ${new URL(response.request.url).pathname}`
      : '';
    const location = `response #${index + 1} ${what} (${response.status})`.replace('  ', ' ');
    const bytes = responseBytes(response);
    const matches = ctx.table.scanBuffer(location, bytes);
    report.sources.push({
      location,
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    report.bytes += bytes.length;
    report.findings.push(...ctx.table.findingsOf('responses', matches));
  });
  if (ctx.control) {
    const [first, ...rest] = ctx.control.lines();
    const planted: ObservedResponse = {
      status: 200,
      headers: { 'x-planted': first?.[1] ?? '' },
      body: rest.map(([, text]) => text).join('\n'),
    };
    const where = 'a response made by the harness: one embedding in a header, the others in the body';
    const found = ctx.table.controlFormsOf(ctx.table.scanBuffer(where, responseBytes(planted)));
    report.controls.push(ctx.control.verdict(where, ctx.control.textLabels, found));
  }
  return report;
}

async function sweepDisk(ctx: Context): Promise<SinkReport> {
  const { roots, missing } = diskRoots(ctx.env, ctx.options.extraLogFiles ?? []);
  if (roots.length === 0)
    return notAssessed('disk', `no directory of the target is readable in this mode (${missing.join(', ')})`);
  if (ctx.db) await flushToDisk(ctx.db);
  // containers mode: what each replica wrote outside its mounts (docker diff), copied out as files
  const layers = ctx.env.container ? await copyWritableLayers(ctx.env) : null;
  if (layers) roots.push(layers.root);
  const report = emptyReport('disk', describeRoots(roots, missing));
  const scan = await scanDisk(roots, ctx.table, (location) => new LocationMatches(location)).finally(() =>
    layers?.remove(),
  );
  report.sources.push(...scan.sources);
  report.unreadable.push(...scan.unreadable);
  report.bytes = scan.bytes;
  for (const matches of scan.matches) report.findings.push(...ctx.table.findingsOf('disk', matches));
  if (ctx.control) {
    for (const [file, root] of ctx.plantedFiles) {
      const found = ctx.table.controlFormsOf(
        scan.matches.find((m) => m.location === file) ?? new LocationMatches(file),
      );
      report.controls.push(ctx.control.verdict(`${root.role}: ${file}`, ctx.control.textLabels, found));
    }
    const pgRoot = roots.find((root) => root.role === 'postgres data directory');
    if (pgRoot && ctx.plantedTable) {
      const inPg = scan.matches.filter((m) => m.location.startsWith(`${pgRoot.dir}/`));
      const found = mergeFound(inPg.map((m) => ctx.table.controlFormsOf(m)));
      report.controls.push(
        ctx.control.verdict(
          `postgres data directory ${pgRoot.dir}: rows of ${ctx.plantedTable} (data files and WAL)`,
          ctx.control.allLabels,
          found,
        ),
      );
    }
  }
  return report;
}

async function sweepRows(ctx: Context): Promise<SinkReport> {
  if (!ctx.db)
    return notAssessed('db-rows', 'the harness has no admin connection to the target database in this mode');
  const report = emptyReport(
    'db-rows',
    'every column of every row of every table outside pg_catalog, information_schema, pg_toast and temp schemas, read as superuser (row_to_json text, plus raw bytea)',
  );
  const scan = await scanRows(ctx.db, ctx.table);
  report.sources.push(...scan.sources);
  report.bytes = scan.bytes;
  for (const { matches, rowAt } of scan.matches) {
    report.findings.push(
      ...ctx.table.findingsOf('db-rows', matches).map((f) => ({ ...f, location: rowAt(f.offset) })),
    );
  }
  if (ctx.control && ctx.plantedTable) {
    const planted = scan.matches.find((m) => m.matches.location === ctx.plantedTable);
    const found = planted ? ctx.table.controlFormsOf(planted.matches) : new Map<string, string[]>();
    report.controls.push(
      ctx.control.verdict(
        `rows of the scratch table ${ctx.plantedTable}`,
        [...ctx.control.textLabels, ...COLUMN_EMBEDDINGS],
        found,
      ),
    );
  }
  return report;
}

async function sweepStatementLog(ctx: Context): Promise<SinkReport> {
  const file = ctx.env.database.statementLogFile;
  if (file === null)
    return notAssessed('db-statement-log', 'the Postgres statement log is not readable in this mode');
  await settleLogs([file]);
  const report = emptyReport(
    'db-statement-log',
    `the Postgres server log with log_statement=all (${file}), whole`,
  );
  const [matches] = await scanFiles(ctx.table, report, [file]);
  if (ctx.control && ctx.plantedTable) {
    report.controls.push(
      ctx.control.verdict(
        `the INSERT that planted ${ctx.plantedTable}, as the statement log recorded it`,
        ctx.control.allLabels,
        matches ? ctx.table.controlFormsOf(matches) : new Map(),
      ),
    );
  }
  return report;
}

async function sweepHeap(ctx: Context, secrets: readonly SweepSecret[]): Promise<SinkReport> {
  const { env } = ctx;
  const dir = env.dirs.diagnosticDir;
  // process and containers modes: the harness started the target and mounted its diagnostic dir
  if (env.mode === 'external' || dir === null)
    return notAssessed(
      'heap',
      `a heap snapshot needs a Node target process the harness started (mode ${env.mode})`,
    );
  const pids =
    ctx.options.heapPids ?? env.replicas.map((r) => r.pid).filter((pid): pid is number => pid !== null);
  if (pids.length === 0) return notAssessed('heap', 'no target process id is known in this mode');
  // UTF-16LE besides the text forms; the target's live JWT_SECRET is a control the target itself holds
  const controls = new Map(ctx.control?.canaries ?? []);
  if (env.secrets !== null) controls.set('live JWT_SECRET', env.secrets.jwtSecret);
  const table = new NeedleTable(secrets, { utf16: true, extraForms: ctx.options.extraForms, controls });
  const report = emptyReport(
    'heap',
    `V8 heap snapshots (--heapsnapshot-signal; V8 collects all garbage before writing) of pid ${pids.join(', ')}, swept in every form plus UTF-16LE`,
  );
  for (const pid of pids) {
    const unavailable = await heapSnapshotUnavailable(pid);
    if (unavailable !== null) return notAssessed('heap', unavailable);
    const file = await takeHeapSnapshot(pid, dir);
    try {
      const [matches] = await scanFiles(table, report, [file]);
      if (ctx.control) {
        report.controls.push(
          ctx.control.verdict(
            `heap of target pid ${pid}: the JWT_SECRET it holds while it runs`,
            ['live JWT_SECRET'],
            matches ? table.controlFormsOf(matches) : new Map(),
          ),
        );
      }
    } finally {
      await removeSnapshot(file);
    }
  }
  if (ctx.control) {
    const file = await snapshotControlProcess(ctx.control, dir);
    try {
      const control = emptyReport('heap', '');
      const [matches] = await scanFiles(table, control, [file]);
      report.controls.push(
        ctx.control.verdict(
          'heap of a Node process started with the same binary and flags, holding each embedding as a live string',
          ctx.control.textLabels,
          matches ? table.controlFormsOf(matches) : new Map(),
        ),
      );
    } finally {
      await removeSnapshot(file);
    }
  }
  return report;
}

async function sweepFileWrites(ctx: Context): Promise<SinkReport> {
  const writes = ctx.options.writes;
  if (writes === undefined)
    return notAssessed('file-writes', 'no write capture was taken around the traffic (startWriteCapture)');
  if (writes.unavailable !== null) return notAssessed('file-writes', writes.unavailable);
  const report = emptyReport('file-writes', writes.scope);
  for (const [file, bytes] of writes.files) {
    const matches = ctx.table.scanBuffer(file, bytes);
    report.sources.push({
      location: file,
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    report.bytes += bytes.length;
    if (file !== writes.controlFile) report.findings.push(...ctx.table.findingsOf('file-writes', matches));
  }
  if (ctx.control) {
    const where = `a file the control process wrote and deleted under the same trace (${writes.controlFile ?? 'the control process never wrote it'})`;
    const bytes = writes.controlFile === null ? undefined : writes.files.get(writes.controlFile);
    const found = bytes
      ? ctx.table.controlFormsOf(ctx.table.scanBuffer(where, bytes))
      : new Map<string, string[]>();
    report.controls.push(ctx.control.verdict(where, ctx.control.textLabels, found));
  }
  return report;
}

export const SINK_SWEEPS: Record<
  SinkName,
  (ctx: Context, secrets: readonly SweepSecret[]) => Promise<SinkReport>
> = {
  logs: sweepLogs,
  disk: sweepDisk,
  'db-rows': sweepRows,
  'db-statement-log': sweepStatementLog,
  heap: sweepHeap,
  responses: sweepResponses,
  'file-writes': sweepFileWrites,
};
