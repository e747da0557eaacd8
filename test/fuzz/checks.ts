/**
 * What every answer of the service must be, whatever it was sent: a defined SCIM status, never a
 * 5xx other than 503/429 (which say "retry"), and for errors the RFC 7644 §3.12 body.
 */

/** Statuses RFC 7644 (§3.12) and the HTTP semantics it builds on define for this service. */
export const DEFINED_STATUSES: ReadonlySet<number> = new Set([
  200, 201, 204, 304, 308, 400, 401, 403, 404, 405, 409, 412, 413, 415, 429, 501, 503,
]);

const SCIM_TYPES = new Set([
  'invalidFilter',
  'tooMany',
  'uniqueness',
  'mutability',
  'invalidSyntax',
  'invalidPath',
  'noTarget',
  'invalidValue',
  'invalidVers',
  'sensitive',
  'invalidCursor',
  'expiredCursor',
  'invalidCount',
]);

export interface AnswerLike {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field.
  readonly body: any;
  readonly threw?: unknown;
}

/**
 * Why an answer breaks the contract, or undefined when it keeps it: a 5xx that is not a retryable
 * 503 (or a 501 for an unimplemented SCIM feature), an undefined status, a handler that threw, an error without the SCIM error body, a 429/503
 * without `Retry-After`, a success body that is not JSON.
 */
export function contractViolation(answer: AnswerLike): string | undefined {
  if (answer.threw !== undefined) return `handler threw: ${String(answer.threw).slice(0, 200)}`;
  // 501: an RFC 7644 endpoint the service does not implement (/Me, root /.search), as §3.11 asks.
  if (answer.status >= 500 && answer.status !== 503 && answer.status !== 501) {
    return `status ${answer.status}: ${answer.text.slice(0, 200)}`;
  }
  if (!DEFINED_STATUSES.has(answer.status)) return `undefined status ${answer.status}`;
  if ((answer.status === 429 || answer.status === 503) && !answer.headers['retry-after']) {
    return `${answer.status} without Retry-After`;
  }
  if (answer.status >= 400) {
    const body = answer.body;
    if (!answer.headers['content-type']?.includes('application/scim+json')) {
      return `error ${answer.status} with content-type ${answer.headers['content-type']}`;
    }
    if (
      !body ||
      !Array.isArray(body.schemas) ||
      body.schemas[0] !== 'urn:ietf:params:scim:api:messages:2.0:Error' ||
      body.status !== String(answer.status) ||
      typeof body.detail !== 'string'
    ) {
      return `error ${answer.status} without a SCIM error body: ${answer.text.slice(0, 200)}`;
    }
    if (body.scimType !== undefined && !SCIM_TYPES.has(body.scimType)) {
      return `unknown scimType ${body.scimType}`;
    }
    return undefined;
  }
  if (answer.text !== '' && answer.body === undefined) {
    return `status ${answer.status} with a body that is not JSON`;
  }
  return undefined;
}

/** Counts of answers by status, printed as `200×12 400×80 …`. */
export class StatusTally {
  readonly counts = new Map<number, number>();

  add(status: number): void {
    this.counts.set(status, (this.counts.get(status) ?? 0) + 1);
  }

  merge(other: StatusTally): void {
    for (const [status, count] of other.counts) {
      this.counts.set(status, (this.counts.get(status) ?? 0) + count);
    }
  }

  get total(): number {
    return [...this.counts.values()].reduce((sum, count) => sum + count, 0);
  }

  count(predicate: (status: number) => boolean): number {
    return [...this.counts].reduce(
      (sum, [status, count]) => sum + (predicate(status) ? count : 0),
      0,
    );
  }

  toString(): string {
    return [...this.counts]
      .sort(([a], [b]) => a - b)
      .map(([status, count]) => `${status}×${count}`)
      .join(' ');
  }
}
