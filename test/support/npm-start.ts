/**
 * Runs `npm start` (infra/local/start.ts) as a child process, as a developer would, against the
 * test run's DynamoDB Local, and collects the `Name: value` lines it prints.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface RunningNpmStart {
  /** What it printed, by line name (`Tenant URL`, `Secret Token`, …). */
  readonly printed: ReadonlyMap<string, string>;
  stop(): Promise<void>;
}

/** Starts it with `env` added and resolves once every name in `until` has been printed. */
export async function startNpmStart(
  env: Readonly<Record<string, string | undefined>>,
  until: readonly string[],
): Promise<RunningNpmStart> {
  const printed = new Map<string, string>();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PORT: '0',
      // The test run's DynamoDB Local, not the developer's `.local/dynamodb-data`.
      DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
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
  return { printed, stop };
}
