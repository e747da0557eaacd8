import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `../shared` beside the repository holds material that is not part of the project (Microsoft's
 * Postman suite, the Entra request corpus). Tests that read it skip, saying why, when it is absent.
 */
export const SHARED_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared');

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
