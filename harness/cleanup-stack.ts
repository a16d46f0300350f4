// Undoes a start step by step, newest first, also when the start failed half-way; and on process exit.
import { formatDuration, HarnessError, messageOf } from './errors.ts';

interface CleanupStep {
  label: string;
  run: () => Promise<void>;
}

/**
 * Each start step defers its undo here as soon as it has something to undo. `unwind()` runs every
 * step (newest first) even when one fails, and throws one HarnessError naming all that failed.
 */
export class CleanupStack {
  readonly #steps: CleanupStep[] = [];

  defer(label: string, run: () => Promise<void> | void): void {
    this.#steps.push({ label, run: async () => run() });
  }

  async unwind(): Promise<void> {
    const failures: string[] = [];
    const causes: unknown[] = [];
    const startedAt = performance.now();
    for (let step = this.#steps.pop(); step !== undefined; step = this.#steps.pop()) {
      try {
        await step.run();
      } catch (error) {
        failures.push(`${step.label}: ${messageOf(error)}`);
        causes.push(error);
      }
    }
    if (failures.length > 0) {
      throw new HarnessError(
        'HARNESS_ERR_ENVIRONMENT_STOP_FAILED',
        `stopping the environment failed after ${formatDuration(performance.now() - startedAt)}:\n` +
          `${failures.map((f) => `  - ${f}`).join('\n')}\n` +
          'Look for leftover processes (ps -ef | grep -e postgres -e node) and mintoken-harness-* dirs in the temp dir.',
        { cause: new AggregateError(causes) },
      );
    }
  }
}

const exitHooks = new Set<() => void>();
const SIGNAL_EXIT_CODES: ReadonlyArray<[NodeJS.Signals, number]> = [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
];

function runExitHooks(): void {
  for (const h of [...exitHooks].reverse()) {
    exitHooks.delete(h);
    try {
      h();
    } catch {
      // Nothing to report to: the process is exiting. The next run's checks will notice.
    }
  }
}
let exitListenerInstalled = false;

/**
 * Registers a synchronous last-resort cleanup that runs if the process exits while the resource
 * still lives (a crash, process.exit in a runner). Returns the function that unregisters it.
 */
export function onProcessExit(hook: () => void): () => void {
  if (!exitListenerInstalled) {
    exitListenerInstalled = true;
    process.on('exit', runExitHooks);
    // A Ctrl-C reaches every process of the terminal's group, vitest's workers included, and a signal
    // ends a process without 'exit': without this, a worker's dedicated Postgres and targets (their own
    // process groups) would outlive the run. When nothing else handles the signal, undo and exit.
    for (const [signal, code] of SIGNAL_EXIT_CODES) {
      process.on(signal, () => {
        if (process.listenerCount(signal) > 1) return; // someone else (the `up` command) stops the run
        runExitHooks();
        process.exit(code);
      });
    }
  }
  exitHooks.add(hook);
  return () => exitHooks.delete(hook);
}
