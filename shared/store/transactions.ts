/**
 * Writes DynamoDB may refuse because another transaction holds one of their items at that instant
 * (TransactionConflict, which the SDK does not retry), and what a cancelled TransactWriteItems
 * means for the client. Every store module sends its transactions and its single-item writes on
 * transactional items through here, so the retry and the error mapping exist once.
 */
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { ServiceUnavailableError } from '../scim/errors.js';
import { documentClient, translateUnavailable } from './client.js';

/** One action of a TransactWriteItems. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** DynamoDB's limit on the actions of one TransactWriteItems. */
export const MAX_TRANSACTION_ACTIONS = 100;

/** Attempts of a write that keeps meeting another transaction on its items. */
const CONFLICT_ATTEMPTS = 8;

export const CONDITION_FAILED = 'ConditionalCheckFailed';

/**
 * Waits before attempt `attempt + 1`: exponential backoff with full jitter, so that writes that
 * collided do not collide again.
 *
 * @example await backoff(2) // somewhere between 0 and 80 ms
 */
export function backoff(attempt: number, baseMs = 20): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * baseMs * 2 ** attempt));
}

/** Why DynamoDB cancelled one action of a transaction. */
export interface CancellationReason {
  /** `None` for an action that was fine, else e.g. `ConditionalCheckFailed`, `ValidationError`. */
  readonly code: string;
  /**
   * The item as it was, when the action asked for it with `ReturnValuesOnConditionCheckFailure`
   * (in DynamoDB's attribute-value form: `{ id: { S: '…' } }`).
   */
  readonly item?: Record<string, unknown>;
}

/**
 * The reasons of a cancelled TransactWriteItems, by action position; undefined for other errors.
 *
 * @example cancellationReasons(error)?.[1]?.code // 'ConditionalCheckFailed'
 */
export function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  const e = error as {
    name?: string;
    CancellationReasons?: { Code?: string; Item?: Record<string, unknown> }[];
  } | null;
  if (e?.name !== 'TransactionCanceledException') return undefined;
  return (e.CancellationReasons ?? []).map((reason) =>
    reason.Item === undefined
      ? { code: reason.Code ?? 'None' }
      : { code: reason.Code ?? 'None', item: reason.Item },
  );
}

/** A string attribute of an item a cancellation returned (attribute-value form or plain). */
export function returnedString(
  reason: CancellationReason | undefined,
  attribute: string,
): string | undefined {
  const value = reason?.item?.[attribute] as { S?: unknown } | string | undefined;
  if (typeof value === 'string') return value;
  return typeof value?.S === 'string' ? value.S : undefined;
}

/**
 * What the client is told about a cancellation that no condition caused, once retries are spent:
 * 429 when DynamoDB throttled an item, 503 when other transactions kept holding the items (both
 * with Retry-After), and otherwise (e.g. `ValidationError`: an item too large, a key refused) a
 * plain error, which answers 500: sending the same write again cannot succeed.
 */
export function cancellationError(reasons: readonly CancellationReason[]): Error {
  const codes = reasons.map((reason) => reason.code);
  if (
    codes.some((code) => code === 'ThrottlingError' || code === 'ProvisionedThroughputExceeded')
  ) {
    return translateUnavailable(
      Object.assign(new Error('transaction throttled'), { name: 'ThrottlingException' }),
    ) as Error;
  }
  if (codes.includes('TransactionConflict')) return busy();
  return new Error(`TransactWriteItems cancelled: ${codes.join(', ')}`);
}

function busy(): ServiceUnavailableError {
  return new ServiceUnavailableError(
    'Other requests are changing the same items at this moment; retry later.',
    1,
  );
}

/**
 * Sends a TransactWriteItems, again (with jitter) while DynamoDB cancels it only because another
 * transaction held one of its items. Returns undefined once it is written, or the reasons by
 * position when a condition failed (then nothing was written). Anything else throws: see
 * `cancellationError`; DynamoDB unreachable or failing answers 503 (`translateUnavailable`).
 */
export async function transactWrite(
  input: TransactWriteCommandInput,
): Promise<CancellationReason[] | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      await documentClient.send(new TransactWriteCommand(input));
      return undefined;
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw translateUnavailable(error);
      if (reasons.some((reason) => reason.code === CONDITION_FAILED)) return reasons;
      const conflictOnly = reasons.every(
        (reason) => reason.code === 'TransactionConflict' || reason.code === 'None',
      );
      if (conflictOnly && attempt < CONFLICT_ATTEMPTS) {
        await backoff(attempt);
        continue;
      }
      throw cancellationError(reasons);
    }
  }
}

/**
 * Actions of one transaction that belong together (a resource write, the memberships of a
 * request), with the error a failed condition among them stands for.
 */
export interface TransactionPart {
  readonly items: readonly TransactItem[];
  /** The error to throw when a condition of `items` failed; gets the reasons of `items` only. */
  readonly onConditionFailed: (reasons: readonly CancellationReason[]) => Error | Promise<Error>;
}

/**
 * Writes every part in one TransactWriteItems, all or nothing. When conditions failed, the first
 * part (in order) with a failed condition decides the error, so put first what a retry may fix
 * (the version of the item read).
 */
export async function transact(parts: readonly TransactionPart[]): Promise<void> {
  const reasons = await transactWrite({
    ReturnConsumedCapacity: 'TOTAL',
    TransactItems: parts.flatMap((part) => part.items),
  });
  if (!reasons) return;
  let offset = 0;
  for (const part of parts) {
    const own = reasons.slice(offset, offset + part.items.length);
    offset += part.items.length;
    if (own.some((reason) => reason.code === CONDITION_FAILED)) {
      throw await part.onConditionFailed(own);
    }
  }
  throw cancellationError(reasons);
}

/**
 * Sends a single-item write again (with jitter) while DynamoDB refuses it because a transaction
 * holds the item (`TransactionConflictException`); 503 when that lasts. Other errors pass
 * unchanged, for the caller to map (e.g. `ConditionalCheckFailedException`).
 */
export async function retryTransactionConflicts<T>(send: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if ((error as { name?: string } | null)?.name !== 'TransactionConflictException') throw error;
      if (attempt >= CONFLICT_ATTEMPTS) throw busy();
      await backoff(attempt);
    }
  }
}
