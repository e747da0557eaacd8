/**
 * `npm run log-hash -- <value>…`: for a tenant whose log lines write identifiers as a keyed hash
 * (`LOG_IDENTIFIERS=hmac`), prints what its lines hold instead of each value, and the filter of
 * the saved history query (`3 History of one user or group`) that finds them. The key is the
 * tenant's `LOG_HASH_KEY`, from the environment or `--key-file` (a file only its owner may read).
 */
import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { logHash, MIN_KEY_LENGTH } from '../../shared/http/log-identifiers.js';

const HELP = `Usage: npm run log-hash -- [--key-file <path>] <value> [<value>…]

Prints the keyed hashes a tenant with LOG_IDENTIFIERS=hmac writes for userName,
displayName and externalId values, and a Logs Insights filter for the saved query
"3 History of one user or group". The key is LOG_HASH_KEY from the environment, or
the contents of --key-file (mode 0600).`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'key-file': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
});
if (values.help || positionals.length === 0) {
  console.log(HELP);
  process.exit(values.help ? 0 : 2);
}

const key = readKey(values['key-file']);
for (const value of positionals) {
  const name = logHash(key, 'userName', value);
  const exact = logHash(key, 'externalId', value);
  console.log(`${JSON.stringify(value)}`);
  console.log(`  userName / displayName: ${name}`);
  console.log(`  externalId:             ${exact}`);
  console.log(
    `  history filter: filter userName = '${name}' or displayName = '${name}' or externalId = '${exact}' or filterValue = '${name}' or filterValue = '${exact}'`,
  );
}

function readKey(file: string | undefined): string {
  let key = process.env.LOG_HASH_KEY;
  if (file) {
    // A key others can read is a key others can use to undo the pseudonyms.
    if ((statSync(file).mode & 0o077) !== 0) {
      console.error(`${file} is readable by others: chmod 600 it first`);
      process.exit(1);
    }
    key = readFileSync(file, 'utf8').trim();
  }
  if (!key || key.length < MIN_KEY_LENGTH) {
    console.error(
      `No key: set LOG_HASH_KEY or pass --key-file (at least ${MIN_KEY_LENGTH} characters)`,
    );
    process.exit(1);
  }
  return key;
}
