/**
 * Tokens issued before the credential registry (from a key file, by the old `npm run token --
 * issue`) are refused until their `jti` is registered. This registers them, one Secret Token
 * credential per token, with the token's own id, key and expiry, from the issue log the old tool
 * kept (`.keys/<tenant>/issued.jsonl`: ids and dates, never the token) minus the tokens revoked
 * since (`revoked.jsonl` beside it, and the ids the tenant configuration listed). Idempotent: a
 * token already registered is left as it is (a revoked credential stays revoked).
 */
import { readFile } from 'node:fs/promises';
import type { CredentialRegistry } from '../shared/credentials/registry.js';

/** One line of the old tool's issue log. */
export interface IssuedRecord {
  readonly jti: string;
  readonly kid?: string;
  readonly issuedAt?: string;
  readonly expiresAt?: string | null;
}

export type AdoptionOutcome = 'registered' | 'already registered' | 'revoked' | 'expired';

export interface Adoption {
  readonly jti: string;
  readonly outcome: AdoptionOutcome;
}

/** Reads a JSON-lines file; a missing file is empty, a malformed line is an error naming it. */
export async function readJsonLines<T>(path: string): Promise<T[]> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  return text
    .split('\n')
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line !== '')
    .map(({ line, number }) => {
      try {
        return JSON.parse(line) as T;
      } catch {
        throw new Error(`${path}:${number} is not JSON`);
      }
    });
}

/**
 * Registers each token of `issued` that is neither revoked nor expired and not yet registered.
 * With `dryRun`, only says what it would do.
 *
 * @example
 * await adoptIssuedTokens(registry, await readJsonLines('.keys/acme/issued.jsonl'), new Set(), {})
 * // → [{ jti: '…', outcome: 'registered' }, …]
 */
export async function adoptIssuedTokens(
  registry: Pick<CredentialRegistry, 'get' | 'createSecretToken'>,
  issued: readonly IssuedRecord[],
  revoked: ReadonlySet<string>,
  options: { dryRun?: boolean; now?: number; createdBy?: string } = {},
): Promise<Adoption[]> {
  const now = options.now ?? Date.now();
  const adoptions: Adoption[] = [];
  const seen = new Set<string>();
  for (const record of issued) {
    if (typeof record.jti !== 'string' || record.jti === '') {
      throw new Error(`an issue record has no jti: ${JSON.stringify(record)}`);
    }
    if (seen.has(record.jti)) continue;
    seen.add(record.jti);
    const expiresAt = record.expiresAt ?? undefined;
    let outcome: AdoptionOutcome;
    if (revoked.has(record.jti)) outcome = 'revoked';
    else if (expiresAt !== undefined && Date.parse(expiresAt) <= now) outcome = 'expired';
    else if (await registry.get(record.jti)) outcome = 'already registered';
    else {
      outcome = 'registered';
      if (!options.dryRun) {
        await registry.createSecretToken({
          id: record.jti,
          createdBy: options.createdBy ?? 'migration',
          description: `Secret Token issued ${record.issuedAt ?? 'before the registry'} from a key file`,
          ...(expiresAt === undefined ? {} : { expiresAt }),
          ...(record.kid ? { keyId: record.kid } : {}),
        });
      }
    }
    adoptions.push({ jti: record.jti, outcome });
  }
  return adoptions;
}
