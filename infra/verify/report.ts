/**
 * What `npm run verify` prints: one line per check, and on a failure what to do about it. A check
 * is a named step that passes, fails (with the operator's next step) or is skipped (saying why).
 */

export type Outcome = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  readonly name: string;
  readonly outcome: Outcome;
  /** What was seen: figures on a pass, the failure on a fail, the reason on a skip. */
  readonly detail: string;
  /** On a failure: what the operator does about it. */
  readonly fix?: string;
}

/** A check's failure: `message` says what was seen, `fix` what to do (else the check's own). */
export class CheckFailure extends Error {
  override name = 'CheckFailure';
  constructor(
    message: string,
    readonly fix?: string,
  ) {
    super(message);
  }
}

/** The line of one check, e.g. `FAIL  canary demo: token endpoint: 401 invalid_client. Fix: …`. */
export function formatCheck(result: CheckResult): string {
  const label = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' }[result.outcome];
  const detail = result.detail.replace(/\.$/, '');
  const fix = result.outcome === 'fail' && result.fix ? `. Fix: ${result.fix}` : '';
  return `${label}  ${result.name}: ${detail}${fix}`;
}

/** Runs checks one after another, printing each line as it ends, and keeps their results. */
export class CheckRun {
  readonly results: CheckResult[] = [];

  constructor(private readonly print: (line: string) => void = (line) => console.log(line)) {}

  get failed(): readonly CheckResult[] {
    return this.results.filter((result) => result.outcome === 'fail');
  }

  record(result: CheckResult): CheckResult {
    this.results.push(result);
    this.print(formatCheck(result));
    return result;
  }

  skip(name: string, reason: string): CheckResult {
    return this.record({ name, outcome: 'skip', detail: reason });
  }

  /**
   * Runs `body`; its string is the pass detail. A thrown `CheckFailure` (or any error) fails the
   * check with `fix` unless the failure names its own. Returns the body's value on a pass.
   */
  async check<T extends { detail: string }>(
    name: string,
    fix: string,
    body: () => Promise<T>,
  ): Promise<T | undefined> {
    try {
      const value = await body();
      this.record({ name, outcome: 'pass', detail: value.detail });
      return value;
    } catch (error) {
      const failure = error instanceof CheckFailure ? error : undefined;
      const message = error instanceof Error ? error.message : String(error);
      this.record({ name, outcome: 'fail', detail: message, fix: failure?.fix ?? fix });
      return undefined;
    }
  }
}
