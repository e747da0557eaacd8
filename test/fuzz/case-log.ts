/** One fuzz case's answers and problems, and the JSON helpers the targets share. */
import { contractViolation } from './checks.js';
import type { Answer, Harness, Invocation } from './harness.js';
import type { CaseOutcome, CaseProblem } from './target.js';

/** A case's answers and problems, collected as it runs. */
export class CaseLog {
  readonly statuses: number[] = [];
  readonly problems: CaseProblem[] = [];
  constructor(private readonly harness: Harness) {}

  /** `retryExpected`: a 503 is the answer the case looks for (its oracle judges it), not a misjudged input. */
  async send(invocation: Invocation, options: { retryExpected?: boolean } = {}): Promise<Answer> {
    const answer = await this.harness.invoke(invocation);
    this.statuses.push(answer.status);
    const violation = contractViolation(answer);
    if (violation !== undefined) {
      const kind =
        answer.threw !== undefined || (answer.status >= 500 && answer.status !== 503)
          ? 'server-error'
          : 'contract';
      this.problems.push({ kind, detail: `${invocation.method} ${invocation.path}: ${violation}` });
    } else if ((answer.status === 503 && !options.retryExpected) || answer.status === 429) {
      // Nothing is injected while fuzzing: "retry later" here means an input was misjudged.
      this.problems.push({
        kind: 'unexpected',
        detail: `${invocation.method} ${invocation.path}: ${answer.status} ${answer.text.slice(0, 200)}`,
      });
    }
    return answer;
  }

  problem(kind: CaseProblem['kind'], detail: string): void {
    this.problems.push({ kind, detail });
  }

  outcome(): CaseOutcome {
    return { statuses: this.statuses, problems: this.problems };
  }
}

export const json = (value: unknown) => JSON.stringify(value) ?? 'null';
export const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
