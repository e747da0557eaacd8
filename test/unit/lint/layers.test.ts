/**
 * The layer rules of `biome.json` (`noRestrictedImports` per folder): a wrong import fails
 * `npm run lint`. The cases are written as files of their folders into a scratch copy of the
 * layout, next to the project's own `biome.json`, and linted in one Biome run; no file with a
 * wrong import ever sits in the tree.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');

const refused: readonly (readonly [path: string, line: string])[] = [
  ['shared/store/a.ts', "import { NotFoundError as x } from '../scim/errors.js';"],
  ['shared/store/b.ts', "import { scimErrorOf as x } from '../service/errors.js';"],
  ['shared/scim/a.ts', "import { keys as x } from '../store/keys.js';"],
  ['shared/scim/b.ts', "import { limits as x } from '../config.js';"],
  ['shared/scim/filter/a.ts', "import { getUser as x } from '../../service/users.js';"],
  ['shared/service/a.ts', "import { logger as x } from '../http/logger.js';"],
  ['shared/service/b.ts', "import { GetCommand as x } from '@aws-sdk/lib-dynamodb';"],
  ['shared/http/a.ts', "import { getResource as x } from '../store/resources.js';"],
  ['functions/users/a.ts', "import { documentClient as x } from '../../shared/store/client.js';"],
  ['shared/common/a.ts', "import { limits as x } from '../config.js';"],
  ['shared/credentials/a.ts', "import { QueryCommand as x } from '@aws-sdk/lib-dynamodb';"],
  ['shared/admin/a.ts', "import { DynamoDBClient as x } from '@aws-sdk/client-dynamodb';"],
  ['shared/graph/a.ts', "import { documentClient as x } from '../store/client.js';"],
  ['shared/graph/b.ts', "import { adminConfig as x } from '../admin/config.js';"],
];

const allowed: readonly (readonly [path: string, line: string])[] = [
  ['shared/store/ok.ts', "import { foldCase as x } from '../common/values.js';"],
  ['shared/service/ok.ts', "import { getResource as x } from '../store/resources.js';"],
  ['shared/http/ok.ts', "import { scimErrorOf as x } from '../service/errors.js';"],
  ['functions/users/ok.ts', "import { getUser as x } from '../../shared/service/users.js';"],
  ['shared/credentials/ok.ts', "import { getCredentialItem as x } from '../store/credentials.js';"],
  ['shared/graph/ok.ts', "import { GROUPTALK_USER_URN as x } from '../scim/schemas/grouptalk.js';"],
];

let scratch: string;
let output: string;
let status: number | null;

beforeAll(() => {
  // Prepare: the project's Biome configuration, without the VCS integration (no git here).
  scratch = mkdtempSync(join(tmpdir(), 'layers-'));
  const config = JSON.parse(readFileSync(join(ROOT, 'biome.json'), 'utf8'));
  config.vcs = { enabled: false };
  config.$schema = undefined;
  writeFileSync(join(scratch, 'biome.json'), JSON.stringify(config));
  for (const [path, line] of [...refused, ...allowed]) {
    mkdirSync(dirname(join(scratch, path)), { recursive: true });
    writeFileSync(join(scratch, path), `${line}\n\nexport const used = x;\n`);
  }

  // Act
  const result = spawnSync(
    join(ROOT, 'node_modules/.bin/biome'),
    ['lint', '--max-diagnostics=none', '--colors=off', '.'],
    { cwd: scratch, encoding: 'utf8' },
  );
  output = `${result.stdout}${result.stderr}`;
  status = result.status;
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('layer rules (biome noRestrictedImports)', () => {
  it('fails the lint run', () => {
    expect(status).not.toBe(0);
  });

  it.each(refused)('refuses in %s: %s', (path) => {
    expect(output).toMatch(new RegExp(`${path}:\\d+:\\d+ lint/style/noRestrictedImports`));
  });

  it.each(allowed)('allows in %s: %s', (path) => {
    expect(output).not.toContain(`${path}:`);
  });
});
