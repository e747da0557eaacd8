/**
 * Progress of a long command (`fleet plan`, `simulate`, `bench`, `fuzz`, `migrate-names`) on
 * stderr: one line, rewritten in place, on a terminal; nothing at all in CI logs (`CI` set, or
 * stderr not a terminal), whose reader wants the result, not a thousand carriage returns.
 * stdout keeps the command's result, so `… > file` captures only that.
 */

export interface Progress {
  /** Starts a step: its name and, when countable, its `total` units. Shown at once. */
  step(name: string, total?: number): void;
  /** `n` units of the step done (shown with the next refresh). */
  advance(n?: number): void;
  /** Ends the progress line, leaving the last state on screen. */
  stop(): void;
}

export interface ProgressOptions {
  /** Where the line goes; stderr unless a test says otherwise. */
  readonly stream?: Pick<NodeJS.WriteStream, 'write' | 'isTTY'>;
  /** The environment read for `CI`; the process's unless a test says otherwise. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** What else the line says, e.g. `1200 requests · 85 req/s · 0 errors`. */
  readonly detail?: () => string;
  /** The command's name, first on the line. */
  readonly label?: string;
  /** How often the line is refreshed while the event loop is free (work that blocks it, such as a synth, is shown at each step). */
  readonly intervalMs?: number;
}

/** A progress that shows nothing. */
export const noProgress: Progress = { step() {}, advance() {}, stop() {} };

/** Whether progress is shown: on a terminal, outside CI. */
export function showsProgress(
  stream: Pick<NodeJS.WriteStream, 'isTTY'> = process.stderr,
  env: Readonly<Record<string, string | undefined>> = process.env,
): boolean {
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  return stream.isTTY === true && !ci;
}

/**
 * The progress line of a command, or `noProgress` where it would only clutter a log.
 *
 * @example
 * const progress = terminalProgress({ label: 'migrate-names' });
 * progress.step('users', 1200);
 * for (const user of users) { await move(user); progress.advance(); }
 * progress.stop();
 */
export function terminalProgress(options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (!showsProgress(stream, options.env)) return noProgress;
  const started = performance.now();
  let name = '';
  let total: number | undefined;
  let completed = 0;
  let stopped = false;

  const render = () => {
    const elapsed = Math.round((performance.now() - started) / 1000);
    const clock = `${Math.floor(elapsed / 60)}:${String(elapsed % 60).padStart(2, '0')}`;
    const count = total === undefined ? '' : ` ${completed}/${total}`;
    const detail = options.detail?.();
    const parts = [`${options.label ? `${options.label}: ` : ''}${name}${count}`];
    if (detail) parts.push(detail);
    parts.push(clock);
    stream.write(`\r\x1b[K${parts.join(' · ')}`);
  };
  const timer = setInterval(render, options.intervalMs ?? 1000);
  timer.unref();

  return {
    step(stepName, stepTotal) {
      // The finished step stays on its own line; the new one is shown at once.
      if (name) {
        render();
        stream.write('\n');
      }
      name = stepName;
      total = stepTotal;
      completed = 0;
      render();
    },
    advance(n = 1) {
      completed += n;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      if (name) {
        render();
        stream.write('\n');
      }
    },
  };
}
