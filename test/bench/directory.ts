/**
 * Directory search latency (issue 22, item 2): a 10,000-user tenant (the simulator's dataset,
 * written with the items the write path writes: resource, guard, search items, counters) in
 * DynamoDB Local, then the work of one `GET /admin/api/directory` (the first page of a search and
 * the counts, as `shared/admin/directory.ts` runs them) timed for a few kinds of prefix, with the
 * read units DynamoDB reports for it. Needs TABLE_NAME and DYNAMODB_ENDPOINT set (`run.ts` does,
 * or run this file alone: `tsx test/bench/directory.ts --out <json>`).
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildDataset } from '../../infra/simulator/dataset.js';
import { createGroupBody, createUserBody } from '../../infra/simulator/entra-requests.js';
import { newStoreStats, withStoreStats } from '../../shared/common/request-context.js';

export interface DirectoryCase {
  readonly label: string;
  readonly query: string;
  readonly scope: 'all' | 'users' | 'groups';
  /** Resources on the first page. */
  readonly hits: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  /** Read units of one search (page and counts), median over the runs. */
  readonly readUnits: number;
  /** DynamoDB calls of one search (median). */
  readonly calls: number;
}

export interface DirectoryResult {
  readonly users: number;
  readonly groups: number;
  readonly runs: number;
  readonly seedingMs: number;
  /** Items written for the directory beyond what the resources had before it. */
  readonly searchItems: number;
  readonly cases: readonly DirectoryCase[];
  /** One-minute load average before and after the searches, and the cores it is shared by. */
  readonly load: { readonly start: number; readonly end: number; readonly cores: number };
}

/** BatchWriteItem calls in flight: DynamoDB Local gains nothing from more on two cores. */
const PARALLELISM = 8;

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? 0;
}

const round1 = (value: number) => Math.round(value * 10) / 10;

export async function measureDirectory(options: {
  readonly users: number;
  readonly groups?: number;
  readonly runs?: number;
  readonly log?: (message: string) => void;
}): Promise<DirectoryResult> {
  const runs = options.runs ?? 30;
  const groupCount = options.groups ?? 200;
  // After the environment is set: the store reads its configuration at first use.
  const [resources, searchItems, keysModule, batch, scim, client, lib, directory] =
    await Promise.all([
      import('../../shared/store/resources.js'),
      import('../../shared/store/search-items.js'),
      import('../../shared/store/keys.js'),
      import('../../shared/store/batch.js'),
      import('../../shared/scim/resource.js'),
      import('../../shared/store/client.js'),
      import('@aws-sdk/lib-dynamodb'),
      import('../../shared/store/directory.js'),
    ]);
  const { keys } = keysModule;
  const dataset = buildDataset({
    seed: 22,
    users: options.users,
    groups: groupCount,
    memberships: 0,
  });

  const started = performance.now();
  const requests: { put: Record<string, unknown> }[] = [];
  let searchItemCount = 0;
  let deactivated = 0;
  const now = new Date().toISOString();
  const add = (type: 'User' | 'Group', body: unknown) => {
    const { resource } = scim.normalizeResource(type, body);
    const record = {
      type,
      id: randomUUID(),
      version: 1,
      created: now,
      lastModified: now,
      data: resource,
    };
    const name = resources.uniqueNameOf(type, resource);
    const extra = searchItems.searchItemsOf(record);
    searchItemCount += extra.length;
    if (searchItems.isDeactivated(type, resource)) deactivated += 1;
    requests.push(
      { put: resources.resourceItem(record) },
      { put: { ...keys.uniqueName(type, name), id: record.id, name } },
      ...extra.map((item) => ({ put: item })),
    );
  };
  for (const user of dataset.users) add('User', createUserBody(user));
  for (const group of dataset.groups) add('Group', createGroupBody(group));
  options.log?.(`directory: writing ${requests.length.toLocaleString('en-US')} items`);
  await batch.batchWrite(requests, PARALLELISM);
  const count = async (key: { pk: string; sk: string }, n: number) => {
    await client.documentClient().send(
      new lib.UpdateCommand({
        TableName: client.tableName(),
        Key: key,
        UpdateExpression: 'ADD #n :n',
        ExpressionAttributeNames: { '#n': 'n' },
        ExpressionAttributeValues: { ':n': n },
      }),
    );
  };
  await count(keys.counterShard('User', 0), dataset.users.length);
  await count(keys.counterShard('Group', 0), dataset.groups.length);
  await count(keys.deactivatedShard(0), deactivated);
  const seedingMs = Math.round(performance.now() - started);

  const someone = dataset.users[Math.floor(dataset.users.length * 0.37)] ?? dataset.users[0]!;
  const other = dataset.users[Math.floor(dataset.users.length * 0.81)] ?? dataset.users[0]!;
  const group = dataset.groups[Math.floor(dataset.groups.length / 2)] ?? dataset.groups[0]!;
  const cases: Omit<DirectoryCase, 'hits' | 'p50Ms' | 'p95Ms' | 'readUnits' | 'calls'>[] = [
    { label: 'empty search (everything, name order)', query: '', scope: 'all' },
    { label: '1 character', query: someone.userName.slice(0, 1).toUpperCase(), scope: 'all' },
    { label: '3 characters', query: someone.displayName.slice(0, 3).toUpperCase(), scope: 'all' },
    { label: 'a whole e-mail, upper case', query: someone.email.toUpperCase(), scope: 'all' },
    { label: 'externalId, first 8 characters', query: other.externalId.slice(0, 8), scope: 'all' },
    { label: 'a whole externalId', query: other.externalId, scope: 'users' },
    { label: 'group name, 5 characters', query: group.displayName.slice(0, 5), scope: 'groups' },
  ];

  const loadStart = loadavg()[0] ?? 0;
  const results: DirectoryCase[] = [];
  for (const spec of cases) {
    const ms: number[] = [];
    const units: number[] = [];
    const calls: number[] = [];
    let hits = 0;
    // Two unmeasured runs: the first of a kind pays for JIT and connection set-up.
    for (let run = -2; run < runs; run += 1) {
      const stats = newStoreStats();
      const begin = performance.now();
      const [page] = await withStoreStats(stats, () =>
        Promise.all([
          directory.searchDirectory({ query: spec.query, scope: spec.scope }),
          directory.directoryCounts(),
        ]),
      );
      const elapsed = performance.now() - begin;
      if (run < 0) continue;
      ms.push(elapsed);
      units.push(stats.capacityUnits);
      calls.push(stats.calls);
      hits = page.hits.length;
    }
    results.push({
      ...spec,
      hits,
      p50Ms: round1(percentile(ms, 50)),
      p95Ms: round1(percentile(ms, 95)),
      readUnits: round1(percentile(units, 50)),
      calls: percentile(calls, 50),
    });
    options.log?.(`directory: ${spec.label}: p50 ${round1(percentile(ms, 50))} ms`);
  }
  return {
    users: dataset.users.length,
    groups: dataset.groups.length,
    runs,
    seedingMs,
    searchItems: searchItemCount,
    cases: results,
    load: { start: round1(loadStart), end: round1(loadavg()[0] ?? 0), cores: cpus().length },
  };
}

export const DIRECTORY_SECTION = '## Integration page directory search';

/** The Markdown section of the bench report. */
export function renderDirectory(result: DirectoryResult): string {
  const rows = result.cases.map(
    (c) =>
      `| ${c.label} | ${c.query === '' ? '(empty)' : `\`${c.query.length > 40 ? `${c.query.slice(0, 37)}…` : c.query}\``} | ${c.scope} | ${c.hits} | ${c.p50Ms.toFixed(1)} | ${c.p95Ms.toFixed(1)} | ${c.readUnits.toFixed(1)} | ${c.calls} |`,
  );
  return `
${DIRECTORY_SECTION}

A ${result.users.toLocaleString('en-US')}-user tenant with ${result.groups.toLocaleString('en-US')} groups (the simulator's dataset; ${result.searchItems.toLocaleString('en-US')} search items, written as the write path writes them) in DynamoDB Local. One search is the work of \`GET /admin/api/directory\`: the first page (at most 25) and the three counter Queries, in parallel; ${result.runs} runs per prefix after two unmeasured ones. Read units as DynamoDB Local reports them (\`ReturnConsumedCapacity\`), median per search. Load average ${result.load.start} then ${result.load.end} on ${result.load.cores} cores${result.load.start > result.load.cores / 2 ? ': other work shared the machine, so the latencies are higher than an idle one gives' : ''}.

| prefix | q | type | found (page 1) | p50 ms | p95 ms | read units | DynamoDB calls |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}
`;
}

/** Replaces the directory section of a generated benchmark page (or adds it at the end). */
export function replaceDirectorySection(doc: string, section: string): string {
  const body = `${section.trim()}\n\n`;
  const start = doc.indexOf(DIRECTORY_SECTION);
  if (start < 0) return `${doc.trimEnd()}\n\n${body}`;
  const next = doc.indexOf('\n## ', start + DIRECTORY_SECTION.length);
  return doc.slice(0, start) + body + (next >= 0 ? doc.slice(next + 1) : '');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: { users: { type: 'string' }, runs: { type: 'string' }, out: { type: 'string' } },
  });
  const { ensureTable, startDynamoDbLocal } = await import('../../infra/local/dynamodb-local.js');
  const dynamodb = await startDynamoDbLocal();
  const table = 'grouptalk-scim-bench-directory';
  await ensureTable(dynamodb.endpoint, table, { stream: false });
  Object.assign(process.env, {
    TABLE_NAME: table,
    DYNAMODB_ENDPOINT: dynamodb.endpoint,
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    // A loaded machine's DynamoDB Local can take seconds to answer a batch of the seed: AWS's
    // 1 s / 2 s budgets would fail it (the searches' own latencies are what is measured).
    DYNAMODB_CONNECTION_TIMEOUT_MS: process.env.DYNAMODB_CONNECTION_TIMEOUT_MS ?? '5000',
    DYNAMODB_REQUEST_TIMEOUT_MS: process.env.DYNAMODB_REQUEST_TIMEOUT_MS ?? '8000',
  });
  try {
    const result = await measureDirectory({
      users: Number(values.users ?? 10_000),
      runs: Number(values.runs ?? 30),
      log: (message) => process.stderr.write(`${message}\n`),
    });
    if (values.out) await writeFile(values.out, `${JSON.stringify(result, null, 2)}\n`);
    else process.stdout.write(renderDirectory(result));
  } finally {
    await dynamodb.stop();
  }
}
