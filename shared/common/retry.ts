/**
 * The one retry policy of the service's own loops (DynamoDB's unprocessed batch items, transaction
 * conflicts, version conflicts of read-check-write steps): how many attempts, how long to wait
 * between them, and the caller says what is retryable and what to throw once they are spent.
 * The SDK retries throttling and 5xx itself (see `store/client.ts`); these loops retry what it
 * leaves to the application.
 */

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** The backoff before the second attempt is drawn from [0, 2 × baseDelayMs). */
  readonly baseDelayMs: number;
  /** No single backoff is longer, so eight attempts stay well inside a function's 10 s. */
  readonly maxDelayMs: number;
}

export const RETRY_POLICY: RetryPolicy = { attempts: 8, baseDelayMs: 20, maxDelayMs: 1_000 };

/**
 * The wait before attempt `attempt + 1` (attempts count from 1): exponential backoff with full
 * jitter, so that writes that collided do not collide again.
 *
 * @example backoffDelay(2) // somewhere between 0 and 80 ms
 */
export function backoffDelay(attempt: number, policy: RetryPolicy = RETRY_POLICY): number {
  return Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
}

/**
 * Waits `backoffDelay(attempt, policy)`: for loops that decide retrying themselves (a partial
 * success they resend the rest of).
 *
 * @example await backoff(2) // resolves after 0 to 80 ms
 */
export function backoff(attempt: number, policy: RetryPolicy = RETRY_POLICY): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, policy)));
}

export interface RetryOptions {
  /** Whether a failed attempt is worth another one. Anything else is thrown as it is. */
  readonly retryable: (error: unknown) => boolean;
  /** What to throw when the last attempt failed retryably (gets that attempt's error). */
  readonly exhausted: (error: unknown) => unknown;
  readonly policy?: RetryPolicy;
}

/**
 * Runs `attempt` until it returns, throws something not `retryable`, or the policy's attempts
 * are spent (then throws `exhausted(lastError)`), waiting `backoffDelay` in between.
 *
 * @example
 * await withRetries(() => send(), {
 *   retryable: (error) => isConflict(error),
 *   exhausted: () => new StoreUnavailableError('contended'),
 * })
 */
export async function withRetries<T>(
  attempt: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const policy = options.policy ?? RETRY_POLICY;
  for (let count = 1; ; count++) {
    try {
      return await attempt(count);
    } catch (error) {
      if (!options.retryable(error)) throw error;
      if (count >= policy.attempts) throw options.exhausted(error);
      await backoff(count, policy);
    }
  }
}
