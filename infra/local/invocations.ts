/**
 * Runs each local invocation in its own scope, as Lambda's runtime does when one process serves
 * several invocations at once (Lambda Managed Instances): an `InvokeStore` on `globalThis.awslambda`
 * backed by `AsyncLocalStorage`, and `AWS_LAMBDA_MAX_CONCURRENCY` set, which tells Powertools to
 * keep its per-invocation state (the Lambda context the logger writes as `function_name`, the
 * temporary keys) in that store rather than on the one logger every handler module shares.
 *
 * Without it the local server, which runs every function in one process, logged whichever
 * function had started last: a `listUsers` line named `createUser` when the two overlapped, and
 * the sweeper's lines named the last request's function. In AWS each function has its own
 * process and this changes nothing.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context } from 'aws-lambda';

type Store = Record<string | symbol, unknown>;

/** The fields the runtime owns (`@aws/lambda-invoke-store`'s `PROTECTED_KEYS`). */
const REQUEST_ID = Symbol.for('_AWS_LAMBDA_REQUEST_ID');
const X_RAY_TRACE_ID = Symbol.for('_AWS_LAMBDA_X_RAY_TRACE_ID');
const TENANT_ID = Symbol.for('_AWS_LAMBDA_TENANT_ID');

/** The runtime's `InvokeStore` contract, as Powertools and the AWS SDK read it. */
class LocalInvokeStore {
  readonly #als = new AsyncLocalStorage<Store>();
  getContext(): Store | undefined {
    return this.#als.getStore();
  }
  hasContext(): boolean {
    return this.#als.getStore() !== undefined;
  }
  get<T = unknown>(key: string | symbol): T | undefined {
    return this.#als.getStore()?.[key] as T | undefined;
  }
  set<T = unknown>(key: string | symbol, value: T): void {
    const store = this.#als.getStore();
    if (!store) throw new Error('No context available');
    store[key] = value;
  }
  run<T>(context: Store, fn: () => T): T {
    return this.#als.run(context, fn);
  }
  getRequestId(): string {
    return this.get<string>(REQUEST_ID) ?? '-';
  }
  getXRayTraceId(): string | undefined {
    return this.get(X_RAY_TRACE_ID);
  }
  getTenantId(): string | undefined {
    return this.get(TENANT_ID);
  }
  getTraceparent(): string | undefined {
    return undefined;
  }
  getTracestate(): string | undefined {
    return undefined;
  }
  getBaggage(): string | undefined {
    return undefined;
  }
}

let installed: LocalInvokeStore | undefined;

/**
 * Installs the store once per process; idempotent. Any store found there is replaced: outside
 * Lambda only the SDK may have put one, a single-invocation one that cannot tell overlapping
 * invocations apart.
 */
function invokeStore(): LocalInvokeStore {
  installed ??= new LocalInvokeStore();
  const global = globalThis as { awslambda?: { InvokeStore?: unknown } };
  global.awslambda ??= {};
  global.awslambda.InvokeStore = installed;
  process.env.AWS_LAMBDA_MAX_CONCURRENCY ??= '64';
  return installed;
}

/**
 * Calls `fn` (a handler invocation) in a scope of its own, so whatever it logs names its own
 * function.
 *
 * @example
 * await invokeLocally(context, () => handler(event, context));
 */
export function invokeLocally<T>(context: Pick<Context, 'awsRequestId'>, fn: () => T): T {
  return invokeStore().run({ [REQUEST_ID]: context.awsRequestId }, fn);
}
