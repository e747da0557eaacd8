import { setMaxListeners } from 'node:events';
import type { Context } from 'aws-lambda';
import { ServiceUnavailableError } from '../../scim/errors.js';

/**
 * How long before the function's timeout the handler gives up and answers 503 with Retry-After:
 * time enough to log and flush metrics, so that a slow DynamoDB never ends in a timed-out
 * function, which API Gateway answers with a bare 500. See `withinTimeBudget`.
 */
const TIMEOUT_MARGIN_MS = 500;

/**
 * Runs `work` and answers 503 with Retry-After once the function has only `TIMEOUT_MARGIN_MS`
 * left. Answering does not stop `work`: its promise runs on after the response, and on Lambda a
 * sandbox frozen after the invocation resumes it during a later one, where it would write what
 * the client already gave up on. So `work` gets a signal that is aborted when the budget runs
 * out; the store refuses to start a DynamoDB call once it is (`withStoreStats`) and cancels the
 * one in flight.
 *
 * middy's `timeoutEarlyInMillis` answers the same way but aborts one AbortController shared by
 * every invocation in the process: where invocations run concurrently in one process (the local
 * server, the tests) one request's timeout would abort all the others.
 *
 * @example
 * await withinTimeBudget(context, (signal) => withStoreStats(stats, () => fn(request), signal));
 */
export async function withinTimeBudget<T>(
  context: Context,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  // Every DynamoDB call of the request listens on this signal while in flight, and a request may
  // have more than Node's default of 10 at once (16 parallel BatchWriteItem calls of a sweep):
  // that is by design, not a leak, so no MaxListenersExceededWarning in the logs.
  setMaxListeners(64, controller.signal);
  // Outside Lambda (a bare test call) there is no deadline.
  if (typeof context?.getRemainingTimeInMillis !== 'function') return work(controller.signal);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => {
        const error = new ServiceUnavailableError(
          'The request took too long; retry later.',
          5,
          503,
        );
        reject(error);
        controller.abort(error);
      },
      Math.max(0, context.getRemainingTimeInMillis() - TIMEOUT_MARGIN_MS),
    );
  });
  try {
    return await Promise.race([work(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}
