/**
 * `npm start` a person can live with: a second one on a taken port says so in one line and
 * changes nothing (the first keeps working with what it printed); a restart prints the same
 * credentials, which keep working; the terminal shows one short line per request while the JSON
 * log lines, each naming its function, go to `.local/logs/`; and `npm run token -- list --local`
 * finds the running service through `.local/service.json`, without `--endpoint`.
 *
 * Everything of `.local/` lives in a folder of this file (`SCIM_LOCAL_DIR`), the data in this
 * file's table of the test run's DynamoDB Local.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialRegistry } from '../../shared/credentials/registry.js';
import { documentClient, tableName } from '../../shared/store/client.js';
import {
  REPO_ROOT,
  type RunningNpmStart,
  runNpmStartToEnd,
  startNpmStart,
} from '../support/npm-start.js';

const PRINTED = ['Tenant URL', 'Secret Token', 'Client ID', 'Client Secret', 'Logs'];

let folder: string;
let env: Record<string, string | undefined>;
let first: RunningNpmStart | undefined;
let second: RunningNpmStart | undefined;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'npm-start-'));
  env = {
    SCIM_LOCAL_DIR: folder,
    LOCAL_TABLE_NAME: process.env.TABLE_NAME,
    EVENTS_FILE: join(folder, 'events.jsonl'),
    LOG_FORMAT: undefined,
    // The test run's WARN would leave no request line to show.
    LOG_LEVEL: 'INFO',
  };
  first = await startNpmStart(env, PRINTED);
}, 120_000);

afterAll(async () => {
  await first?.stop();
  await second?.stop();
  await rm(folder, { recursive: true, force: true });
});

function keyFiles(): Record<string, string> {
  const keys = join(folder, 'keys');
  return Object.fromEntries(
    ['local.secret-token.txt', 'local.oauth-client.json', 'local.private.jwk.json'].map((file) => [
      file,
      readFileSync(join(keys, file), 'utf8'),
    ]),
  );
}

async function clientCredentialsStatus(
  printed: ReadonlyMap<string, string>,
  credentials: ReadonlyMap<string, string> = printed,
): Promise<number> {
  const answer = await fetch(printed.get('Token endpoint') ?? '', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: credentials.get('Client ID')!,
      client_secret: credentials.get('Client Secret')!,
    }).toString(),
  });
  return answer.status;
}

describe('npm start on a port another npm start holds', () => {
  it('ends at once with one line saying what to do, and changes nothing', async () => {
    // Prepare
    const running = first!;
    const port = new URL(running.printed.get('Tenant URL')!).port;
    const before = keyFiles();

    // Act
    const ended = await runNpmStartToEnd({ ...env, PORT: port });

    // Assess: one line, no stack trace, a non-zero exit.
    expect(ended.code).not.toBe(0);
    expect(ended.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Port ${port} is in use \\(another npm start\\?\\): stop it, or PORT=\\d+ npm start$`,
        ),
      ),
    ]);
    expect(ended.stdout).toBe('');
    // Nothing rotated: the files are as they were and the first one's printed client still works.
    expect(keyFiles()).toEqual(before);
    expect(await clientCredentialsStatus(running.printed)).toBe(200);
  }, 120_000);
});

describe('npm start, restarted', () => {
  it('prints the same Secret Token and OAuth client, and the client printed before still gets tokens', async () => {
    // Prepare
    const before = first!.printed;
    await first!.stop();
    first = undefined;

    // Act
    second = await startNpmStart(env, PRINTED);

    // Assess
    const after = second.printed;
    expect(after.get('Client ID')).toBe(before.get('Client ID'));
    expect(after.get('Client Secret')).toBe(before.get('Client Secret'));
    expect(after.get('Secret Token')).toBe(before.get('Secret Token'));
    expect(await clientCredentialsStatus(after, before)).toBe(200);
  }, 120_000);

  it('replaces, and prints, a client revoked meanwhile; the revoked one is refused', async () => {
    // Prepare: the operator revokes the printed client (npm run token -- client revoke).
    const revokedClient = second!.printed;
    await second!.stop();
    second = undefined;
    const registry = createCredentialRegistry({
      documents: documentClient(),
      tableName: tableName(),
    });
    await registry.revoke(revokedClient.get('Client ID')!, 'operator test');

    // Act
    second = await startNpmStart(env, PRINTED);

    // Assess
    const after = second.printed;
    expect(after.get('Client ID')).not.toBe(revokedClient.get('Client ID'));
    expect(await clientCredentialsStatus(after)).toBe(200);
    expect(await clientCredentialsStatus(after, revokedClient)).toBe(401);
  }, 120_000);

  it('keeps the client secret only in its own 0600 file', () => {
    const file = join(folder, 'keys', 'local.oauth-client.json');
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      clientId: second!.printed.get('Client ID'),
      secret: second!.printed.get('Client Secret'),
    });
    const record = readFileSync(join(folder, 'service.json'), 'utf8');
    expect(record).not.toContain(second!.printed.get('Client Secret'));
    expect(record).not.toContain(second!.printed.get('Secret Token'));
  });
});

describe('npm start: the terminal and the log file', () => {
  it('shows one short line per request, with the SCIM error type, and writes the JSON to .local/logs naming the function', async () => {
    // Prepare
    const running = second!;
    const tenantUrl = running.printed.get('Tenant URL')!;

    // Act: a filter the service refuses (400 invalidFilter).
    const response = await fetch(`${tenantUrl}/Users?filter=${encodeURIComponent('userName zz')}`, {
      headers: { authorization: `Bearer ${running.printed.get('Secret Token')}` },
    });
    expect(response.status).toBe(400);

    // Assess: the short line appears (polled: stdout arrives asynchronously).
    const short = /^\d\d:\d\d:\d\d GET \/scim\/v2\/Users 400 \d+ ms invalidFilter$/m;
    while (!short.test(running.stdout())) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(running.stdout()).not.toMatch(/^\{/m);
    const logFile = join(folder, 'logs', 'service.jsonl');
    expect(statSync(logFile).mode & 0o077).toBe(0);
    const records = readFileSync(logFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toContainEqual(
      expect.objectContaining({
        message: 'request',
        operation: 'listUsers',
        function_name: 'grouptalk-scim-local-listUsers',
        status: 400,
        scimType: 'invalidFilter',
      }),
    );
  });
});

describe('npm run token -- list --local', () => {
  it('finds the running npm start through .local/service.json, with no --endpoint', async () => {
    // Prepare: nothing but the record says where DynamoDB Local is.
    expect(existsSync(join(folder, 'service.json'))).toBe(true);
    const { DYNAMODB_ENDPOINT: _endpoint, LOCAL_TABLE_NAME: _table, ...rest } = process.env;

    // Act
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'infra/cli/token.ts', 'list', '--local'],
      { cwd: REPO_ROOT, env: { ...rest, SCIM_LOCAL_DIR: folder }, stdio: 'pipe' },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const code = await new Promise((resolve) => child.once('close', resolve));

    // Assess
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      new RegExp(`^${second!.printed.get('Client ID')}  oauth-client  .* active `, 'm'),
    );
  }, 60_000);
});
