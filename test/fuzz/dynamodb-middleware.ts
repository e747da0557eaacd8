/**
 * Middlewares for the service's own DynamoDB client (`shared/store/client.ts`), added from the test
 * process (the handlers run in it): key-size checks DynamoDB Local skips but AWS enforces, and
 * injected faults shaped like the SDK's own errors.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

type Stack = DynamoDBDocumentClient['middlewareStack'];

/** AWS key limits: partition key values 1..2048 bytes, sort key values 1..1024 bytes (UTF-8). */
const PARTITION_KEY_BYTES = 2048;
const SORT_KEY_BYTES = 1024;
const PARTITION_KEYS = new Set(['pk', 'gsi1pk', 'gsi2pk', 'gsi3pk', 'gsi4pk', 'gsi5pk']);
const SORT_KEYS = new Set(['sk', 'gsi1sk', 'gsi5sk']);

/** An error as the SDK deserializes a DynamoDB 400: name, message, `$fault`, `$metadata`. */
export function sdkError(
  name: string,
  message: string,
  options: { status?: number; fault?: 'client' | 'server'; throttling?: boolean } = {},
): Error {
  const status = options.status ?? 400;
  return Object.assign(new Error(message), {
    name,
    $fault: options.fault ?? (status >= 500 ? 'server' : 'client'),
    $metadata: {
      httpStatusCode: status,
      requestId: 'INJECTED',
      attempts: 1,
      totalRetryDelay: 0,
    },
    ...(options.throttling ? { $retryable: { throttling: true } } : {}),
  });
}

function stringOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const attribute = value as { S?: unknown } | undefined;
  return typeof attribute?.S === 'string' ? attribute.S : undefined;
}

/** Every violation of the key limits in a (marshalled) command input; empty when all fit. */
export function keySizeViolations(commandName: string, input: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const check = (name: string, value: unknown) => {
    const text = stringOf(value);
    if (text === undefined) return;
    const bytes = Buffer.byteLength(text, 'utf8');
    const limit = PARTITION_KEYS.has(name)
      ? PARTITION_KEY_BYTES
      : SORT_KEYS.has(name)
        ? SORT_KEY_BYTES
        : undefined;
    if (limit === undefined) return;
    if (bytes === 0) problems.push(`${commandName}: key ${name} is empty`);
    if (bytes > limit)
      problems.push(`${commandName}: key ${name} is ${bytes} bytes (max ${limit})`);
  };
  const checkItem = (item: unknown) => {
    for (const [name, value] of Object.entries((item ?? {}) as Record<string, unknown>)) {
      check(name, value);
    }
  };
  // Key attributes an update sets (`SET #gsi = :v`): index keys have the same limits.
  const checkUpdate = (action: Record<string, unknown>) => {
    if (typeof action.UpdateExpression !== 'string') return;
    const names = (action.ExpressionAttributeNames ?? {}) as Record<string, string>;
    const values = (action.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
    for (const match of action.UpdateExpression.matchAll(/(#?\w+)\s*=\s*(:\w+)/g)) {
      check(names[match[1] as string] ?? (match[1] as string), values[match[2] as string]);
    }
  };
  const visitWrite = (request: Record<string, unknown>) => {
    for (const kind of ['Put', 'Update', 'Delete', 'ConditionCheck'] as const) {
      const action = request[kind] as Record<string, unknown> | undefined;
      if (action) {
        checkItem(action.Key);
        checkItem(action.Item);
        checkUpdate(action);
      }
    }
  };
  checkItem(input.Key);
  checkItem(input.Item);
  checkUpdate(input);
  for (const request of (input.TransactItems ?? []) as Record<string, unknown>[]) {
    visitWrite(request);
  }
  for (const table of Object.values((input.RequestItems ?? {}) as Record<string, unknown>)) {
    if (Array.isArray(table)) {
      for (const request of table as Record<string, Record<string, unknown>>[]) {
        checkItem(request.PutRequest?.Item);
        checkItem(request.DeleteRequest?.Key);
      }
    } else {
      for (const key of ((table as { Keys?: unknown[] }).Keys ?? []) as unknown[]) checkItem(key);
    }
  }
  if (typeof input.KeyConditionExpression === 'string') {
    const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
    const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
    const attribute = (token: string) => names[token] ?? token;
    const expression = input.KeyConditionExpression;
    for (const match of expression.matchAll(/(#?\w+)\s*(?:=|<=|>=|<|>)\s*(:\w+)/g)) {
      check(attribute(match[1] as string), values[match[2] as string]);
    }
    for (const match of expression.matchAll(/begins_with\(\s*(#?\w+)\s*,\s*(:\w+)\s*\)/gi)) {
      check(attribute(match[1] as string), values[match[2] as string]);
    }
    for (const match of expression.matchAll(/(#?\w+)\s+BETWEEN\s+(:\w+)\s+AND\s+(:\w+)/gi)) {
      check(attribute(match[1] as string), values[match[2] as string]);
      check(attribute(match[1] as string), values[match[3] as string]);
    }
  }
  for (const name of Object.keys((input.ExclusiveStartKey ?? {}) as Record<string, unknown>)) {
    check(name, (input.ExclusiveStartKey as Record<string, unknown>)[name]);
  }
  return problems;
}

/**
 * Refuses, as AWS does with a ValidationException, any call whose key values exceed DynamoDB's
 * key size limits (DynamoDB Local accepts many of them). `seen` collects what was refused.
 */
export function enforceAwsKeyLimits(stack: Stack, seen: string[] = []): () => void {
  const name = 'fuzzAwsKeyLimits';
  stack.add(
    (next, context) => async (args) => {
      const problems = keySizeViolations(
        context.commandName ?? 'unknown',
        args.input as Record<string, unknown>,
      );
      if (problems.length > 0) {
        seen.push(...problems);
        throw sdkError(
          'ValidationException',
          `One or more parameter values were invalid: ${problems.join('; ')}`,
        );
      }
      return next(args);
    },
    { step: 'build', name, override: true },
  );
  return () => stack.remove(name);
}

/** Which calls a fault hits: every call from the `after`-th on, `count` of them (all by default). */
export interface FaultPlan {
  /** 1-based number of the first call to fail. */
  readonly after?: number;
  readonly count?: number;
  /** Only calls of these commands (e.g. `TransactWriteItemsCommand`); all when omitted. */
  readonly commands?: readonly string[];
  /** The error each failing call throws (a fresh one per call). */
  readonly error: () => Error;
  /** Milliseconds each failing call waits before failing (a slow DynamoDB). */
  readonly delayMs?: number;
}

export interface FaultInjector {
  /** Calls seen by the injector (matching `commands`), attempts included. */
  readonly calls: number;
  /** Calls that failed because of it. */
  readonly injected: number;
  remove(): void;
}

/**
 * Makes the service's DynamoDB calls fail as planned. The middleware sits below the SDK's retry
 * middleware (deserialize step), so every attempt counts as a call and the SDK retries injected
 * throttling and server errors as it would real ones.
 */
export function injectFaults(stack: Stack, plan: FaultPlan): FaultInjector {
  const name = 'fuzzInjectedFaults';
  const state = { calls: 0, injected: 0 };
  const first = plan.after ?? 1;
  const last = plan.count === undefined ? Number.POSITIVE_INFINITY : first + plan.count - 1;
  stack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? '';
      if (plan.commands && !plan.commands.includes(command)) return next(args);
      state.calls += 1;
      if (state.calls >= first && state.calls <= last) {
        state.injected += 1;
        if (plan.delayMs) await new Promise((resolve) => setTimeout(resolve, plan.delayMs));
        throw plan.error();
      }
      return next(args);
    },
    { step: 'deserialize', name, override: true, priority: 'high' },
  );
  return {
    get calls() {
      return state.calls;
    },
    get injected() {
      return state.injected;
    },
    remove: () => stack.remove(name),
  };
}

/** DynamoDB's throttling answer, as the SDK throws it (HTTP 400, retryable as throttling). */
export const throttling = () =>
  sdkError('ThrottlingException', 'Rate of requests exceeds the allowed throughput.', {
    throttling: true,
  });

export const throughputExceeded = () =>
  sdkError(
    'ProvisionedThroughputExceededException',
    'The level of configured provisioned throughput for the table was exceeded.',
    { throttling: true },
  );

/** DynamoDB's 500. */
export const internalServerError = () =>
  sdkError('InternalServerError', 'Internal server error', { status: 500 });

/** What the SDK throws when nothing listens on the endpoint (seen with DynamoDB Local stopped). */
export const connectionRefused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), {
    code: 'ECONNREFUSED',
    errno: -111,
    syscall: 'connect',
    $metadata: { attempts: 1, totalRetryDelay: 0 },
  });
