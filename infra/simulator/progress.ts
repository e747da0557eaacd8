/**
 * The progress line on stderr: rewritten in place about once a second on a terminal, a plain line
 * every ten seconds otherwise (CI logs).
 */
import type { Recorder } from './client.js';

export interface ProgressReporter {
  /** Starts a phase of `total` objects. */
  phase(name: string, total: number): void;
  /** One object of the phase done. */
  done(): void;
  stop(): void;
}

export const silentProgress: ProgressReporter = { phase() {}, done() {}, stop() {} };

export function stderrProgress(recorder: Recorder, started = performance.now()): ProgressReporter {
  const stream = process.stderr;
  const tty = stream.isTTY === true;
  let name = '';
  let total = 0;
  let completed = 0;
  let lastRequests = 0;
  let lastAt = performance.now();
  let lastPrinted = 0;

  const render = () => {
    const now = performance.now();
    const rate = ((recorder.requests - lastRequests) * 1000) / Math.max(1, now - lastAt);
    lastRequests = recorder.requests;
    lastAt = now;
    const elapsed = Math.round((now - started) / 1000);
    const clock = `${Math.floor(elapsed / 60)}:${String(elapsed % 60).padStart(2, '0')}`;
    return `${name} ${completed}/${total} · ${recorder.requests} requests · ${rate.toFixed(0)} req/s · ${recorder.errors} errors · ${clock}`;
  };
  const timer = setInterval(() => {
    if (tty) {
      stream.write(`\r\x1b[K${render()}`);
    } else if (performance.now() - lastPrinted >= 10_000) {
      lastPrinted = performance.now();
      stream.write(`${render()}\n`);
    }
  }, 1000);
  timer.unref();

  return {
    phase(phaseName, phaseTotal) {
      if (tty && name) stream.write(`\r\x1b[K${render()}\n`);
      name = phaseName;
      total = phaseTotal;
      completed = 0;
    },
    done() {
      completed += 1;
    },
    stop() {
      clearInterval(timer);
      if (tty) stream.write(`\r\x1b[K${render()}\n`);
    },
  };
}
