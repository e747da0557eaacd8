import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

/**
 * `../shared` beside the repository holds material that is not part of the project (Microsoft's
 * Postman suite, the Entra request corpus). `SCIM_SHARED_DIR` points elsewhere (the skip-policy
 * test points it at a folder that does not exist).
 */
export const SHARED_DIR =
  process.env.SCIM_SHARED_DIR ??
  join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared');

export function sharedFile(relative: string): string | undefined {
  const path = join(SHARED_DIR, relative);
  return existsSync(path) ? path : undefined;
}

export function readSharedJson<T>(relative: string): T | undefined {
  const path = sharedFile(relative);
  return path ? (JSON.parse(readFileSync(path, 'utf8')) as T) : undefined;
}

export function absenceNote(relative: string): string {
  return `skipped: ${join(SHARED_DIR, relative)} is absent (it lives beside the project, not in it)`;
}

/** Under `CI=true` nothing may skip silently: a suite without its material fails instead. */
function inCi(): boolean {
  return process.env.CI === 'true' || process.env.CI === '1';
}

/**
 * A suite that needs `relative` from `../shared`: runs when it is there; when it is absent, fails
 * loudly under `CI=true` and otherwise skips with a note in its title saying why.
 *
 * @example
 * describeWithShared(PEER_COLLECTION, "Microsoft's Postman collection", () => { it(…) });
 */
export function describeWithShared(relative: string, title: string, suite: () => void): void {
  if (sharedFile(relative)) {
    describe(title, suite);
  } else if (inCi()) {
    describe(title, () => {
      it(`finds ${relative} in ${SHARED_DIR}`, () => {
        throw new Error(
          `${join(SHARED_DIR, relative)} is absent and CI=true: a conformance suite may not skip in CI`,
        );
      });
    });
  } else {
    describe.skip(`${title} (${absenceNote(relative)})`, suite);
  }
}
