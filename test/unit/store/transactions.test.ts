import { describe, expect, it } from 'vitest';
import { ScimError, ServiceUnavailableError } from '../../../shared/scim/errors.js';
import { scimErrorOf } from '../../../shared/service/errors.js';
import { cancellationError, cancellationReasons } from '../../../shared/store/transactions.js';

const cancelled = (reasons: unknown[]) =>
  Object.assign(new Error('Transaction cancelled'), {
    name: 'TransactionCanceledException',
    CancellationReasons: reasons,
  });

describe('cancellationReasons', () => {
  it('reads the code of every position and the item a failed condition returned', () => {
    const reasons = cancellationReasons(
      cancelled([
        { Code: 'None' },
        {
          Code: 'ConditionalCheckFailed',
          Item: { id: { S: 'u-1' }, pk: { S: 'UNIQUE#User#a' } },
        },
        {},
      ]),
    );

    expect(reasons).toEqual([
      { code: 'None' },
      { code: 'ConditionalCheckFailed', item: { id: { S: 'u-1' }, pk: { S: 'UNIQUE#User#a' } } },
      { code: 'None' },
    ]);
  });

  it('is undefined for any error but a cancelled transaction', () => {
    expect(cancellationReasons(new Error('other'))).toBeUndefined();
    expect(cancellationReasons(undefined)).toBeUndefined();
  });
});

describe('cancellationError', () => {
  it('is 429 with Retry-After when DynamoDB throttled one of the items', () => {
    const error = scimErrorOf(cancellationError([{ code: 'None' }, { code: 'ThrottlingError' }]));

    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error).toMatchObject({ status: 429, headers: { 'Retry-After': expect.any(String) } });
  });

  it('is 503 with Retry-After when other transactions kept holding the items', () => {
    const error = scimErrorOf(
      cancellationError([{ code: 'TransactionConflict' }, { code: 'None' }]),
    );

    expect(error).toMatchObject({ status: 503, headers: { 'Retry-After': expect.any(String) } });
  });

  it('is a plain error (500, not worth a retry) for any other reason, e.g. ValidationError', () => {
    const error = scimErrorOf(
      cancellationError([{ code: 'None' }, { code: 'ValidationError' }]),
    ) as Error;

    expect(error).not.toBeInstanceOf(ScimError);
    expect(error.message).toContain('ValidationError');
  });
});
