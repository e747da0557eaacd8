import { coreSchemaUrn, type ResourceTypeName } from '../common/resource-types.js';
import type { AttributePath, FilterNode, FilterValue } from '../scim/filter/ast.js';
import { keys, MAX_KEY_VALUE_LENGTH } from '../store/keys.js';
import type { LookupIndex } from '../store/resources.js';

/**
 * How a filter is answered. Key lookups cost the same at any table size; `scan` walks the
 * resource type page by page and is bounded by `limits.maxFilterCandidates`. Whatever the plan,
 * the caller evaluates the whole filter on the candidates it reads, so a plan only has to find a
 * superset of the matches.
 */
export type FilterPlan =
  | { readonly kind: 'id'; readonly id: string }
  | { readonly kind: 'uniqueName'; readonly name: string }
  | { readonly kind: 'index'; readonly index: LookupIndex; readonly key: string }
  | { readonly kind: 'member'; readonly groupId?: string; readonly memberId: string }
  | { readonly kind: 'scan' };

/** Whether a path names a core attribute (and optional sub-attribute), case-insensitively. */
function isCore(
  type: ResourceTypeName,
  path: AttributePath,
  attribute: string,
  subAttribute?: string,
): boolean {
  return (
    (path.schema === undefined ||
      path.schema.toLowerCase() === coreSchemaUrn(type).toLowerCase()) &&
    path.attribute.toLowerCase() === attribute &&
    (path.subAttribute?.toLowerCase() ?? undefined) === subAttribute
  );
}

function conjuncts(node: FilterNode): FilterNode[] {
  return node.kind === 'and' ? [...conjuncts(node.left), ...conjuncts(node.right)] : [node];
}

function keyValue(value: FilterValue, raw?: string): string | undefined {
  // Unquoted values (legacy Entra: `externalId eq 12345`) parse as numbers or booleans; the key is
  // what the client typed.
  if (raw !== undefined) return raw;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** `x eq "v"` on the given attribute of one of the nodes, if any. */
function equality(
  type: ResourceTypeName,
  nodes: FilterNode[],
  attribute: string,
  subAttribute?: string,
): string | undefined {
  for (const node of nodes) {
    if (
      node.kind === 'compare' &&
      node.op === 'eq' &&
      isCore(type, node.path, attribute, subAttribute)
    ) {
      const value = keyValue(node.value, node.raw);
      if (value !== undefined) return value;
    }
  }
  return undefined;
}

/** `emails[type eq "work" and value eq "x"]` (and Entra's `emails[type eq "work"].value eq "x"`). */
function typedValue(
  type: ResourceTypeName,
  nodes: FilterNode[],
  attribute: string,
  wantedType: string,
): string | undefined {
  for (const node of nodes) {
    if (node.kind !== 'valuePath' || !isCore(type, node.path, attribute)) continue;
    const inner = conjuncts(node.filter);
    const typeMatch = inner.some(
      (n) =>
        n.kind === 'compare' &&
        n.op === 'eq' &&
        n.path.attribute.toLowerCase() === 'type' &&
        typeof n.value === 'string' &&
        n.value.toLowerCase() === wantedType,
    );
    const value = inner.find(
      (n) => n.kind === 'compare' && n.op === 'eq' && n.path.attribute.toLowerCase() === 'value',
    );
    if (typeMatch && value?.kind === 'compare') {
      const key = keyValue(value.value, value.raw);
      if (key !== undefined) return key;
    }
  }
  return undefined;
}

/** `members eq "u"`, `members.value eq "u"` or `members[value eq "u"]`. */
function memberEquality(nodes: FilterNode[]): string | undefined {
  const direct =
    equality('Group', nodes, 'members') ?? equality('Group', nodes, 'members', 'value');
  if (direct !== undefined) return direct;
  for (const node of nodes) {
    if (node.kind !== 'valuePath' || !isCore('Group', node.path, 'members')) continue;
    // Inside brackets, paths are relative to the element: `value`, not `members.value`.
    const value = equality('Group', conjuncts(node.filter), 'value');
    if (value !== undefined) return value;
  }
  return undefined;
}

/**
 * Chooses the cheapest access that finds every resource the filter can match: the most selective
 * indexed equality among the filter's top-level `and` terms, else a bounded scan.
 *
 * @example
 * planFilter('User', parseFilter('userName eq "bjensen"')) // { kind: 'uniqueName', name: 'bjensen' }
 */
export function planFilter(type: ResourceTypeName, filter: FilterNode): FilterPlan {
  const nodes = conjuncts(filter);
  const id = equality(type, nodes, 'id');
  if (type === 'Group') {
    // Membership checks (`id eq "g" and members eq "u"`) are answered from membership items.
    const memberId = memberEquality(nodes);
    if (memberId !== undefined) return { kind: 'member', groupId: id, memberId };
  }
  if (id !== undefined) return { kind: 'id', id };
  const name =
    type === 'User' ? equality(type, nodes, 'username') : equality(type, nodes, 'displayname');
  if (name !== undefined) return { kind: 'uniqueName', name };
  // A value longer than a key may be was left out of its index when stored: only a scan finds it.
  const indexable = (value: string | undefined) =>
    value !== undefined && value.length <= MAX_KEY_VALUE_LENGTH ? value : undefined;
  const externalId = indexable(equality(type, nodes, 'externalid'));
  if (externalId !== undefined) {
    return { kind: 'index', index: 'byExternalId', key: keys.externalId(type, externalId) };
  }
  if (type === 'User') {
    const email = indexable(typedValue(type, nodes, 'emails', 'work'));
    if (email !== undefined) return { kind: 'index', index: 'byEmail', key: keys.workEmail(email) };
    const mobile = indexable(typedValue(type, nodes, 'phonenumbers', 'mobile'));
    if (mobile !== undefined) {
      return { kind: 'index', index: 'byPhone', key: keys.mobilePhone(mobile) };
    }
  }
  return { kind: 'scan' };
}
