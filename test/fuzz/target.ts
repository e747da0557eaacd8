/**
 * What a fuzz target is: a generator of inputs and a case that sends one input through the real
 * handlers and reports what it found. Targets are written typed (`defineTarget`) and run untyped.
 */
import type fc from 'fast-check';
import type { FuzzFixtures } from './arbitraries.js';
import type { Harness } from './harness.js';
import type { TableReader } from './table.js';

export interface FuzzContext {
  readonly harness: Harness;
  readonly reader: TableReader;
}

/** What one case found wrong, in words, by kind. */
export interface CaseProblem {
  readonly kind: 'server-error' | 'contract' | 'partial-write' | 'unexpected';
  readonly detail: string;
}

export interface CaseOutcome {
  readonly statuses: readonly number[];
  readonly problems: readonly CaseProblem[];
}

export interface FuzzTarget {
  readonly name: string;
  /** What the target sends, for the report. */
  readonly description: string;
  readonly arbitrary: fc.Arbitrary<unknown>;
  run(input: unknown): Promise<CaseOutcome>;
  /** Puts the target's fixtures back as they were created (run between batches). */
  reset(): Promise<void>;
}

/** A target as written: its `run` takes exactly what its arbitrary generates. */
export interface TypedFuzzTarget<T> {
  readonly name: string;
  readonly description: string;
  readonly arbitrary: fc.Arbitrary<T>;
  run(input: T): Promise<CaseOutcome>;
  reset(): Promise<void>;
}

/** What every target builder gets: the service, and the ids and names shared by all targets. */
export interface TargetScope {
  readonly context: FuzzContext;
  readonly global: FuzzFixtures;
}

/**
 * A typed target for the runner, which feeds `run` only values its own arbitrary generated: the
 * one place the input type is set aside.
 *
 * @example defineTarget({ name: 'query', arbitrary: fc.tuple(fc.string()), run: async ([q]) => … })
 */
export function defineTarget<T>(target: TypedFuzzTarget<T>): FuzzTarget {
  return {
    name: target.name,
    description: target.description,
    arbitrary: target.arbitrary as fc.Arbitrary<unknown>,
    run: (input) => target.run(input as T),
    reset: () => target.reset(),
  };
}
