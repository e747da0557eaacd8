/**
 * The real DynamoDB Local (AWS's own engine), without Docker: the jar ships inside the npm package
 * `amplify-dynamodb-simulator`, of which only the `emulator/` folder is kept (the package itself
 * would pull ~290 MB of unrelated dependencies). Run directly, this file only installs the jar.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type KeySchemaElement,
  ListTablesCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  type TableDescription,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { createTableInput } from '../../shared/store/table-design.js';

const run = promisify(execFile);

const SIMULATOR_PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LOCAL_DIR = join(REPO_ROOT, '.local');
/** Where the jar lives: `<dir>/DynamoDBLocal.jar` and `<dir>/DynamoDBLocal_lib/`. */
export const DYNAMODB_LOCAL_DIR = join(LOCAL_DIR, 'dynamodb-local');
const JAR = join(DYNAMODB_LOCAL_DIR, 'DynamoDBLocal.jar');
const STARTUP_TIMEOUT_MS = 30_000;

export const JAVA_MISSING_MESSAGE =
  'DynamoDB Local needs Java, and `java` was not found on PATH: install Java 17: apt-get install -y openjdk-17-jre-headless';

/**
 * Installs the DynamoDB Local jar into `.local/dynamodb-local/` unless it is already there, and
 * returns that folder. The folder appears by one rename, so a half-extracted install is never
 * mistaken for a complete one, and two concurrent installs do not corrupt each other.
 */
export async function ensureDynamoDbLocal(): Promise<string> {
  if (existsSync(JAR)) return DYNAMODB_LOCAL_DIR;
  await mkdir(LOCAL_DIR, { recursive: true });
  // Inside .local (not the OS temp dir) so the final rename stays on one filesystem.
  const work = await mkdtemp(join(LOCAL_DIR, 'dynamodb-local-install-'));
  try {
    await run('npm', ['pack', SIMULATOR_PACKAGE, '--silent', '--pack-destination', work], {
      cwd: work,
      maxBuffer: 16 * 1024 * 1024,
    });
    const tarball = (await readdir(work)).find((name) => name.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${SIMULATOR_PACKAGE} produced no tarball`);
    await run('tar', ['-xzf', tarball, 'package/emulator'], { cwd: work });
    if (!existsSync(join(work, 'package/emulator/DynamoDBLocal.jar'))) {
      throw new Error(`${SIMULATOR_PACKAGE} no longer ships emulator/DynamoDBLocal.jar`);
    }
    try {
      await rename(join(work, 'package/emulator'), DYNAMODB_LOCAL_DIR);
    } catch (error) {
      // Another process finished the same install first: theirs is as good as ours.
      if (!existsSync(JAR)) throw error;
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return DYNAMODB_LOCAL_DIR;
}

export interface DynamoDbLocalOptions {
  /** TCP port; 0 or undefined picks a free one. */
  readonly port?: number;
  /** Folder for a persistent shared database; omitted, the data lives in memory only. */
  readonly dbPath?: string;
}

export interface RunningDynamoDbLocal {
  /** e.g. `http://127.0.0.1:8000`: use region `us-east-1` and any credentials. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts DynamoDB Local (installing it first if needed) and resolves once it answers ListTables.
 * The process stops on `stop()`, and also whenever this process ends, however it ends.
 */
export async function startDynamoDbLocal(
  options: DynamoDbLocalOptions = {},
): Promise<RunningDynamoDbLocal> {
  assertJavaInstalled();
  const dir = await ensureDynamoDbLocal();
  if (options.dbPath) await mkdir(options.dbPath, { recursive: true });

  // A free port is found before java binds it, so another process may take it in between:
  // retry with a new one when the port was ours to choose.
  const attempts = options.port ? 1 : 3;
  for (let attempt = 1; ; attempt++) {
    const port = options.port || (await freePort());
    try {
      return await launch(dir, port, options.dbPath);
    } catch (error) {
      if (attempt >= attempts) throw error;
    }
  }
}

function assertJavaInstalled(): void {
  const probe = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) throw new Error(JAVA_MISSING_MESSAGE);
}

async function launch(
  dir: string,
  port: number,
  dbPath: string | undefined,
): Promise<RunningDynamoDbLocal> {
  const javaArgs = [
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(dir, 'DynamoDBLocal.jar'),
    '-port',
    String(port),
    ...(dbPath ? ['-sharedDb', '-dbPath', dbPath] : ['-inMemory']),
    '-disableTelemetry',
  ];
  // java does not notice when its parent dies, so a small shell watches the pipe on its stdin:
  // when this process ends (even by SIGKILL) the pipe closes and the shell stops java.
  // stop() closes the pipe the same way.
  const watchdog = [
    'exec 3<&0',
    'java "$@" </dev/null &',
    'pid=$!',
    '{ cat <&3 >/dev/null; kill "$pid" 2>/dev/null; } &',
    'wait "$pid"',
  ].join('\n');
  const child = spawn('sh', ['-c', watchdog, 'dynamodb-local', ...javaArgs], {
    cwd: dir,
    stdio: ['pipe', 'pipe', 'pipe'],
    // Its own process group, so that a stuck shutdown can be cut short for java too.
    detached: true,
  });
  const output = keepTail(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const endpoint = `http://127.0.0.1:${port}`;

  const stop = async () => {
    if (!alive()) return;
    child.stdin?.end();
    const timer = setTimeout(() => killGroup(child), 5_000);
    await exited;
    clearTimeout(timer);
  };

  const answered = await waitUntilAnswering(endpoint, alive).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  if (!answered) {
    await stop();
    throw new Error(`DynamoDB Local exited before it answered on ${endpoint}:\n${output()}`);
  }
  return { endpoint, stop };
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** The last few KB of the process's output, for the error message when it fails to start. */
function keepTail(child: ChildProcess): () => string {
  let tail = '';
  const append = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return () => tail;
}

/** Resolves true once the endpoint answers, false if the process died first. */
async function waitUntilAnswering(endpoint: string, alive: () => boolean): Promise<boolean> {
  const client = localClient(endpoint, { maxAttempts: 1 });
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  try {
    for (;;) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return true;
      } catch (error) {
        if (!alive()) return false;
        if (Date.now() > deadline) {
          throw new Error(`DynamoDB Local did not answer on ${endpoint} within 30 s`, {
            cause: error,
          });
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  } finally {
    client.destroy();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not find a free port'));
      });
    });
  });
}

/** A low-level client for a local endpoint (region and credentials are placeholders). */
export function localClient(endpoint: string, options: { maxAttempts?: number } = {}) {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: options.maxAttempts ?? 3,
  });
}

/**
 * Creates the service's table (from `table-design.ts`) unless it exists, adds the indexes of the
 * design an older table lacks (answering their names), and waits until the table and its indexes
 * are ACTIVE. With `stream: false` the table has no stream: DynamoDB Local
 * slows down as stream records pile up, so test tables that no change feed reads go without one
 * (the change-feed tests turn it on for their table).
 */
export async function ensureTable(
  endpoint: string,
  tableName: string,
  options: { stream?: boolean } = {},
): Promise<{ addedIndexes: string[] }> {
  const addedIndexes: string[] = [];
  const stream = options.stream ?? true;
  const client = localClient(endpoint);
  try {
    try {
      const { StreamSpecification, ...withoutStream } = createTableInput(tableName);
      await client.send(
        new CreateTableCommand(stream ? { ...withoutStream, StreamSpecification } : withoutStream),
      );
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    for (;;) {
      const table = await client
        .send(new DescribeTableCommand({ TableName: tableName }))
        .then((result) => result.Table)
        .catch((error: unknown) => {
          if (error instanceof ResourceNotFoundException) return undefined;
          throw error;
        });
      const active =
        table?.TableStatus === 'ACTIVE' &&
        (table.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
      if (stream && table && active && !table.StreamSpecification?.StreamEnabled) {
        // Created before the table had a stream (an older `npm start`): the change feed needs one.
        await client.send(
          new UpdateTableCommand({
            TableName: tableName,
            StreamSpecification: createTableInput(tableName).StreamSpecification,
          }),
        );
        continue;
      }
      const missing = table && active ? missingIndex(table, tableName) : undefined;
      if (missing) {
        // Created before the design had this index (an older `npm start`): added as a stack
        // update adds it, one index per update; its items come from the write path and
        // `npm run migrate-directory`.
        await client.send(
          new UpdateTableCommand({
            TableName: tableName,
            AttributeDefinitions: createTableInput(tableName).AttributeDefinitions,
            GlobalSecondaryIndexUpdates: [{ Create: missing }],
          }),
        );
        addedIndexes.push(missing.IndexName);
        continue;
      }
      if (table && active) {
        assertSameDesign(table, tableName);
        return { addedIndexes };
      }
      if (Date.now() > deadline) throw new Error(`table ${tableName} did not become ACTIVE`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    client.destroy();
  }
}

/** The first index of the design an existing table lacks (by name), as UpdateTable creates it. */
function missingIndex(table: TableDescription, tableName: string) {
  const present = new Set((table.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  return createTableInput(tableName).GlobalSecondaryIndexes.find(
    (index) => !present.has(index.IndexName),
  );
}

/**
 * A table kept on disk by an earlier `npm start` may predate a change to `table-design.ts`; the
 * service would then fail in confusing ways, so say so plainly (data is never dropped here).
 */
function assertSameDesign(table: TableDescription, tableName: string): void {
  const describe = (keys: readonly { AttributeName?: string; KeyType?: string }[] = []) =>
    keys.map((key) => `${key.AttributeName}:${key.KeyType}`).join(',');
  const signature = (
    keySchema: string,
    indexes: readonly { IndexName?: string; KeySchema?: KeySchemaElement[] }[],
  ) =>
    [
      keySchema,
      ...indexes.map((index) => `${index.IndexName}(${describe(index.KeySchema)})`).sort(),
    ].join(' ');
  const wanted = createTableInput(tableName);
  const expected = signature(describe(wanted.KeySchema), wanted.GlobalSecondaryIndexes);
  const actual = signature(describe(table.KeySchema), table.GlobalSecondaryIndexes ?? []);
  if (actual !== expected) {
    throw new Error(
      `Table ${tableName} was created from another table design:\n  has:    ${actual}\n  wanted: ${expected}\nDelete it (for npm start: rm -rf .local/dynamodb-data) to recreate it.`,
    );
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  const dir = await ensureDynamoDbLocal();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`DynamoDB Local is installed in ${dir} (${seconds} s)`);
}
