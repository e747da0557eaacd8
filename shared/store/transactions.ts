/**
 * Writes DynamoDB may refuse because another transaction holds one of their items at that instant
 * (TransactionConflict, which the SDK does not retry), and what a cancelled TransactWriteItems
 * means for the client. Every store module sends its transactions and its single-item writes on
 * transactional items through here, so the retry and the error mapping exist once.
 */
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { withRetries } from '../common/retry.js';
import { documentClient } from './client.js';
import { StoreUnavailableError } from './errors.js';

/** One action of a TransactWriteItems. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** DynamoDB's limit on the actions of one TransactWriteItems. */
export const MAX_TRANSACTION_ACTIONS = 100;

export const CONDITION_FAILED = 'ConditionalCheckFailed';

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
 * What a cancellation that no condition caused means, once retries are spent: throttled when
 * DynamoDB throttled an item, contended when other transactions kept holding the items (both
 * worth a retry later), and otherwise (e.g. `ValidationError`: an item too large, a key refused)
 * a plain error, which answers 500: sending the same write again cannot succeed.
 */
export function cancellationError(reasons: readonly CancellationReason[]): Error {
  const codes = reasons.map((reason) => reason.code);
  if (
    codes.some((code) => code === 'ThrottlingError' || code === 'ProvisionedThroughputExceeded')
  ) {
    return new StoreUnavailableError('throttled');
  }
  if (codes.includes('TransactionConflict')) return new StoreUnavailableError('contended');
  return new Error(`TransactWriteItems cancelled: ${codes.join(', ')}`);
}

/** A cancellation only because other transactions held some of the items: worth a retry. */
class ConflictOnly extends Error {
  constructor(readonly reasons: readonly CancellationReason[]) {
    super('transaction conflict');
  }
}

/**
 * Sends a TransactWriteItems, again (the retry policy of `common/retry.ts`) while DynamoDB
 * cancels it only because another transaction held one of its items. Returns undefined once it
 * is written, or the reasons by position when a condition failed (then nothing was written).
 * Anything else throws: see `cancellationError`; DynamoDB unreachable or failing throws
 * `StoreUnavailableError` (translated by the client).
 */
export async function transactWrite(
  input: TransactWriteCommandInput,
): Promise<CancellationReason[] | undefined> {
  return withRetries(
    async () => {
      try {
        await documentClient().send(new TransactWriteCommand(input));
        return undefined;
      } catch (error) {
        const reasons = cancellationReasons(error);
        if (!reasons) throw error;
        if (reasons.some((reason) => reason.code === CONDITION_FAILED)) return reasons;
        const conflictOnly = reasons.every(
          (reason) => reason.code === 'TransactionConflict' || reason.code === 'None',
        );
        throw conflictOnly ? new ConflictOnly(reasons) : cancellationError(reasons);
      }
    },
    {
      retryable: (error) => error instanceof ConflictOnly,
      exhausted: (error) => cancellationError((error as ConflictOnly).reasons),
    },
  );
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
 * Sends a single-item write again (the retry policy of `common/retry.ts`) while DynamoDB refuses
 * it because a transaction holds the item (`TransactionConflictException`); contended when that
 * lasts. Other errors pass unchanged, for the caller to map (e.g. `ConditionalCheckFailedException`).
 */
export async function retryTransactionConflicts<T>(send: () => Promise<T>): Promise<T> {
  return withRetries(send, {
    retryable: (error) =>
      (error as { name?: string } | null)?.name === 'TransactionConflictException',
    exhausted: () => new StoreUnavailableError('contended'),
  });
}
