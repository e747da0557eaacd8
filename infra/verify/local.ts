/**
 * `npm run verify -- --local`: the same checks against `npm start`. Its change feed writes JSON
 * lines to a file (the verification queue's stand-in); the registry and the report items (which
 * `npm start` aggregates in-process, as the aggregator function does in AWS) are in its table in
 * DynamoDB Local. Where it runs comes from the record `npm start`
 * leaves (`infra/local/service-record.ts`), or from flags.
 */
import { open, stat } from 'node:fs/promises';
import { createCredentialRegistry } from '../../shared/credentials/registry.js';
import type { ChangeEvent } from '../../shared/events/envelope.js';
import type { LocalServiceRecord } from '../local/service-record.js';
import { localDocumentClient } from '../tokens.js';
import type { CanaryTarget } from './canary.js';
import type { FeedReader } from './feed.js';
import { localAggregationFix, TableReportItems } from './report-items.js';

/** What `--local` needs of the running service (the record's fields, no secret). */
export type LocalService = Pick<
  LocalServiceRecord,
  'tenant' | 'tenantUrl' | 'tokenEndpoint' | 'dynamodbEndpoint' | 'tableName' | 'eventsFile'
>;

/**
 * The local feed's file, read from where it ended when `mark` was called. The file is written in
 * publishing order, so arrival order is checked too.
 */
export class FileFeedReader implements FeedReader {
  readonly ordered = true;
  readonly whenSilent: string;
  #offset = 0;

  constructor(private readonly file: string) {
    this.whenSilent = `the local feed wrote nothing to ${file}: look for "feed" errors in the npm start output (an unwritable events file stops it) and restart npm start`;
  }

  async mark(): Promise<void> {
    this.#offset = await size(this.file);
  }

  async receive(waitMs: number): Promise<ChangeEvent[]> {
    const deadline = Date.now() + Math.min(waitMs, 1_000);
    for (;;) {
      const events = await this.#read();
      if (events.length > 0 || Date.now() >= deadline) return events;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async #read(): Promise<ChangeEvent[]> {
    const end = await size(this.file);
    if (end <= this.#offset) return [];
    const handle = await open(this.file, 'r');
    try {
      const buffer = Buffer.alloc(end - this.#offset);
      await handle.read(buffer, 0, buffer.length, this.#offset);
      const last = buffer.lastIndexOf(0x0a);
      if (last < 0) return [];
      this.#offset += last + 1;
      return buffer
        .toString('utf8', 0, last)
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as ChangeEvent);
    } finally {
      await handle.close();
    }
  }
}

async function size(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0; // Not written yet.
  }
}

/** The canary target of a running `npm start`. */
export function localCanary(
  service: LocalService,
  options: { revocationWindowMs: number; feedTimeoutMs?: number; reportsTimeoutMs?: number },
): { target: CanaryTarget; close(): void } {
  const documents = localDocumentClient(service.dynamodbEndpoint);
  return {
    target: {
      tenant: service.tenant,
      tenantUrl: service.tenantUrl,
      tokenEndpoint: service.tokenEndpoint,
      registry: createCredentialRegistry({ documents, tableName: service.tableName }),
      revocationWindowMs: options.revocationWindowMs,
      feed: new FileFeedReader(service.eventsFile),
      feedTimeoutMs: options.feedTimeoutMs ?? 15_000,
      reports: new TableReportItems(
        documents,
        service.tableName,
        localAggregationFix(service.tableName),
      ),
      // npm start aggregates before it answers: a few seconds cover a loaded machine.
      reportsTimeoutMs: options.reportsTimeoutMs ?? 5_000,
      operator: `npm run verify (${process.env.USER ?? 'operator'})`,
    },
    close: () => documents.destroy(),
  };
}
