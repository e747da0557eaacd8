/**
 * The PATCH engine (RFC 7644 §3.5.2): applies a PatchOp request to a stored resource, without I/O.
 *
 * It accepts both payload families Microsoft Entra sends (see `entra-scim-facts.md` §1.7, §1.9,
 * §2): capitalised `Add`/`Replace`/`Remove`, `"True"`/`"False"` strings, one operation per
 * attribute and `Remove members` with a `value` list (default mode); lower-case ops, booleans,
 * path-less `replace` whose value keys are attribute paths and `members[value eq "…"]`
 * (`aadOptscim062020`). Where RFC and Entra differ, the choices are:
 *
 * - `add`/`replace` on a filtered path that matches no element creates one when the filter is
 *   only `eq` comparisons joined by `and` (`emails[type eq "work"].value` → a new
 *   `{type: "work", value}`): Entra sends `Replace` or `Add` regardless of whether the element
 *   exists, and Microsoft tells servers to create it. Any other filter with no match is 400
 *   noTarget, as RFC 7644 §3.5.2.3 says.
 * - `remove` on a filtered path that matches nothing is a no-op (the element is already gone,
 *   which is what the client wants; retries stay idempotent).
 * - An empty value (`""`, `null`, `[]`, `{"value": ""}`) in `add`/`replace` clears the target:
 *   Microsoft's null-update test clears attributes that way and never sends `remove`. `add` of an
 *   empty value to a multi-valued attribute adds nothing.
 * - A complex single value (`manager`) whose `value` changes is replaced whole rather than merged:
 *   its other sub-attributes (`displayName`, `$ref`) describe the old value. Otherwise `add` and
 *   `replace` on a complex attribute merge sub-attributes (RFC 7644 §3.5.2.1, §3.5.2.3).
 * - Setting `primary: true` on an element sets `primary: false` on the others (RFC 7644 §3.5.2).
 * - Keys of a path-less value object are attribute paths (`name.givenName`,
 *   `urn:…:grouptalk:2.0:User:label1`, `emails[type eq "work"].value`) or whole extension objects
 *   (`urn:…:enterprise:2.0:User: {…}`). Unknown keys and readOnly attributes there are ignored,
 *   as in POST/PUT bodies (RFC 7644 §3.3): clients echo representations and send junk.
 * - A `path` naming an unknown attribute is 400 invalidPath; one naming a readOnly attribute
 *   (`id`, `meta`, `groups`) is 400 mutability unless the value equals the current one.
 * - Group `members` never enter the resource: each operation on them becomes a
 *   {@link MemberChange}, in request order, for the store to apply. `Remove` with a `value` list
 *   removes only the listed members; `remove` without a value removes all.
 */

import { DEFAULT_LIMITS, type Limits } from '../common/limits.js';
import { findKey, foldCase, isObject, isPresent, readKey } from '../common/values.js';
import {
  InvalidFilterError,
  InvalidPathError,
  InvalidSyntaxError,
  InvalidValueError,
  MutabilityError,
  NoTargetError,
  PayloadTooLargeError,
} from './errors.js';
import type { FilterNode, PatchPath } from './filter/ast.js';
import { compileValueFilter } from './filter/evaluate.js';
import { parsePatchPath } from './filter/parser.js';
import { checkIdentifiers, type MemberInput, normalizeMembers } from './resource.js';
import {
  coerceAttributeValue,
  extensionSchema,
  findAttribute,
  type ResolvedAttribute,
  type ResourceTypeName,
  resolveAttribute,
  resourceTypeDefinition,
} from './schemas/index.js';
import type { AttributeDefinition, SchemaDefinition, ScimResource } from './schemas/types.js';

export const PATCH_OP_URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/**
 * One change to a Group's membership, in the order the request made it. `remove` lists exactly
 * the members to remove (an empty list is possible and removes nothing); `removeAll` clears the
 * group; `replace` sets the membership to exactly `members`.
 */
export type MemberChange =
  | { readonly op: 'add' | 'remove' | 'replace'; readonly members: readonly MemberInput[] }
  | { readonly op: 'removeAll' };

export interface PatchResult {
  /** The patched resource, a new object in the stored layout; the input is left untouched. */
  readonly resource: ScimResource;
  /** Group membership changes for the store to apply in order; empty for users. */
  readonly members: readonly MemberChange[];
  /** Whether `resource` differs from the input (membership changes aside). */
  readonly changed: boolean;
}

type Op = 'add' | 'replace' | 'remove';

interface Operation {
  readonly op: Op;
  readonly path?: string;
  readonly hasValue: boolean;
  readonly value: unknown;
  /** `Operations[2]`, for messages. */
  readonly label: string;
}

/** What one operation (or one key of a path-less value) addresses. */
interface Target {
  /** The path as the client wrote it, for messages. */
  readonly text: string;
  readonly attribute: AttributeDefinition;
  /** Where the attribute lives: `[]` for core and common attributes, `[urn]` for extensions. */
  readonly container: readonly string[];
  /** The sub-attribute of `attr.sub` (no filter). */
  readonly sub?: AttributeDefinition;
  /** The filter of `attr[filter]`. */
  readonly filter?: FilterNode;
  /** The sub-attribute after `]` in `attr[filter].sub`. */
  readonly filterSub?: AttributeDefinition;
}

/** The limits a PATCH is held to. */
export type PatchLimits = Pick<Limits, 'maxPatchOperations' | 'maxPatchMembers' | 'maxMultiValues'>;

/**
 * Applies a PATCH request body to `resource` (stored layout: core attributes at the top level,
 * extension attributes under their schema URN, no Group `members`).
 *
 * @throws InvalidSyntaxError for a malformed envelope or an unknown `op`;
 *   InvalidPathError for an unparseable path or one naming no attribute;
 *   InvalidValueError for a value of the wrong type, a missing value or a removed required
 *   attribute; MutabilityError for a change to a readOnly or immutable attribute;
 *   NoTargetError for `remove` without a path or an unmatched non-`eq` filter;
 *   PayloadTooLargeError beyond `limits.maxPatchOperations` or `limits.maxPatchMembers`.
 *
 * @example
 * applyPatch({ userName: 'bjensen', active: true }, {
 *   schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
 *   Operations: [{ op: 'Replace', path: 'active', value: 'False' },
 *                { op: 'Add', path: 'emails[type eq "work"].value', value: 'b@x.com' }],
 * }, 'User').resource;
 * // → { userName: 'bjensen', active: false, emails: [{ type: 'work', value: 'b@x.com' }] }
 */
export function applyPatch(
  resource: ScimResource,
  request: unknown,
  resourceType: ResourceTypeName,
  limits: PatchLimits = DEFAULT_LIMITS,
): PatchResult {
  const operations = readOperations(request, limits.maxPatchOperations);
  const patcher = new Patcher(structuredClone(resource), resourceType, limits);
  for (const operation of operations) patcher.apply(operation);
  return patcher.finish(resource);
}

function readOperations(request: unknown, maxOperations: number): Operation[] {
  if (!isObject(request)) {
    throw new InvalidSyntaxError(
      `A PATCH body must be a JSON object with "schemas": ["${PATCH_OP_URN}"] and "Operations".`,
    );
  }
  const schemas = readKey(request, 'schemas');
  if (
    schemas !== undefined &&
    !(
      Array.isArray(schemas) &&
      schemas.some(
        (urn) => typeof urn === 'string' && urn.toLowerCase() === PATCH_OP_URN.toLowerCase(),
      )
    )
  ) {
    throw new InvalidSyntaxError(`A PATCH body's "schemas" must list ${PATCH_OP_URN}.`);
  }
  const operations = readKey(request, 'Operations');
  if (!Array.isArray(operations) || operations.length === 0) {
    throw new InvalidSyntaxError(
      'A PATCH body must have an "Operations" array with at least one operation.',
    );
  }
  if (operations.length > maxOperations) {
    throw new PayloadTooLargeError(
      `The PATCH has ${operations.length} operations; the limit is ${maxOperations}.`,
    );
  }
  return operations.map(readOperation);
}

function readOperation(raw: unknown, index: number): Operation {
  const label = `Operations[${index}]`;
  if (!isObject(raw)) {
    throw new InvalidSyntaxError(`${label} must be an object with "op", "path" and "value".`);
  }
  const opValue = readKey(raw, 'op');
  const op = typeof opValue === 'string' ? opValue.trim().toLowerCase() : undefined;
  if (op !== 'add' && op !== 'replace' && op !== 'remove') {
    const got =
      typeof opValue === 'string' ? JSON.stringify(opValue.slice(0, 20)) : describe(opValue);
    throw new InvalidSyntaxError(
      `${label}.op must be "add", "replace" or "remove" (any case); got ${got}.`,
    );
  }
  const pathValue = readKey(raw, 'path');
  if (pathValue !== undefined && pathValue !== null && typeof pathValue !== 'string') {
    throw new InvalidPathError(`${label}.path must be a string; got ${describe(pathValue)}.`);
  }
  const path =
    typeof pathValue === 'string' && pathValue.trim() !== '' ? pathValue.trim() : undefined;
  const valueKey = findKey(raw, 'value');
  const operation: Operation = {
    op,
    hasValue: valueKey !== undefined,
    value: valueKey === undefined ? undefined : raw[valueKey],
    label,
  };
  return path === undefined ? operation : { ...operation, path };
}

class Patcher {
  private readonly memberChanges: MemberChange[] = [];
  private memberCount = 0;

  constructor(
    private readonly resource: ScimResource,
    private readonly resourceType: ResourceTypeName,
    private readonly limits: PatchLimits,
  ) {}

  apply(operation: Operation): void {
    const { op, path, label } = operation;
    if (op !== 'remove' && !operation.hasValue) {
      throw new InvalidValueError(`${label}: "${op}" needs a "value".`);
    }
    if (path === undefined) {
      if (op === 'remove') {
        throw new NoTargetError(`${label}: "remove" needs a "path" naming what to remove.`);
      }
      if (!isObject(operation.value)) {
        throw new InvalidValueError(
          `${label}: without a "path", "value" must be an object of attribute names and values; got ${describe(operation.value)}.`,
        );
      }
      this.applyObject(op, operation.value, label);
      return;
    }

    const schema = this.schemaNamed(path);
    if (schema !== undefined) {
      this.applySchema(op, schema, operation);
      return;
    }
    const parsed = parsePatchPath(path);
    const resolved = resolveAttribute(this.resourceType, parsed.path);
    if (resolved === undefined) {
      throw new InvalidPathError(
        `${label}: the path "${path}" names no attribute of a ${this.resourceType}.`,
      );
    }
    if (this.isMembers(resolved)) {
      this.applyMembers(op, parsed, operation);
      return;
    }
    this.applyTarget(op, this.target(path, parsed, resolved, label), operation.value, true, label);
  }

  finish(original: ScimResource): PatchResult {
    const type = resourceTypeDefinition(this.resourceType);
    for (const { schema } of type.extensions) {
      if (this.resource[schema.id] !== undefined && !isPresent(this.resource[schema.id])) {
        delete this.resource[schema.id];
      }
    }
    for (const attribute of type.schema.attributes) {
      if (attribute.required && !isPresent(this.resource[attribute.name])) {
        throw new InvalidValueError(
          `${attribute.name} is required; the PATCH would leave the ${this.resourceType} without it.`,
        );
      }
    }
    checkIdentifiers(type.schema.attributes, this.resource, original);
    return {
      resource: this.resource,
      members: this.memberChanges,
      changed: !deepEqual(original, this.resource),
    };
  }

  /** A path-less value object, or the value of a whole-schema path. */
  private applyObject(
    op: Exclude<Op, 'remove'>,
    object: Record<string, unknown>,
    label: string,
    schema?: SchemaDefinition,
  ): void {
    for (const [key, value] of Object.entries(object)) {
      if (schema === undefined) {
        if (key.toLowerCase() === 'schemas') continue;
        const keySchema = this.schemaNamed(key);
        if (keySchema !== undefined) {
          this.applySchema(op, keySchema, { op, hasValue: true, value, label });
          continue;
        }
      }
      let parsed: PatchPath;
      try {
        parsed = parsePatchPath(key);
      } catch {
        continue; // not an attribute path: junk, ignored like an unknown attribute
      }
      const path = schema === undefined ? parsed.path : { ...parsed.path, schema: schema.id };
      const resolved = resolveAttribute(this.resourceType, path);
      if (resolved === undefined) continue;
      if (this.isMembers(resolved)) {
        this.applyMembers(op, parsed, { op, hasValue: true, value, label });
        continue;
      }
      const text = schema === undefined ? key : `${schema.id}:${key}`;
      this.applyTarget(op, this.target(text, parsed, resolved, label), value, false, label);
    }
  }

  /** A path that is a schema URN: the whole extension (or the core attributes) at once. */
  private applySchema(op: Op, schema: SchemaDefinition, operation: Operation): void {
    const isCore = schema.id === resourceTypeDefinition(this.resourceType).schema.id;
    if (op === 'remove' || isEmpty(operation.value)) {
      if (isCore) {
        throw new InvalidPathError(
          `${operation.label}: the core schema cannot be removed; name an attribute.`,
        );
      }
      if (op !== 'add') delete this.resource[schema.id];
      return;
    }
    if (!isObject(operation.value)) {
      throw new InvalidValueError(
        `${operation.label}: the value for ${schema.id} must be an object of its attributes; got ${describe(operation.value)}.`,
      );
    }
    this.applyObject(op, operation.value, operation.label, isCore ? undefined : schema);
  }

  private schemaNamed(text: string): SchemaDefinition | undefined {
    const core = resourceTypeDefinition(this.resourceType).schema;
    if (text.toLowerCase() === core.id.toLowerCase()) return core;
    return extensionSchema(this.resourceType, text);
  }

  private isMembers(resolved: ResolvedAttribute): boolean {
    return (
      this.resourceType === 'Group' && !resolved.extension && resolved.attribute.name === 'members'
    );
  }

  private target(
    text: string,
    parsed: PatchPath,
    resolved: ResolvedAttribute,
    label: string,
  ): Target {
    const base = {
      text,
      attribute: resolved.attribute,
      container: resolved.extension ? [resolved.schema.id] : [],
    };
    if (parsed.filter === undefined) {
      return resolved.subAttribute === undefined ? base : { ...base, sub: resolved.subAttribute };
    }
    if (resolved.attribute.type !== 'complex' || !resolved.attribute.multiValued) {
      throw new InvalidPathError(
        `${label}: "${text}" filters "${resolved.attribute.name}", which is not a multi-valued complex attribute.`,
      );
    }
    if (parsed.subAttribute === undefined) return { ...base, filter: parsed.filter };
    const filterSub = findAttribute(resolved.attribute.subAttributes, parsed.subAttribute);
    if (filterSub === undefined) {
      throw new InvalidPathError(
        `${label}: "${resolved.attribute.name}" has no sub-attribute "${parsed.subAttribute}".`,
      );
    }
    return { ...base, filter: parsed.filter, filterSub };
  }

  private applyTarget(
    op: Op,
    target: Target,
    value: unknown,
    explicitPath: boolean,
    label: string,
  ): void {
    const leaf = target.filterSub ?? target.sub ?? target.attribute;
    if (target.attribute.mutability === 'readOnly' || leaf.mutability === 'readOnly') {
      // Path-less values echo representations (`id`, `meta`): ignored as in POST/PUT.
      if (!explicitPath) return;
      const current = this.current(target);
      if (op === 'remove' ? !isPresent(current) : this.isUnchanged(target, value)) return;
      throw new MutabilityError(
        `${label}: "${target.text}" is readOnly; the service maintains it.`,
      );
    }
    if (target.attribute.mutability === 'immutable' && isPresent(this.current(target))) {
      if (op !== 'remove' && this.isUnchanged(target, value)) return;
      throw new MutabilityError(`${label}: "${target.text}" is immutable once set.`);
    }
    if (target.filter !== undefined) this.applyFiltered(op, target, value, label);
    else if (target.sub !== undefined) this.applySubAttribute(op, target, value);
    else this.applyAttribute(op, target, value);
  }

  /** `attr`: the whole attribute. */
  private applyAttribute(op: Op, target: Target, value: unknown): void {
    const { attribute } = target;
    if (op === 'remove') {
      // With a value list only the listed elements go (an empty list removes nothing).
      if (attribute.multiValued && value !== undefined && value !== null) {
        this.removeElements(target, value);
      } else {
        this.write(target, undefined);
      }
      return;
    }
    const coerced = coerceAttributeValue(attribute, value, target.text);
    if (coerced === undefined) {
      if (op === 'replace' || !attribute.multiValued) this.write(target, undefined);
      return;
    }
    const current = this.current(target);
    if (!attribute.multiValued) {
      this.write(target, attribute.type === 'complex' ? mergeComplex(current, coerced) : coerced);
      return;
    }
    const incoming = coerced as unknown[];
    if (op === 'replace') {
      this.write(target, incoming);
      return;
    }
    refuseTooMany(target, incoming.length, this.limits.maxMultiValues);
    const elements = asArray(current);
    const existing = new ElementIndex(attribute, elements);
    const written: unknown[] = [];
    for (const element of incoming) {
      const index = existing.find(element);
      if (index === -1) {
        existing.add(element, elements.length);
        elements.push(element);
        written.push(element);
      } else {
        const merged = mergeComplex(elements[index], element);
        elements[index] = merged;
        written.push(merged);
      }
    }
    this.write(target, clearOtherPrimaries(elements, written));
  }

  /** `attr.sub`: one sub-attribute of a complex attribute (of every element, if multi-valued). */
  private applySubAttribute(op: Op, target: Target, value: unknown): void {
    const sub = target.sub!;
    const coerced = op === 'remove' ? undefined : coerceAttributeValue(sub, value, target.text);
    const current = this.current(target);
    if (!target.attribute.multiValued) {
      if (coerced === undefined) {
        this.write(target, isObject(current) ? without(current, sub.name) : undefined);
      } else {
        this.write(target, mergeComplex(current, { [sub.name]: coerced }));
      }
      return;
    }
    let elements = asArray(current);
    if (coerced === undefined) {
      elements = dropEmptied(elements.map((element) => without(element, sub.name)));
    } else if (elements.length === 0) {
      elements = [{ [sub.name]: coerced }];
    } else {
      elements = elements.map((element) => ({ ...asObject(element), [sub.name]: coerced }));
    }
    this.write(target, elements);
  }

  /** `attr[filter]` and `attr[filter].sub`. */
  private applyFiltered(op: Op, target: Target, value: unknown, label: string): void {
    const { attribute, filterSub } = target;
    const filter = target.filter!;
    let matches: (element: Record<string, unknown>) => boolean;
    try {
      matches = compileValueFilter(filter, attribute);
    } catch (error) {
      if (error instanceof InvalidFilterError) {
        throw new InvalidPathError(`${label}: ${error.detail}`);
      }
      throw error;
    }
    const elements = asArray(this.current(target));
    const matched = elements.filter((element) => isObject(element) && matches(element));
    const coerced =
      op === 'remove'
        ? undefined
        : coerceAttributeValue(
            filterSub ?? { ...attribute, multiValued: false },
            value,
            target.text,
          );

    if (coerced === undefined) {
      // remove, or add/replace of an empty value: clear what the path selects.
      const remaining =
        filterSub === undefined
          ? elements.filter((element) => !matched.includes(element))
          : dropEmptied(
              elements.map((element) =>
                matched.includes(element) ? without(element, filterSub.name) : element,
              ),
            );
      this.write(target, remaining);
      return;
    }

    const update = filterSub === undefined ? coerced : { [filterSub.name]: coerced };
    if (matched.length === 0) {
      const implied = impliedElement(filter, attribute);
      if (implied === undefined) {
        throw new NoTargetError(
          `${label}: no element of "${attribute.name}" matches "${target.text}", and only a filter of "eq" comparisons joined by "and" says how to create one.`,
        );
      }
      const created = { ...implied, ...asObject(update) };
      this.write(target, clearOtherPrimaries([...elements, created], [created]));
      return;
    }
    const written: unknown[] = [];
    const next = elements.map((element) => {
      if (!matched.includes(element)) return element;
      const replaced =
        op === 'replace' && filterSub === undefined
          ? { ...(impliedElement(filter, attribute) ?? {}), ...asObject(update) }
          : { ...asObject(element), ...asObject(update) };
      written.push(replaced);
      return replaced;
    });
    this.write(target, clearOtherPrimaries(next, written));
  }

  /** `remove` of `attr` with a `value` list: only the listed elements go. */
  private removeElements(target: Target, value: unknown): void {
    const listed = isPresent(value)
      ? coerceAttributeValue(target.attribute, value, target.text)
      : undefined;
    if (listed === undefined) return;
    const removed = new ElementIndex(target.attribute, listed as unknown[]);
    const remaining = asArray(this.current(target)).filter((element) => !removed.anyNames(element));
    this.write(target, remaining);
  }

  private applyMembers(op: Op, parsed: PatchPath, operation: Operation): void {
    const { label } = operation;
    if (parsed.path.subAttribute !== undefined || parsed.subAttribute !== undefined) {
      throw new InvalidPathError(
        `${label}: members are changed whole; use the path "members" or "members[value eq \\"id\\"]".`,
      );
    }
    if (parsed.filter !== undefined) {
      const ids = memberIdsOf(parsed.filter);
      if (ids === undefined) {
        throw new InvalidPathError(
          `${label}: a members filter must be value eq "id" (several may be joined by "or").`,
        );
      }
      if (op !== 'remove') {
        throw new InvalidPathError(
          `${label}: "${op}" with a members filter is not supported; add members with the path "members" and a value list.`,
        );
      }
      this.pushMembers({ op: 'remove', members: ids.map((id) => ({ value: id })) });
      return;
    }
    if (op === 'remove') {
      // Entra's default mode removes listed members this way; only no value at all means "all".
      if (!operation.hasValue || operation.value === null) this.pushMembers({ op: 'removeAll' });
      else {
        this.pushMembers({
          op: 'remove',
          members: normalizeMembers(operation.value, `${label}.value`),
        });
      }
      return;
    }
    const members = normalizeMembers(operation.value, `${label}.value`);
    if (op === 'replace') this.pushMembers({ op: 'replace', members });
    else if (members.length > 0) this.pushMembers({ op: 'add', members });
  }

  private pushMembers(change: MemberChange): void {
    if (change.op !== 'removeAll') {
      this.memberCount += change.members.length;
      if (this.memberCount > this.limits.maxPatchMembers) {
        throw new PayloadTooLargeError(
          `The PATCH changes more than ${this.limits.maxPatchMembers} members; send them in several requests.`,
        );
      }
    }
    this.memberChanges.push(change);
  }

  private current(target: Target): unknown {
    let container: unknown = this.resource;
    for (const key of target.container) container = readKey(container, key);
    return readKey(container, target.attribute.name);
  }

  /** Whether writing `value` to `target` would leave the stored value as it is. */
  private isUnchanged(target: Target, value: unknown): boolean {
    if (target.filter !== undefined) return false;
    const current = this.current(target);
    if (target.sub === undefined) return current !== undefined && contains(current, value);
    return isObject(current) && contains(readKey(current, target.sub.name), value);
  }

  /** Stores `value` as the attribute (or deletes it when empty), creating the extension object. */
  private write(target: Target, value: unknown): void {
    let container = this.resource;
    for (const key of target.container) {
      const next = container[key];
      if (!isObject(next)) {
        if (!isPresent(value)) return;
        container[key] = {};
      }
      container = container[key] as Record<string, unknown>;
    }
    if (target.attribute.multiValued && Array.isArray(value))
      refuseTooMany(target, value.length, this.limits.maxMultiValues);
    // Stored keys are canonical, but remove a differently-cased copy so it cannot shadow this one.
    const existing = findKey(container, target.attribute.name);
    if (existing !== undefined && existing !== target.attribute.name) delete container[existing];
    if (isPresent(value)) container[target.attribute.name] = value;
    else delete container[target.attribute.name];
  }
}

/**
 * The element a filter of `eq` comparisons joined by `and` describes (`type eq "work"` →
 * `{type: "work"}`), or undefined for any other filter.
 */
function impliedElement(
  filter: FilterNode,
  parent: AttributeDefinition,
): Record<string, unknown> | undefined {
  if (filter.kind === 'and') {
    const left = impliedElement(filter.left, parent);
    const right = impliedElement(filter.right, parent);
    return left === undefined || right === undefined ? undefined : { ...left, ...right };
  }
  if (filter.kind !== 'compare' || filter.op !== 'eq' || filter.value === null) return undefined;
  const sub = findAttribute(parent.subAttributes, filter.path.attribute);
  if (sub === undefined) return undefined;
  const value = typeof filter.value === 'string' ? filter.value : (filter.raw ?? filter.value);
  const coerced = coerceAttributeValue(sub, value, `${parent.name}.${sub.name}`);
  return coerced === undefined ? undefined : { [sub.name]: coerced };
}

/** The ids of `value eq "id"` (or several joined by `or`), or undefined for any other filter. */
function memberIdsOf(filter: FilterNode): string[] | undefined {
  if (filter.kind === 'or') {
    const left = memberIdsOf(filter.left);
    const right = memberIdsOf(filter.right);
    return left === undefined || right === undefined ? undefined : [...left, ...right];
  }
  if (
    filter.kind !== 'compare' ||
    filter.op !== 'eq' ||
    filter.path.attribute.toLowerCase() !== 'value' ||
    filter.value === null ||
    filter.value === ''
  ) {
    return undefined;
  }
  return [typeof filter.value === 'string' ? filter.value : (filter.raw ?? String(filter.value))];
}

/**
 * Merges complex values sub-attribute by sub-attribute, except that a new `value` replaces the
 * whole object (its `display`/`$ref` belonged to the old value).
 */
function mergeComplex(current: unknown, update: unknown): unknown {
  if (!isObject(current) || !isObject(update)) return update;
  if (update.value !== undefined && current.value !== undefined && update.value !== current.value) {
    return update;
  }
  return { ...current, ...update };
}

/** 400 invalidValue when a multi-valued attribute would hold more than `max` values. */
function refuseTooMany(target: Target, count: number, max: number): void {
  if (count > max) {
    throw new InvalidValueError(
      `"${target.text}" would hold ${count} values; an attribute holds at most ${max}.`,
    );
  }
}

/**
 * Elements of a multi-valued attribute by their folded `value` (folded once each), so that
 * finding the element an item names ({@link sameElement}) costs one map look-up instead of a
 * pass over every element: a PATCH adding n values to m is O(n + m), not O(n × m).
 */
class ElementIndex {
  private readonly byValue = new Map<string, number[]>();
  /** Elements without a scalar `value`, matched by {@link sameElement} one by one. */
  private readonly others: number[] = [];
  private readonly fold: (value: unknown) => string | undefined;

  constructor(
    private readonly definition: AttributeDefinition,
    private readonly elements: readonly unknown[],
  ) {
    const valueDefinition =
      definition.type === 'complex' ? findAttribute(definition.subAttributes, 'value') : definition;
    this.fold = (value) => scalarKey(valueDefinition, value);
    elements.forEach((element, index) => {
      this.add(element, index);
    });
  }

  /** Indexes `element`, which sits (or is about to sit) at `index` of the elements. */
  add(element: unknown, index: number): void {
    const key = this.fold(this.valueOf(element));
    if (key === undefined) {
      this.others.push(index);
      return;
    }
    const list = this.byValue.get(key);
    if (list === undefined) this.byValue.set(key, [index]);
    else list.push(index);
  }

  /** The index of the first element that `item` names, -1 when none does. */
  find(item: unknown): number {
    const key = this.fold(this.valueOf(item));
    const byValue = key === undefined ? undefined : (this.byValue.get(key) ?? []);
    const candidates =
      byValue === undefined
        ? this.elements.map((_, index) => index)
        : this.others.length === 0
          ? byValue
          : [...byValue, ...this.others].sort((a, b) => a - b);
    return (
      candidates.find((index) => sameElement(this.definition, this.elements[index], item)) ?? -1
    );
  }

  /** Whether some indexed element (an item of a remove list) names `candidate`. */
  anyNames(candidate: unknown): boolean {
    const key = this.fold(this.valueOf(candidate));
    const items = [...(key === undefined ? [] : (this.byValue.get(key) ?? [])), ...this.others];
    return items.some((index) => sameElement(this.definition, candidate, this.elements[index]));
  }

  private valueOf(element: unknown): unknown {
    if (this.definition.type !== 'complex') return element;
    return isObject(element) ? element.value : undefined;
  }
}

/** A scalar as {@link sameScalar} compares it, as a map key; undefined for non-scalars. */
function scalarKey(
  definition: AttributeDefinition | undefined,
  value: unknown,
): string | undefined {
  if (typeof value === 'string') {
    return `s${definition?.caseExact === false ? foldCase(value) : value}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value}${value}`;
  return undefined;
}

/** Whether `candidate` is the element `item` names: same `value` (and `type`, when given). */
function sameElement(definition: AttributeDefinition, candidate: unknown, item: unknown): boolean {
  if (definition.type !== 'complex') return sameScalar(definition, candidate, item);
  if (!isObject(candidate) || !isObject(item)) return false;
  if (item.value === undefined) return contains(candidate, item);
  const valueDefinition = findAttribute(definition.subAttributes, 'value');
  if (!sameScalar(valueDefinition, candidate.value, item.value)) return false;
  return (
    item.type === undefined ||
    (typeof item.type === 'string' &&
      typeof candidate.type === 'string' &&
      item.type.toLowerCase() === candidate.type.toLowerCase())
  );
}

function sameScalar(definition: AttributeDefinition | undefined, a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string' && definition?.caseExact === false) {
    return foldCase(a) === foldCase(b);
  }
  return a === b;
}

/** After elements were written with `primary: true`, the others get `primary: false`. */
function clearOtherPrimaries(elements: unknown[], written: readonly unknown[]): unknown[] {
  const winner = written.find((element) => isObject(element) && element.primary === true);
  if (winner === undefined) return elements;
  return elements.map((element) =>
    element !== winner && isObject(element) && element.primary === true
      ? { ...element, primary: false }
      : element,
  );
}

/** Drops elements left with nothing but `type`/`primary` after a sub-attribute was cleared. */
function dropEmptied(elements: unknown[]): unknown[] {
  return elements.filter(
    (element) =>
      !isObject(element) ||
      Object.entries(element).some(
        ([key, value]) => key !== 'type' && key !== 'primary' && isPresent(value),
      ),
  );
}

function without(value: unknown, key: string): Record<string, unknown> {
  const copy = { ...asObject(value) };
  const found = findKey(copy, key);
  if (found !== undefined) delete copy[found];
  return copy;
}

/**
 * Whether `current` already holds `given`: equal scalars (strings and booleans compared as text,
 * so `"True"` equals `true`), and for objects every given key equal in `current`.
 */
function contains(current: unknown, given: unknown): boolean {
  if (isObject(given)) {
    return (
      isObject(current) &&
      Object.entries(given).every(([key, value]) => contains(readKey(current, key), value))
    );
  }
  if (Array.isArray(given)) {
    return (
      Array.isArray(current) &&
      current.length === given.length &&
      given.every((value, index) => contains(current[index], value))
    );
  }
  if (given === null || given === undefined) return current === null || current === undefined;
  return (
    current !== null &&
    current !== undefined &&
    typeof current !== 'object' &&
    String(current).toLowerCase() === String(given).toLowerCase()
  );
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((value, index) => deepEqual(value, b[index]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => key in b && deepEqual(a[key], b[key]))
    );
  }
  return false;
}

function isEmpty(value: unknown): boolean {
  return !isPresent(value);
}

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? [...value] : [value];
}

function asObject(value: unknown): Record<string, unknown> {
  return isObject(value) ? value : {};
}

/** Names the JSON type of a rejected value without echoing it (it may be personal data). */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
