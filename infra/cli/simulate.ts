/**
 * `SCIM_TOKEN=… npm run simulate -- --url <Tenant URL> [options]`, or `npm run simulate -- --local`
 * against the running `npm start` (its Tenant URL and Secret Token from `.local/`): plays Microsoft
 * Entra's provisioning service against a SCIM endpoint (ours, local or deployed, or any other),
 * then reads the end state back. Exit code 0 when every request succeeded and the end state is
 * right, 1 otherwise, 2 on a usage error.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { runningLocalService } from '../local/service-record.js';
import { Recorder } from '../simulator/client.js';
import { simulate } from '../simulator/cycle.js';
import { DIALECTS, type Dialect } from '../simulator/entra-requests.js';
import { silentProgress, stderrProgress } from '../simulator/progress.js';
import { formatSummary, operationFigures } from '../simulator/summary.js';

const HELP = `Usage: SCIM_TOKEN=<token> npm run simulate -- --url <Tenant URL> [options]
       npm run simulate -- --local [options]

Plays an Entra provisioning cycle: each user looked up by userName then created
(or patched), each group looked up without members, created empty, then its
members added in batches; with --incremental, the following cycles too
(attribute changes, disables, restores, member adds and removes, deletes).
Finally reads every object back and checks it.

Options:
  --local                the running npm start: its Tenant URL, and its Secret Token
                         unless SCIM_TOKEN is set (found through .local/service.json)
  --url <url>            Tenant URL, e.g. http://127.0.0.1:8080/scim/v2 (env SCIM_URL)
  SCIM_TOKEN (env)       the bearer token; --token <token> still works, but puts the
                         token in your shell history and on the screen
  --users <n>            users (default 100)
  --groups <n>           groups (default 10)
  --memberships <n>      group memberships (default 200)
  --concurrency <n>      objects in flight at once (default 8)
  --dialect <d>          default | aadOptscim062020 (default: aadOptscim062020 when
                         the Tenant URL carries it, else default)
  --incremental          run the incremental cycles after the initial one
  --seed <n>             data seed (default 1); the same seed, the same data
  --prefix <p>           name prefix (default sim<seed>); use another to start afresh
  --member-batch <n>     members per "Add members" PATCH (default 25)
  --no-verify            skip reading the end state back
  --json <file>          also write the summary as JSON
  --quiet                no progress line
  -h, --help             this help

Runs with the same seed and prefix meet the objects of the earlier run: Entra
then matches and patches them instead of creating them.`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${HELP}\n`);
  process.exit(2);
}

function count(name: string, raw: string | undefined, fallback: number, minimum = 0): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < minimum) {
    fail(`--${name} must be an integer ≥ ${minimum}, got "${raw}"`);
  }
  return value;
}

function parse() {
  try {
    return parseArgs({
      options: {
        local: { type: 'boolean', default: false },
        url: { type: 'string' },
        token: { type: 'string' },
        users: { type: 'string' },
        groups: { type: 'string' },
        memberships: { type: 'string' },
        concurrency: { type: 'string' },
        dialect: { type: 'string' },
        incremental: { type: 'boolean', default: false },
        seed: { type: 'string' },
        prefix: { type: 'string' },
        'member-batch': { type: 'string' },
        'no-verify': { type: 'boolean', default: false },
        json: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    });
  } catch (error) {
    return fail((error as Error).message);
  }
}

const { values } = parse();
if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}

if (values.token !== undefined) {
  process.stderr.write(
    'Warning: --token leaves the token in your shell history; set SCIM_TOKEN instead (or --local).\n',
  );
}
const local = values.local
  ? await runningLocalService().catch((error: Error) => fail(error.message))
  : undefined;
const url = values.url ?? process.env.SCIM_URL ?? local?.tenantUrl;
const token =
  values.token ??
  process.env.SCIM_TOKEN ??
  (local ? (await readFile(local.secretTokenFile, 'utf8')).trim() : undefined);
if (!url) fail('--url (or --local) is required');
if (!token) fail('SCIM_TOKEN is required (or --local for the Secret Token of npm start)');
try {
  new URL(url);
} catch {
  fail(`--url is not a URL: ${url}`);
}
const dialect = (values.dialect ??
  (/[?&]aadOptscim062020\b/i.test(url) ? 'aadOptscim062020' : 'default')) as Dialect;
if (!DIALECTS.includes(dialect)) fail(`--dialect must be one of ${DIALECTS.join(', ')}`);

const recorder = new Recorder();
const options = {
  url,
  token,
  users: count('users', values.users, 100),
  groups: count('groups', values.groups, 10),
  memberships: count('memberships', values.memberships, 200),
  concurrency: count('concurrency', values.concurrency, 8, 1),
  dialect,
  incremental: values.incremental,
  seed: count('seed', values.seed, 1),
  ...(values.prefix ? { prefix: values.prefix } : {}),
  memberBatch: count('member-batch', values['member-batch'], 25, 1),
  verify: !values['no-verify'],
  recorder,
};
process.stderr.write(
  `Simulating Entra (${dialect}) against ${url}: ${options.users} users, ${options.groups} groups, ` +
    `${options.memberships} memberships, concurrency ${options.concurrency}` +
    `${options.incremental ? ', with incremental cycles' : ''}\n`,
);

let result: Awaited<ReturnType<typeof simulate>>;
try {
  result = await simulate({
    ...options,
    progress: values.quiet ? silentProgress : stderrProgress(recorder),
  });
} catch (error) {
  process.stderr.write(`Simulation failed: ${(error as Error).message}\n`);
  process.exit(1);
}

process.stdout.write(`${formatSummary(result, recorder)}\n`);
if (values.json) {
  // The ids are the service's business; the summary is about the run.
  const { ids: _ids, ...rest } = result;
  await writeFile(
    values.json,
    `${JSON.stringify(
      {
        ...rest,
        operations: operationFigures(recorder),
        errorSamples: recorder.errorSamples,
      },
      null,
      2,
    )}\n`,
  );
}
process.exit(result.ok ? 0 : 1);
