/** What one sweep shares across its sinks: the needles, the planted control, the admin connection. */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { EnvironmentInfo } from '../environment-info.ts';
import { messageOf } from '../errors.ts';
import type { ControlPlant } from './control-plant.ts';
import { LocationMatches, type NeedleTable } from './needle-table.ts';
import type { DiskRoot } from './sinks/disk-sink.ts';
import type { SinkName, SinkReport, SweepOptions } from './sweep-types.ts';

export interface SweepContext {
  env: EnvironmentInfo;
  options: SweepOptions;
  table: NeedleTable;
  control: ControlPlant | null;
  db: pg.Client | null;
  /** the control's scratch table, planted before any sink is read */
  plantedTable: string | null;
  plantedFiles: Map<string, DiskRoot>;
}

export const emptyReport = (sink: SinkName, scope: string): SinkReport => ({
  sink,
  assessed: true,
  notAssessedReason: null,
  scope,
  sources: [],
  bytes: 0,
  unreadable: [],
  controls: [],
  findings: [],
  durationMs: 0,
});

export const notAssessed = (sink: SinkName, reason: string): SinkReport => ({
  ...emptyReport(sink, '-'),
  assessed: false,
  notAssessedReason: reason,
});

export async function scanFiles(
  table: NeedleTable,
  report: SinkReport,
  files: readonly string[],
): Promise<LocationMatches[]> {
  const all: LocationMatches[] = [];
  for (const file of files) {
    const matches = new LocationMatches(file);
    const hash = createHash('sha256');
    try {
      const bytes = await table.matcher.scanFile(file, matches.add, (chunk) => hash.update(chunk));
      report.sources.push({ location: file, bytes, sha256: hash.digest('hex') });
      report.bytes += bytes;
      report.findings.push(...table.findingsOf(report.sink, matches));
      all.push(matches);
    } catch (error) {
      report.unreadable.push({ location: file, error: messageOf(error) });
    }
  }
  return all;
}
