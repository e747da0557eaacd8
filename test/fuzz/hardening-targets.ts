/**
 * Fuzz targets of issue 10 (bounded work, names are identifiers), kept as their own module:
 * - `depth`: bodies nested from a few levels to thousands, in a user body, a PATCH value and Bulk
 *   data: past `limits.maxJsonDepth` the answer is 400 invalidSyntax, within it never a 5xx;
 * - `wide-patch`: PATCHes adding, replacing and removing up to 12,000 values of multi-valued
 *   attributes over one or many operations: no attribute ever holds more than
 *   `limits.maxMultiValues`, a refused PATCH changes nothing;
 * - `look-alike`: names built from a base name with invisible, control, unpaired, space and
 *   full-width characters: a name the profile refuses is 400 invalidValue, and no two names that
 *   fold alike both exist;
 * - `entra-token` (`targets/entra-token.ts`): Entra-issued tokens around every rule of the
 *   tenant's Entra settings: 200 exactly when the rules hold, else 401 (503 when the key set is
 *   unreachable, in an environment of its own);
 * - `wif-assertion` and `token-type` (`targets/credentials.ts`, issue 21): workload-identity
 *   assertions at the token endpoint (audience forms, lifetimes, replays), and the service's own
 *   tokens whose type must name a credential of its kind.
 */
import fc from 'fast-check';
import { foldIdentifier, identifierProblem } from '../../shared/common/identifier.js';
import { limits } from '../../shared/config.js';
import { PATCH_OP_URN, USER_URN } from './arbitraries.js';
import { CaseLog } from './case-log.js';
import type { EntraSettings } from './entra.js';
import type { FuzzContext, FuzzTarget } from './target.js';
import { assertionTarget, tokenTypeTarget } from './targets/credentials.js';
import { entraTokenTarget } from './targets/entra-token.js';

const BULK_URN = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const MULTI_VALUED = ['emails', 'phoneNumbers', 'addresses', 'ims', 'photos', 'roles'] as const;

/** The names `createHardeningTargets` builds, for runs that must leave none out. */
export const HARDENING_TARGET_NAMES = [
  'depth',
  'wide-patch',
  'look-alike',
  'entra-token',
  'wif-assertion',
  'token-type',
] as const;

/** Builds the issue 10 targets, each with fixtures of its own. */
export async function createHardeningTargets(
  context: FuzzContext,
  entra: EntraSettings,
): Promise<FuzzTarget[]> {
  const { harness } = context;
  const stamp = Date.now().toString(36);
  const createUser = async (userName: string): Promise<string> => {
    const answer = await harness.invoke({
      method: 'POST',
      path: '/Users',
      body: JSON.stringify({ schemas: [USER_URN], userName }),
    });
    if (answer.status !== 201) throw new Error(`fixture user: ${answer.status} ${answer.text}`);
    return answer.body.id as string;
  };
  const depthUser = await createUser(`depth.${stamp}@fuzz.test`);
  const wideUser = await createUser(`wide.${stamp}@fuzz.test`);
  const created: string[] = [];
  const deleteCreated = async () => {
    for (const id of created.splice(0)) {
      await harness.invoke({ method: 'DELETE', path: `/Users/${id}` });
    }
  };

  const depth: FuzzTarget = {
    name: 'depth',
    description: `user bodies, PATCH values and Bulk data nested 1 to 6,000 levels (limit ${limits.maxJsonDepth})`,
    arbitrary: fc.record({
      levels: fc.oneof(
        fc.integer({ min: 1, max: limits.maxJsonDepth + 4 }),
        fc.integer({ min: 1, max: 6_000 }),
      ),
      open: fc.constantFrom('[', '{"a":', '{"value":['),
      where: fc.constantFrom('user', 'patch', 'bulk'),
    }),
    async run(input) {
      const { levels, open, where } = input as { levels: number; open: string; where: string };
      const close = open === '[' ? ']' : open === '{"a":' ? '}' : ']}';
      const nested = `${open.repeat(levels)}"x"${close.repeat(levels)}`;
      const log = new CaseLog(harness);
      const userName = `deep.${stamp}.${Math.random().toString(36).slice(2)}@fuzz.test`;
      const containerLevels = (open === '{"value":[' ? 2 : 1) * levels;
      // Levels around the nested value: the body object, plus what each carrier wraps it in.
      const carrier = where === 'user' ? 1 : where === 'patch' ? 3 : 4;
      const body =
        where === 'user'
          ? `{"schemas":["${USER_URN}"],"userName":"${userName}","name":${nested}}`
          : where === 'patch'
            ? `{"schemas":["${PATCH_OP_URN}"],"Operations":[{"op":"add","path":"name","value":${nested}}]}`
            : `{"schemas":["${BULK_URN}"],"Operations":[{"method":"POST","path":"/Users","bulkId":"d","data":{"schemas":["${USER_URN}"],"userName":"${userName}","name":${nested}}}]}`;
      const answer = await log.send(
        where === 'user'
          ? { method: 'POST', path: '/Users', body }
          : where === 'patch'
            ? { method: 'PATCH', path: `/Users/${depthUser}`, body }
            : { method: 'POST', path: '/Bulk', body },
      );
      if (answer.status === 201) created.push(answer.body.id);
      if (where === 'bulk' && answer.status === 200) {
        for (const operation of answer.body.Operations ?? []) {
          const location = operation.location as string | undefined;
          if (location) created.push(location.slice(location.lastIndexOf('/') + 1));
        }
      }
      const tooDeep = containerLevels + carrier > limits.maxJsonDepth;
      if (tooDeep && (answer.status !== 400 || answer.body?.scimType !== 'invalidSyntax')) {
        log.problem(
          'unexpected',
          `${where}: ${containerLevels + carrier} levels answered ${answer.status}, not 400 invalidSyntax`,
        );
      }
      return log.outcome();
    },
    reset: deleteCreated,
  };

  const widePatch: FuzzTarget = {
    name: 'wide-patch',
    description: `PATCHes adding, replacing and removing up to 12,000 values of multi-valued attributes in 1 to 40 operations (cap ${limits.maxMultiValues})`,
    arbitrary: fc.record({
      attribute: fc.constantFrom(...MULTI_VALUED),
      operations: fc.array(
        fc.record({
          op: fc.constantFrom('add', 'replace', 'remove', 'Add'),
          count: fc.oneof(
            fc.integer({ min: 0, max: 5 }),
            fc.integer({ min: 90, max: 110 }),
            fc.integer({ min: 0, max: 12_000 }),
          ),
          offset: fc.integer({ min: 0, max: 200 }),
          upper: fc.boolean(),
        }),
        { minLength: 1, maxLength: 40 },
      ),
    }),
    async run(input) {
      const { attribute, operations } = input as {
        attribute: (typeof MULTI_VALUED)[number];
        operations: { op: string; count: number; offset: number; upper: boolean }[];
      };
      const log = new CaseLog(harness);
      const value = (index: number, upper: boolean) => {
        const text = `v${index}@wide.example`;
        return upper ? text.toUpperCase() : text;
      };
      const before = await log.send({ method: 'GET', path: `/Users/${wideUser}` });
      const answer = await log.send({
        method: 'PATCH',
        path: `/Users/${wideUser}`,
        body: JSON.stringify({
          schemas: [PATCH_OP_URN],
          Operations: operations.map(({ op, count, offset, upper }) => ({
            op,
            path: attribute,
            value: Array.from({ length: count }, (_, index) => ({
              value: value(offset + index, upper),
              type: 'work',
            })),
          })),
        }),
      });
      const after = await log.send({ method: 'GET', path: `/Users/${wideUser}` });
      const held = (after.body?.[attribute] ?? []).length;
      if (held > limits.maxMultiValues) {
        log.problem('unexpected', `${attribute} holds ${held} values after a PATCH`);
      }
      if (answer.status >= 400 && after.body?.meta?.version !== before.body?.meta?.version) {
        log.problem('partial-write', `a refused PATCH (${answer.status}) changed the user`);
      }
      return log.outcome();
    },
    async reset() {
      await harness.invoke({
        method: 'PUT',
        path: `/Users/${wideUser}`,
        body: JSON.stringify({ schemas: [USER_URN], userName: `wide.${stamp}@fuzz.test` }),
      });
    },
  };

  // Mostly nothing, so that accepted names and their look-alikes meet.
  const insertion = fc.oneof(
    { weight: 5, arbitrary: fc.constant('') },
    { weight: 1, arbitrary: nastyCharacter() },
  );
  const lookAlike: FuzzTarget = {
    name: 'look-alike',
    description:
      'userNames and group displayNames from a few bases with invisible, control, unpaired, space, full-width and case variants',
    arbitrary: fc.record({
      type: fc.constantFrom('User', 'Group'),
      base: fc.constantFrom('alice@example.com', 'Night Shift', 'bo', 'Zoë Å', '李 😀'),
      prefix: insertion,
      inner: insertion,
      suffix: insertion,
      at: fc.nat(),
      width: fc.boolean(),
      upper: fc.boolean(),
    }),
    async run(input) {
      const { type, base, prefix, inner, suffix, at, width, upper } = input as {
        type: 'User' | 'Group';
        base: string;
        prefix: string;
        inner: string;
        suffix: string;
        at: number;
        width: boolean;
        upper: boolean;
      };
      const log = new CaseLog(harness);
      let name = upper ? base.toUpperCase() : base;
      if (width) {
        name = name.replace(/[A-Za-z]/g, (c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0));
      }
      const position = at % (name.length + 1);
      name = `${prefix}${name.slice(0, position)}${inner}${name.slice(position)}${suffix}`;
      const tagged = type === 'User' ? `${stamp}.${name}` : `${stamp} ${name}`;
      const path = type === 'User' ? '/Users' : '/Groups';
      const answer = await log.send({
        method: 'POST',
        path,
        body: JSON.stringify(
          type === 'User' ? { schemas: [USER_URN], userName: tagged } : { displayName: tagged },
        ),
      });
      const problem = identifierProblem(tagged);
      if (problem !== undefined && answer.status !== 400) {
        log.problem('unexpected', `a name that ${problem} answered ${answer.status}`);
      }
      if (answer.status === 201) {
        // The one holder of its folded name: a look-alike of it must not exist beside it.
        const filter = `${type === 'User' ? 'userName' : 'displayName'} eq ${JSON.stringify(foldIdentifier(tagged))}`;
        const found = await log.send({
          method: 'GET',
          path,
          query: `filter=${encodeURIComponent(filter)}&excludedAttributes=members`,
        });
        if (found.body?.totalResults !== 1) {
          log.problem('unexpected', `${found.body?.totalResults} ${type}s fold to one name`);
        }
        await log.send({ method: 'DELETE', path: `${path}/${answer.body.id}` });
      }
      return log.outcome();
    },
    async reset() {},
  };

  return [
    depth,
    widePatch,
    lookAlike,
    entraTokenTarget(context, entra),
    await assertionTarget(context),
    await tokenTypeTarget(context),
  ];
}

/** A character a name may not hold, or one the profile folds into another (no-break spaces). */
function nastyCharacter(): fc.Arbitrary<string> {
  return fc.constantFrom(
    ' ',
    '\u200b',
    '\u200d',
    '\u00ad',
    '\u2060',
    '\ufeff',
    '\u202e',
    '\u0000',
    '\u0007',
    '\u001f',
    '\u007f',
    '\u0085',
    '\u2028',
    '\ud800',
    '\udc00',
    '\u00a0',
    '\u3000',
    '\ufe0f',
    '\u3164',
  );
}
