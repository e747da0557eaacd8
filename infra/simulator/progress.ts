/**
 * The simulator's progress: the shared progress line (`infra/progress.ts`: on a terminal only,
 * quiet in CI logs) with the request count, rate and errors of the run.
 */
import { type Progress, terminalProgress } from '../progress.js';
import type { Recorder } from './client.js';

export interface ProgressReporter {
  /** Starts a phase of `total` objects. */
  phase(name: string, total: number): void;
  /** One object of the phase done. */
  done(): void;
  stop(): void;
}

export const silentProgress: ProgressReporter = { phase() {}, done() {}, stop() {} };

/** The progress line of a run whose requests `recorder` counts. */
export function stderrProgress(recorder: Recorder, label = 'simulate'): ProgressReporter {
  let lastRequests = 0;
  let lastAt = performance.now();
  const line: Progress = terminalProgress({
    label,
    detail: () => {
      const now = performance.now();
      const rate = ((recorder.requests - lastRequests) * 1000) / Math.max(1, now - lastAt);
      lastRequests = recorder.requests;
      lastAt = now;
      return `${recorder.requests} requests · ${rate.toFixed(0)} req/s · ${recorder.errors} errors`;
    },
  });
  return {
    phase: (name, total) => line.step(name, total),
    done: () => line.advance(),
    stop: () => line.stop(),
  };
}
