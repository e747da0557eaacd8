/**
 * `npm run token -- <command>`: the operator's tool over a tenant's credential registry (the
 * authoritative inventory): in AWS with the operator's AWS credentials (`--table`, signing through
 * `--kms-key`), or `--local` against the tenant `npm start` runs. A token or secret is printed once,
 * on stdout, and never written to a file.
 */

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { JWK } from 'jose';
import { createKmsSigner } from '../../shared/credentials/kms-signer.js';
import { createCredentialRegistry } from '../../shared/credentials/registry.js';
import { createLocalSigner, type TokenSigner } from '../../shared/credentials/signer.js';
import { issueSecretToken } from '../../shared/credentials/tokens.js';
import { adoptIssuedTokens, type IssuedRecord, readJsonLines } from '../legacy-tokens.js';
import {
  type LocalServiceRecord,
  localStateDir,
  runningLocalService,
} from '../local/service-record.js';
import { localDocumentClient } from '../tokens.js';

const HELP = `Usage: npm run token -- <command> [--local | --tenant <t> --table <name> --kms-key <arn>]

Commands (against the tenant's credential registry):
  issue [--description <text>]        prints a new Secret Token (once)
  list                                every credential, revoked ones too, and the cut-off
  revoke --id <credential id>         refused within a minute
  client create [--description <text>] [--lifetime <seconds>]
                                      prints Client ID and Client Secret (once)
  client rotate --id <client id>      prints an additional secret (the old ones stay active)
  client revoke --id <client id>      the client and its access tokens are refused
  adopt --issued <.keys/<t>/issued.jsonl> [--revoked <file>] [--dry-run]
                                      registers the tokens issued before the registry (from a
                                      key file) that are neither revoked nor expired, with their
                                      own id: they keep working (revoked.jsonl beside the issue
                                      log is read unless --revoked names another)

  --local           the tenant of the running npm start (found through .local/service.json)
  --tenant, --table, --kms-key, --region   a deployed tenant (the operator's AWS credentials)`;

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      local: { type: 'boolean' },
      tenant: { type: 'string' },
      table: { type: 'string' },
      'kms-key': { type: 'string' },
      region: { type: 'string' },
      endpoint: { type: 'string' },
      id: { type: 'string' },
      description: { type: 'string' },
      lifetime: { type: 'string' },
      issued: { type: 'string' },
      revoked: { type: 'string' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals.join(' ');
  if (values.help || command === '') {
    console.log(HELP);
    return;
  }
  const target = await connect(values);
  const registry = createCredentialRegistry({
    documents: target.documents,
    tableName: target.tableName,
  });
  const by = `operator ${process.env.USER ?? 'unknown'}`;
  const description = values.description;
  try {
    switch (command) {
      case 'issue': {
        const { token, credential } = await issueSecretToken(registry, target.signer(), {
          tenant: target.tenant,
          createdBy: by,
          ...(description ? { description } : {}),
        });
        console.error(`Secret Token ${credential.id} issued (shown once, below).`);
        console.log(token);
        return;
      }
      case 'list': {
        const { credentials, policy } = await registry.list();
        for (const c of credentials) {
          const secrets = (c.secrets ?? [])
            .map((s) => `${s.id}${s.revokedAt ? ' revoked' : ''} expires ${s.expiresAt}`)
            .join('; ');
          console.log(
            [
              c.id,
              c.kind,
              `created ${c.createdAt} by ${c.createdBy}`,
              `last used ${c.lastUsedAt ?? 'never'}`,
              c.revokedAt ? `REVOKED ${c.revokedAt}` : 'active',
              c.description ?? '',
              secrets ? `secrets: ${secrets}` : '',
            ]
              .filter(Boolean)
              .join('  '),
          );
        }
        if (policy.notBefore) console.log(`Tokens issued before ${policy.notBefore} are refused.`);
        return;
      }
      case 'revoke':
      case 'client revoke': {
        const credential = await registry.revoke(required(values.id, '--id'), by);
        console.log(`Revoked ${credential.id} (${credential.kind}): refused within a minute.`);
        return;
      }
      case 'client create': {
        const { credential, secret } = await registry.createClient({
          createdBy: by,
          ...(description ? { description } : {}),
          ...(values.lifetime ? { accessTokenSeconds: Number(values.lifetime) } : {}),
        });
        console.log(`Client ID: ${credential.id}`);
        console.log(`Client Secret: ${secret.secret}`);
        console.error(`Secret ${secret.secretId} expires ${secret.expiresAt} (shown once).`);
        return;
      }
      case 'client rotate': {
        const secret = await registry.rotateSecret(required(values.id, '--id'));
        console.log(`Client Secret: ${secret.secret}`);
        console.error(
          `Secret ${secret.secretId} added (expires ${secret.expiresAt}); revoke the old one once Entra uses this one.`,
        );
        return;
      }
      case 'adopt': {
        const issuedFile = required(values.issued, '--issued');
        const revokedFile = values.revoked ?? join(dirname(issuedFile), 'revoked.jsonl');
        const issued = await readJsonLines<IssuedRecord>(issuedFile);
        if (issued.length === 0) throw new UsageError(`${issuedFile} lists no token`);
        const revoked = new Set(
          (await readJsonLines<{ jti: string }>(revokedFile)).map((record) => record.jti),
        );
        const adoptions = await adoptIssuedTokens(registry, issued, revoked, {
          dryRun: values['dry-run'] === true,
          createdBy: `migration by ${by}`,
        });
        for (const { jti, outcome } of adoptions) {
          console.log(
            `${jti}  ${values['dry-run'] && outcome === 'registered' ? 'would register' : outcome}`,
          );
        }
        const registered = adoptions.filter((a) => a.outcome === 'registered').length;
        console.error(
          `${registered} of ${adoptions.length} token(s) ${values['dry-run'] ? 'would be' : ''} registered; ` +
            'replace each with a new credential, then revoke it.',
        );
        return;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } finally {
    target.documents.destroy();
  }
}

interface Target {
  readonly tenant: string;
  readonly tableName: string;
  readonly documents: DynamoDBDocumentClient;
  signer(): TokenSigner;
}

async function connect(values: Record<string, string | boolean | undefined>): Promise<Target> {
  if (values.local) {
    // Where the running npm start is (.local/service.json), unless --endpoint or
    // DYNAMODB_ENDPOINT names a DynamoDB Local (e.g. the tests').
    const explicit = (values.endpoint as string | undefined) ?? process.env.DYNAMODB_ENDPOINT;
    const service = explicit ? undefined : await runningLocalService().catch(usage);
    const keyFile =
      service?.signingKeyFile ?? join(localStateDir(), 'keys', 'local.private.jwk.json');
    return {
      tenant: 'local',
      tableName: process.env.LOCAL_TABLE_NAME ?? service?.tableName ?? 'grouptalk-scim-local',
      documents: localDocumentClient(explicit ?? (service as LocalServiceRecord).dynamodbEndpoint),
      signer: () => createLocalSigner(JSON.parse(readKey(keyFile)) as JWK),
    };
  }
  const tenant = required(values.tenant as string | undefined, '--tenant');
  const tableName = required(values.table as string | undefined, '--table');
  const region = (values.region as string | undefined) ?? process.env.AWS_REGION;
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return {
    tenant,
    tableName,
    documents,
    signer: () =>
      createKmsSigner(
        new KMSClient({ region }),
        required(values['kms-key'] as string | undefined, '--kms-key'),
      ),
  };
}

function readKey(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`no local key at ${path}: run npm start first`);
  }
}

/** A missing npm start is a usage problem: one line, no stack trace. */
function usage(error: unknown): never {
  throw new UsageError((error as Error).message);
}

function required(value: string | undefined, name: string): string {
  if (!value) throw new UsageError(`${name} is required`);
  return value;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (
    error instanceof UsageError ||
    (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
  ) {
    console.error(`token: ${(error as Error).message}\nRun "npm run token -- --help" for usage.`);
  } else {
    console.error(`token: ${(error as Error).message}`);
  }
  process.exitCode = 1;
});
