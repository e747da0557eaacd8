/**
 * The personal data a request log line may hold: a user's `userName` (usually an e-mail address),
 * a group's or user's `displayName` and a resource's `externalId`, as fields of their own, as the
 * value of a lookup (`filterValue`), inside a masked `filter` and in a uniqueness conflict's
 * `errorDetail`. No other attribute value reaches a line.
 *
 * A tenant may have those written as a keyed hash instead (`LOG_IDENTIFIERS=hmac`, with its own
 * key in `LOG_HASH_KEY`): HMAC-SHA256 under the tenant's key, so a line no longer says who a user
 * is, while an operator holding the key finds one user's history with
 * `npm run log-hash -- <value>` and the saved history query. Names are folded as uniqueness folds
 * them (`foldIdentifier`), so any spelling Entra sends hashes alike; externalId is case-exact.
 */
import { createHmac } from 'node:crypto';
import { foldIdentifier } from '../common/identifier.js';

/** The identifier attributes a log line may carry. */
export type LoggedIdentifier = 'userName' | 'displayName' | 'externalId';

export const LOGGED_IDENTIFIERS: readonly LoggedIdentifier[] = [
  'userName',
  'displayName',
  'externalId',
];

/** What every hashed value starts with, so a reader knows it is not the name itself. */
export const HASH_PREFIX = 'hmac:';
/** A key shorter than this is refused: HMAC-SHA256 wants at least 256 bits. */
export const MIN_KEY_LENGTH = 32;

/**
 * How log lines write identifiers: as sent (`clear`) or as `logHash` under the tenant's key.
 */
export interface IdentifierLogPolicy {
  readonly mode: 'clear' | 'hmac';
  /** The value to write for `attribute`. */
  write(attribute: LoggedIdentifier, value: string): string;
}

/**
 * The keyed hash a log line holds instead of `value`.
 *
 * @param key the tenant's log hash key (at least 32 characters)
 * @example
 * logHash(key, 'userName', 'Bjensen@Example.com') === logHash(key, 'userName', 'bjensen@example.com')
 * // 'hmac:3b0f…' (32 hex digits)
 */
export function logHash(key: string, attribute: LoggedIdentifier, value: string): string {
  const canonical = attribute === 'externalId' ? value : foldIdentifier(value);
  return `${HASH_PREFIX}${createHmac('sha256', key).update(canonical, 'utf8').digest('hex').slice(0, 32)}`;
}

/**
 * The tenant's policy from `LOG_IDENTIFIERS` (`clear`, the default, or `hmac`) and
 * `LOG_HASH_KEY`; throws at cold start when `hmac` comes without a usable key.
 *
 * @example readIdentifierLogPolicy({ LOG_IDENTIFIERS: 'hmac', LOG_HASH_KEY: key }).write('externalId', 'e1')
 */
export function readIdentifierLogPolicy(
  env: Readonly<Record<string, string | undefined>> = process.env,
): IdentifierLogPolicy {
  const mode = env.LOG_IDENTIFIERS ?? 'clear';
  if (mode === 'clear') return { mode, write: (_attribute, value) => value };
  if (mode !== 'hmac') {
    throw new Error(`LOG_IDENTIFIERS must be clear or hmac, got ${JSON.stringify(mode)}`);
  }
  const key = env.LOG_HASH_KEY ?? '';
  if (key.length < MIN_KEY_LENGTH) {
    throw new Error(
      `LOG_IDENTIFIERS=hmac needs LOG_HASH_KEY of at least ${MIN_KEY_LENGTH} characters`,
    );
  }
  return { mode, write: (attribute, value) => logHash(key, attribute, value) };
}

/** `userName` → `userName`, any case, for the bare attribute names a filter may use. */
export function loggedIdentifier(attribute: string): LoggedIdentifier | undefined {
  const lower = attribute.toLowerCase();
  return LOGGED_IDENTIFIERS.find((name) => name.toLowerCase() === lower);
}
