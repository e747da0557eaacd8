/**
 * `npm run token -- <command>`: the operator's Secret Token tool (keygen, issue, list, revoke).
 * Private keys stay in `.keys/<tenant>/` on the operator's machine (git-ignored); only public keys
 * and revoked token ids go into `infra/tenants/<tenant>.json`, which the stack deploys.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { decodeJwt } from 'jose';
import { parseTenantConfig, TENANTS_DIR, TenantConfigError } from '../tenants.js';
import { generateSigningKey, issueToken, publicJwks, type SigningKey } from '../tokens.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const HELP = `Usage: npm run token -- <command> --tenant <name> [options]

Secret Tokens are ES256 JWTs the service verifies with the public keys of
infra/tenants/<name>.json. Private keys never leave .keys/<name>/ (git-ignored).

Commands:
  keygen  --tenant <name>
          Creates a signing key in .keys/<name>/<kid>.private.jwk.json (mode 0600),
          adds its public key to infra/tenants/<name>.json and prints the public JWKS.
  issue   --tenant <name> [--kid <kid>] [--expires <span>]
          Prints a Secret Token (and nothing else) on stdout. Default key: the newest.
          --expires takes a span such as 90d or 12h; without it the token never
          expires, which is what Entra needs (it cannot refresh a Secret Token).
          The token id and dates (never the token) are logged to .keys/<name>/issued.jsonl.
  list    --tenant <name>
          Lists signing keys and issued token ids with their dates and revocation.
  revoke  --tenant <name> --jti <token id>
          Refuses the token from the next deployment on: adds the id to
          revokedTokenIds in infra/tenants/<name>.json.

Options:
  --keys-dir <dir>     where private keys are kept (default: .keys)
  --tenants-dir <dir>  where tenant configurations are (default: infra/tenants)
  -h, --help           this help

After keygen or revoke, deploy the tenant's stack for the change to take effect.`;

interface Paths {
  readonly tenant: string;
  /** `.keys/<tenant>` */
  readonly keys: string;
  /** `infra/tenants/<tenant>.json` */
  readonly config: string;
}

interface IssuedRecord {
  readonly jti: string;
  readonly kid: string;
  readonly issuedAt: string;
  readonly expiresAt: string | null;
}

interface RevokedRecord {
  readonly jti: string;
  readonly revokedAt: string;
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      tenant: { type: 'string' },
      kid: { type: 'string' },
      expires: { type: 'string' },
      jti: { type: 'string' },
      'keys-dir': { type: 'string' },
      'tenants-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || command === undefined || command === 'help') {
    console.log(HELP);
    return;
  }
  if (positionals.length > 1) throw new UsageError(`unexpected argument ${positionals[1]}`);
  const tenant = values.tenant;
  if (!tenant) throw new UsageError('--tenant <name> is required');
  if (!/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/.test(tenant)) {
    throw new UsageError(`--tenant must be a lower-case tenant name, got "${tenant}"`);
  }
  const paths: Paths = {
    tenant,
    keys: join(values['keys-dir'] ?? join(REPO_ROOT, '.keys'), tenant),
    config: join(values['tenants-dir'] ?? TENANTS_DIR, `${tenant}.json`),
  };

  switch (command) {
    case 'keygen':
      return keygen(paths);
    case 'issue':
      return issue(paths, values.kid, values.expires);
    case 'list':
      return list(paths);
    case 'revoke':
      if (!values.jti) throw new UsageError('--jti <token id> is required');
      return revoke(paths, values.jti);
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

async function keygen(paths: Paths): Promise<void> {
  const key = await generateSigningKey({
    kid: `${paths.tenant}-${randomBytes(12).toString('base64url')}`,
  });
  await mkdir(paths.keys, { recursive: true, mode: 0o700 });
  const file = join(paths.keys, `${key.kid}.private.jwk.json`);
  await writeFile(file, `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  const jwks = publicJwks([key]);
  console.error(`Private key written to ${show(file)}: keep it safe, never commit it.`);

  if (existsSync(paths.config)) {
    await updateTenantConfig(paths, (config) => {
      const current = (config.tokenPublicKeys as { keys?: unknown[] } | undefined)?.keys ?? [];
      config.tokenPublicKeys = { keys: [...current, ...jwks.keys] };
    });
    console.error(
      `Public key ${key.kid} added to ${show(paths.config)}: deploy the tenant's stack before issuing tokens with it.`,
    );
  } else {
    console.error(
      `${show(paths.config)} does not exist: put this JWKS in its "tokenPublicKeys" (or add the key to its "keys"):`,
    );
  }
  console.log(JSON.stringify(jwks, null, 2));
}

async function issue(
  paths: Paths,
  kid: string | undefined,
  expires: string | undefined,
): Promise<void> {
  const key = await signingKey(paths, kid);
  const config = await readTenantConfig(paths);
  const configuredKids = tokenKids(config);
  if (config && !configuredKids.includes(key.kid)) {
    console.error(
      `Warning: key ${key.kid} is not in ${show(paths.config)}; the service refuses this token until it is added and deployed.`,
    );
  }
  const jti = randomUUID();
  let token: string;
  try {
    token = await issueToken(key, { tenant: paths.tenant, expiresIn: expires, jti });
  } catch (error) {
    throw new UsageError(`cannot issue the token: ${(error as Error).message}`);
  }
  const claims = decodeJwt(token);
  const record: IssuedRecord = {
    jti,
    kid: key.kid,
    issuedAt: new Date((claims.iat ?? 0) * 1000).toISOString(),
    expiresAt: claims.exp === undefined ? null : new Date(claims.exp * 1000).toISOString(),
  };
  await appendFile(join(paths.keys, 'issued.jsonl'), `${JSON.stringify(record)}\n`, {
    mode: 0o600,
  });
  console.error(
    `Issued token ${jti} for tenant ${paths.tenant} (key ${key.kid}, ${record.expiresAt ? `expires ${record.expiresAt}` : 'never expires'}).`,
  );
  console.log(token);
}

async function list(paths: Paths): Promise<void> {
  const keys = await privateKeys(paths);
  const config = await readTenantConfig(paths);
  const configuredKids = tokenKids(config);
  const revoked = new Set([
    ...(await readJsonLines<RevokedRecord>(join(paths.keys, 'revoked.jsonl'))).map((r) => r.jti),
    ...revokedIds(config),
  ]);

  console.log(`Signing keys of ${paths.tenant} (private keys in ${show(paths.keys)}):`);
  for (const key of keys) {
    const deployed = config
      ? configuredKids.includes(key.kid)
        ? 'configured'
        : 'NOT configured'
      : '';
    console.log(`  ${key.kid}  created ${key.created.toISOString().slice(0, 10)}  ${deployed}`);
  }
  for (const kid of configuredKids.filter((kid) => !keys.some((key) => key.kid === kid))) {
    console.log(`  ${kid}  configured, private key not on this machine`);
  }
  if (keys.length === 0 && configuredKids.length === 0) console.log('  none');

  const issued = await readJsonLines<IssuedRecord>(join(paths.keys, 'issued.jsonl'));
  console.log('Issued tokens (ids and dates only):');
  for (const token of issued) {
    const status = revoked.has(token.jti) ? 'REVOKED' : '';
    console.log(
      `  ${token.jti}  key ${token.kid}  issued ${token.issuedAt}  expires ${token.expiresAt ?? 'never'}  ${status}`,
    );
  }
  if (issued.length === 0) console.log('  none issued from this machine');
}

async function revoke(paths: Paths, jti: string): Promise<void> {
  if (jti !== jti.trim() || jti === '' || jti.includes(',')) {
    throw new UsageError(`--jti must be a token id without commas or spaces, got "${jti}"`);
  }
  await mkdir(paths.keys, { recursive: true, mode: 0o700 });
  const record: RevokedRecord = { jti, revokedAt: new Date().toISOString() };
  await appendFile(join(paths.keys, 'revoked.jsonl'), `${JSON.stringify(record)}\n`, {
    mode: 0o600,
  });

  let ids: string[];
  if (existsSync(paths.config)) {
    const updated = await updateTenantConfig(paths, (config) => {
      const current = Array.isArray(config.revokedTokenIds) ? config.revokedTokenIds : [];
      config.revokedTokenIds = [...new Set([...current, jti])];
    });
    ids = revokedIds(updated);
    console.log(`Token ${jti} added to revokedTokenIds in ${show(paths.config)}.`);
  } else {
    const local = await readJsonLines<RevokedRecord>(join(paths.keys, 'revoked.jsonl'));
    ids = [...new Set(local.map((r) => r.jti))];
    console.log(
      `${show(paths.config)} does not exist: add ${JSON.stringify(jti)} to its "revokedTokenIds".`,
    );
  }
  console.log(
    `Deploy the tenant's stack: its functions then get REVOKED_TOKEN_IDS=${ids.join(',')} and refuse the token.`,
  );
}

/** The key to sign with: the one named, or the newest in `.keys/<tenant>/`. */
async function signingKey(paths: Paths, kid: string | undefined): Promise<SigningKey> {
  const keys = await privateKeys(paths);
  if (keys.length === 0) {
    throw new UsageError(
      `no signing key in ${show(paths.keys)}: run "npm run token -- keygen --tenant ${paths.tenant}" first`,
    );
  }
  const chosen = kid ? keys.find((key) => key.kid === kid) : keys.at(-1);
  if (!chosen) {
    throw new UsageError(
      `no key ${kid} in ${show(paths.keys)} (have: ${keys.map((k) => k.kid).join(', ')})`,
    );
  }
  return chosen.jwk;
}

/** The tenant's private keys, oldest first. */
async function privateKeys(
  paths: Paths,
): Promise<{ kid: string; created: Date; jwk: SigningKey }[]> {
  if (!existsSync(paths.keys)) return [];
  const files = (await readdir(paths.keys)).filter((file) => file.endsWith('.private.jwk.json'));
  const keys = await Promise.all(
    files.map(async (file) => {
      const path = join(paths.keys, file);
      const jwk = JSON.parse(await readFile(path, 'utf8')) as SigningKey;
      return { kid: jwk.kid, created: (await stat(path)).mtime, jwk };
    }),
  );
  return keys.sort((a, b) => a.created.getTime() - b.created.getTime());
}

type RawConfig = Record<string, unknown>;

async function readTenantConfig(paths: Paths): Promise<RawConfig | undefined> {
  if (!existsSync(paths.config)) return undefined;
  return JSON.parse(await readFile(paths.config, 'utf8')) as RawConfig;
}

/** Edits the tenant's JSON file, refusing to write a configuration the stack would refuse. */
async function updateTenantConfig(
  paths: Paths,
  change: (config: RawConfig) => void,
): Promise<RawConfig> {
  const config = (await readTenantConfig(paths)) ?? {};
  change(config);
  try {
    parseTenantConfig(config, paths.tenant);
  } catch (error) {
    if (error instanceof TenantConfigError) {
      throw new UsageError(`${show(paths.config)} was not changed: ${error.message}`);
    }
    throw error;
  }
  await writeFile(paths.config, `${JSON.stringify(config, null, 2)}\n`);
  return config;
}

function tokenKids(config: RawConfig | undefined): string[] {
  const keys = (config?.tokenPublicKeys as { keys?: { kid?: unknown }[] } | undefined)?.keys ?? [];
  return keys.map((key) => key.kid).filter((kid): kid is string => typeof kid === 'string');
}

function revokedIds(config: RawConfig | undefined): string[] {
  const ids = config?.revokedTokenIds;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
}

async function readJsonLines<T>(file: string): Promise<T[]> {
  if (!existsSync(file)) return [];
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

/** Paths relative to the repository when inside it: shorter and copy-pasteable. */
function show(path: string): string {
  const inside = relative(REPO_ROOT, path);
  return inside.startsWith('..') ? path : inside;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (
    error instanceof UsageError ||
    (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
  ) {
    console.error(`token: ${(error as Error).message}\nRun "npm run token -- --help" for usage.`);
  } else {
    console.error(error);
  }
  process.exitCode = 1;
});
