/**
 * Runs `npm start` (infra/local/start.ts) as a child process, as a developer would, against the
 * test run's DynamoDB Local, and collects the `Name: value` lines it prints.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface RunningNpmStart {
  /** What it printed, by line name (`Tenant URL`, `Secret Token`, …). */
  readonly printed: ReadonlyMap<string, string>;
  /** Its `.local/` folder (`SCIM_LOCAL_DIR`). */
  readonly localDir: string;
  /** Everything it has written on stdout so far. */
  stdout(): string;
  stop(): Promise<void>;
}

/** What an `npm start` that ended by itself (e.g. on a taken port) wrote. */
export interface EndedNpmStart {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Its environment: the test run's DynamoDB Local, any free port, and, unless the test names one,
 * a `.local/` folder of its own (`SCIM_LOCAL_DIR`): a test never rewrites the developer's keys or
 * the record of the developer's own `npm start`.
 */
function npmStartEnvironment(env: Readonly<Record<string, string | undefined>>) {
  return {
    ...process.env,
    PORT: '0',
    // The test run's DynamoDB Local, not the developer's `.local/dynamodb-data`.
    DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT,
    SCIM_LOCAL_DIR: mkdtempSync(join(tmpdir(), 'npm-start-local-')),
    ...env,
  };
}

/** Runs it with `env` added until it exits by itself (within `timeoutMs`, else it is killed). */
export async function runNpmStartToEnd(
  env: Readonly<Record<string, string | undefined>>,
  timeoutMs = 60_000,
): Promise<EndedNpmStart> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
    cwd: REPO_ROOT,
    env: npmStartEnvironment(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** Starts it with `env` added and resolves once every name in `until` has been printed. */
export async function startNpmStart(
  env: Readonly<Record<string, string | undefined>>,
  until: readonly string[],
): Promise<RunningNpmStart> {
  const printed = new Map<string, string>();
  const environment = npmStartEnvironment(env);
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
    cwd: REPO_ROOT,
    env: environment,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    // The folder made for it, not one the test named (it may start another npm start there).
    if (env.SCIM_LOCAL_DIR === undefined) {
      rmSync(environment.SCIM_LOCAL_DIR as string, { recursive: true, force: true });
    }
  };
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${output}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      for (const line of output.split('\n')) {
        const match = /^([A-Za-z ]+): (.+)$/.exec(line);
        if (match) printed.set(match[1]!, match[2]!);
      }
      if (until.every((name) => printed.has(name))) resolve();
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { printed, localDir: environment.SCIM_LOCAL_DIR as string, stdout: () => output, stop };
}
