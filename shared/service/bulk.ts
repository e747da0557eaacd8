/**
 * `POST /Bulk` (RFC 7644 §3.7): runs each operation through the same service functions the
 * single-resource routes use, so a bulk create is exactly a `POST /Users`.
 *
 * Order: operations run in request order, except that one referring to a `bulkId` declared by a
 * later POST waits until that POST has run (RFC 7644 §3.7.2 lets a client list them in any order).
 * References that can never be resolved fail their operation: a cycle (A needs B, B needs A) or
 * a self-reference with 409 (§3.7.1 allows answering a circular reference that way); a reference
 * to a failed operation with 409; a bulkId no operation declares with 400 invalidValue. Results are
 * reported in request order. With `failOnErrors`, processing stops once that many operations
 * have failed and the operations not run are left out of the response (§3.7.3).
 */

import { currentRequestContext } from '../common/request-context.js';
import { isObject, readKey } from '../common/values.js';
import {
  type BulkEndpoint,
  type BulkOperation,
  type BulkRequest,
  resolveReferences,
} from '../scim/bulk.js';
import { BadRequestError, ScimError, ServiceUnavailableError } from '../scim/errors.js';
import { scimErrorOf } from './errors.js';
import { createGroup, deleteGroup, patchGroup, replaceGroup } from './groups.js';
import type { Presented, PresentOptions } from './presentation.js';
import { createUser, deleteUser, patchUser, replaceUser } from './users.js';

/** The outcome of one operation. */
export interface BulkOperationResult {
  readonly index: number;
  readonly method: string;
  readonly bulkId?: string;
  /** The resource's URL, when known (always on success but for DELETE, where it is the target). */
  readonly location?: string;
  /** The resource's ETag after the operation. */
  readonly version?: string;
  /** HTTP status of the operation: 201, 200, 204 on success. */
  readonly status: number;
  /** Why it failed; a ScimError carries its own status, anything else is a 500. */
  readonly error?: unknown;
  /**
   * Not run because the request's time or work budget was spent (503 with Retry-After): the
   * client sends it again; not a server error.
   */
  readonly deferred?: boolean;
}

/** The resource operations of one endpoint, as the single-resource routes call them. */
export interface ResourceOperations {
  create(data: unknown, options: PresentOptions): Promise<Presented>;
  replace(
    id: string,
    data: unknown,
    ifMatch: string | undefined,
    options: PresentOptions,
  ): Promise<Presented>;
  patch(
    id: string,
    data: unknown,
    ifMatch: string | undefined,
    options: PresentOptions,
  ): Promise<Presented>;
  /** `deadline` (epoch ms): when the request's time is up; a group's DELETE stops sweeping then. */
  remove(id: string, ifMatch: string | undefined, deadline: number): Promise<unknown>;
}

/** Each endpoint's operations: the functions behind `POST/PUT/PATCH/DELETE /Users` and `/Groups`. */
export const bulkEndpoints: Readonly<Record<BulkEndpoint, ResourceOperations>> = {
  Users: { create: createUser, replace: replaceUser, patch: patchUser, remove: deleteUser },
  Groups: {
    create: createGroup,
    replace: replaceGroup,
    // No body goes back for a bulk operation, so the group's members are not read again.
    patch: (id, data, ifMatch, options) =>
      patchGroup(id, data, ifMatch, { ...options, bodyWanted: false }),
    // Sweeps memberships only until the bulk deadline; the cleanup marker has the sweeper finish.
    remove: deleteGroup,
  },
};

/**
 * How long one request may spend running operations. No operation starts after it: those left
 * are answered 503 with Retry-After rather than cut off by the function's 10 s timeout, which
 * would leave the client not knowing which operations ran.
 */
export const BULK_BUDGET_MS = 7_000;

/**
 * The DynamoDB calls one Bulk request may make: its work budget (issue 10, bounded work per
 * request). Handler CPU grows with the calls (the AWS SDK costs 1.5–2.5 ms of CPU per call on
 * the 2-core reference machine, more than the SCIM work of an operation), so this keeps a Bulk
 * request within the same 100 ms of CPU as any other request. An operation starts only when the
 * calls it needs at least (`callsNeeded`) fit in what is left; the first one always starts, so a
 * request always makes progress. Those left are answered 503 with Retry-After, like operations
 * past the deadline, and the client sends them again.
 */
export const BULK_CALL_BUDGET = 24;

/**
 * Runs a parsed BulkRequest. `endpoints` maps each endpoint to its operations; an endpoint
 * without an entry answers its operations with 400. No operation starts after `deadline`
 * (epoch milliseconds).
 */
export async function runBulk(
  request: BulkRequest,
  options: PresentOptions,
  endpoints: Partial<Record<BulkEndpoint, ResourceOperations>> = bulkEndpoints,
  deadline: number = Date.now() + BULK_BUDGET_MS,
  callBudget: number = BULK_CALL_BUDGET,
): Promise<BulkOperationResult[]> {
  const results = new Map<number, BulkOperationResult>();
  const callsAtStart = storeCallsSoFar();
  let started = 0;
  const budgetLeft = (operation: BulkOperation) =>
    started === 0 || storeCallsSoFar() - callsAtStart + callsNeeded(operation) <= callBudget;
  const declared = new Set(
    request.operations.flatMap((operation) => (operation.bulkId ? [operation.bulkId] : [])),
  );
  const created = new Map<string, string>();
  const failed = new Set<string>();
  /** bulkIds of operations not run (out of time or work): those referring to them wait too. */
  const deferredIds = new Set<string>();
  let errors = 0;
  const limitReached = () => request.failOnErrors !== undefined && errors >= request.failOnErrors;

  const record = (result: BulkOperationResult, operation: BulkOperation) => {
    results.set(operation.index, result);
    if (result.error !== undefined) {
      errors += 1;
      if (operation.bulkId !== undefined) failed.add(operation.bulkId);
    }
  };

  const defer = (operation: BulkOperation, error: ServiceUnavailableError) => {
    results.set(operation.index, { ...failure(operation, error), deferred: true });
    if (operation.bulkId !== undefined) deferredIds.add(operation.bulkId);
  };

  let pending = [...request.operations];
  while (pending.length > 0 && !limitReached()) {
    const waiting: BulkOperation[] = [];
    let progressed = false;
    for (const operation of pending) {
      if (limitReached()) break;
      const blocker = blockingError(operation, declared, failed);
      if (blocker !== undefined) {
        record(failure(operation, blocker), operation);
        progressed = true;
      } else if (operation.references.some((bulkId) => deferredIds.has(bulkId))) {
        const waitsOn = operation.references.find((bulkId) => deferredIds.has(bulkId));
        defer(
          operation,
          new ServiceUnavailableError(
            `Not run: it refers to bulkId "${waitsOn}", whose operation was not run in this ` +
              'request; send both again.',
            1,
          ),
        );
        progressed = true;
      } else if (Date.now() > deadline) {
        defer(operation, outOfTime());
        progressed = true;
      } else if (!budgetLeft(operation)) {
        defer(operation, outOfWork(callBudget));
        progressed = true;
      } else if (operation.references.every((bulkId) => created.has(bulkId))) {
        started += 1;
        const result = await runOperation(operation, created, options, endpoints, deadline);
        record(result, operation);
        if (result.error === undefined && operation.method === 'POST' && operation.bulkId) {
          created.set(operation.bulkId, idOf(result.location));
        }
        progressed = true;
      } else {
        waiting.push(operation);
      }
    }
    pending = waiting;
    if (!progressed) {
      // Every operation left waits for another one left: circular references.
      for (const operation of pending) {
        if (limitReached()) break;
        record(
          failure(
            operation,
            new ScimError(
              409,
              `Operations[${operation.index}] waits on bulkId ` +
                `${operation.references.filter((bulkId) => !created.has(bulkId)).join(', ')}, ` +
                'part of a circular reference; create the resources first, then link them.',
            ),
          ),
          operation,
        );
      }
      pending = [];
    }
  }
  return [...results.values()].sort((a, b) => a.index - b.index);
}

function outOfTime(): ServiceUnavailableError {
  return new ServiceUnavailableError(
    'Not run: the bulk request ran out of time before this operation; send it again.',
    1,
  );
}

function outOfWork(callBudget: number): ServiceUnavailableError {
  return new ServiceUnavailableError(
    `Not run: the bulk request used its work budget (${callBudget} storage calls) before this ` +
      'operation; send it again.',
    1,
  );
}

function storeCallsSoFar(): number {
  return currentRequestContext()?.stats.calls ?? 0;
}

/** DynamoDB calls by method when nothing goes wrong, group members aside (see `callsNeeded`). */
const BASE_CALLS: Readonly<Record<string, number>> = { POST: 1, PUT: 2, PATCH: 2, DELETE: 3 };

/**
 * The fewest DynamoDB calls `operation` can take: its method's (a create is one transaction, a
 * PATCH a read and a write, a DELETE a read, a transaction and a membership query), plus, for a
 * group, a BatchGetItem per 100 members it names and a transaction per 50. A DELETE may take a
 * few more for memberships (at most `IN_REQUEST_MEMBERSHIP_DELETES` of a user's, in 4 calls; at
 * most `IN_REQUEST_MEMBER_DELETES` of a group's, in 16).
 */
export function callsNeeded(operation: BulkOperation): number {
  const base = BASE_CALLS[operation.method] ?? 1;
  if (operation.endpoint !== 'Groups') return base;
  const members = memberValuesIn(operation.data);
  return base + Math.ceil(members / 100) + Math.ceil(members / 50);
}

/**
 * How many member values a group's data names: its `members` (POST, PUT) or its PATCH
 * operations' member values (`path: "members"`, or `members` inside a path-less value).
 */
function memberValuesIn(data: unknown): number {
  const count = (value: unknown) => (Array.isArray(value) ? value.length : value == null ? 0 : 1);
  if (!isObject(data)) return 0;
  const patchOperations = readKey(data, 'Operations');
  if (!Array.isArray(patchOperations)) return count(readKey(data, 'members'));
  let members = 0;
  for (const patch of patchOperations) {
    if (!isObject(patch)) continue;
    const path = readKey(patch, 'path');
    const value = readKey(patch, 'value');
    // A filtered remove (`members[value eq "…"]`) names one member without a value.
    if (typeof path === 'string' && /^members\b/i.test(path.trim())) {
      members += value === undefined ? 1 : count(value);
    } else if (path === undefined && isObject(value)) members += count(readKey(value, 'members'));
  }
  return members;
}

/** Why an operation cannot run at all, before any I/O. */
function blockingError(
  operation: BulkOperation,
  declared: ReadonlySet<string>,
  failed: ReadonlySet<string>,
): ScimError | undefined {
  if (operation.problem !== undefined) return operation.problem;
  const unknown = operation.references.find((bulkId) => !declared.has(bulkId));
  if (unknown !== undefined) {
    return new BadRequestError(
      'invalidValue',
      `Operations[${operation.index}] refers to bulkId "${unknown}", which no operation declares.`,
    );
  }
  if (operation.bulkId !== undefined && operation.references.includes(operation.bulkId)) {
    return new ScimError(
      409,
      `Operations[${operation.index}] refers to its own bulkId "${operation.bulkId}".`,
    );
  }
  const dependency = operation.references.find((bulkId) => failed.has(bulkId));
  if (dependency !== undefined) {
    return new ScimError(
      409,
      `Operations[${operation.index}] refers to bulkId "${dependency}", whose operation failed.`,
    );
  }
  return undefined;
}

async function runOperation(
  operation: BulkOperation,
  created: ReadonlyMap<string, string>,
  options: PresentOptions,
  endpoints: Partial<Record<BulkEndpoint, ResourceOperations>>,
  deadline: number,
): Promise<BulkOperationResult> {
  const endpoint = operation.endpoint as BulkEndpoint;
  const service = endpoints[endpoint];
  const id =
    operation.id === undefined ? undefined : (resolveReferences(operation.id, created) as string);
  const location = id === undefined ? undefined : `${options.baseUrl}/${endpoint}/${id}`;
  if (service === undefined) {
    return failure(
      operation,
      new BadRequestError('invalidValue', `Bulk operations on /${endpoint} are not supported.`),
      location,
    );
  }
  const data = resolveReferences(operation.data, created);
  try {
    switch (operation.method) {
      case 'POST':
        return success(operation, 201, await service.create(data, options));
      case 'PUT':
        return success(
          operation,
          200,
          await service.replace(id as string, data, operation.version, options),
        );
      case 'PATCH':
        return success(
          operation,
          200,
          await service.patch(id as string, data, operation.version, options),
        );
      default:
        await service.remove(id as string, operation.version, deadline);
        return { ...identity(operation), location, status: 204 };
    }
  } catch (error) {
    return failure(operation, scimErrorOf(error), location);
  }
}

function success(
  operation: BulkOperation,
  status: number,
  resource: Presented,
): BulkOperationResult {
  return {
    ...identity(operation),
    location: resource.location,
    version: resource.etag,
    status,
  };
}

function failure(operation: BulkOperation, error: unknown, location?: string): BulkOperationResult {
  return {
    ...identity(operation),
    ...(location === undefined ? {} : { location }),
    status: error instanceof ScimError ? error.status : 500,
    error,
  };
}

function identity(operation: BulkOperation) {
  return {
    index: operation.index,
    method: operation.method,
    ...(operation.bulkId === undefined ? {} : { bulkId: operation.bulkId }),
  };
}

function idOf(location: string | undefined): string {
  return location?.slice(location.lastIndexOf('/') + 1) ?? '';
}
