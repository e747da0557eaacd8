/**
 * Resources out, without I/O: stored attributes become the response representation
 * (`serializeResource`, honouring `attributes`/`excludedAttributes` parsed by `parseProjection`),
 * pages become a ListResponse. The way in is `resource-input.ts`; the stored layout is described
 * there.
 */

import { isObject } from '../common/values.js';
import { parseAttributeList } from './filter/parser.js';
import {
  allSchemas,
  commonAttributes,
  extensionSchema,
  metaAttribute,
  type ResourceTypeName,
  resolveAttribute,
  resourceTypeDefinition,
} from './schemas/index.js';
import type { AttributeDefinition, SchemaDefinition, ScimResource } from './schemas/types.js';

export const LIST_RESPONSE_URN = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

/** Server-maintained values of a resource that `serializeResource` puts into `id` and `meta`. */
export interface ResourceMeta {
  readonly id: string;
  /** ISO 8601 date-time. */
  readonly created: string;
  /** ISO 8601 date-time. */
  readonly lastModified: string;
  /** The ETag, e.g. `W/"3"`. */
  readonly version: string;
  /** The resource's absolute URL. */
  readonly location: string;
}

/**
 * Builds the response representation of a stored resource (RFC 7643 §3, RFC 7644 §3.4.1):
 * `schemas` (the core URN plus the URN of each extension that has data), `id`, the attributes in
 * schema order, the extensions, then `meta`. Empty values are left out, and so is anything whose
 * `returned` is `never` (`password`). The store adds what it keeps elsewhere before calling: Group
 * `members` and User `groups` as arrays of `{value, display?, $ref?, type?}`.
 *
 * @param projection from `parseProjection`; without it the RFC 7643 §2.4 default set is returned.
 */
export function serializeResource(
  resourceType: ResourceTypeName,
  stored: ScimResource,
  meta: ResourceMeta,
  projection?: Projection,
): ScimResource {
  const full: ScimResource = {
    ...stored,
    id: meta.id,
    meta: {
      resourceType,
      created: meta.created,
      lastModified: meta.lastModified,
      location: meta.location,
      version: meta.version,
    },
  };
  const layout = layoutOf(resourceType);
  const projected = projectObject(
    full,
    layout.attributes,
    [],
    resolveProjection(resourceType, projection ?? noProjection),
  );
  const schemas = [
    layout.core.id,
    ...layout.extensions.filter((schema) => projected[schema.id] !== undefined).map((s) => s.id),
  ];
  return { schemas, ...projected };
}

/** One entry of `attributes`/`excludedAttributes`, as written (names not yet resolved). */
export interface ProjectionPath {
  /** The schema URN prefix, when written. */
  readonly schema?: string;
  /** Undefined when the entry is a whole extension URN (`urn:…:enterprise:2.0:User`). */
  readonly attribute?: string;
  readonly subAttribute?: string;
}

/** The `attributes` and `excludedAttributes` of a request (RFC 7644 §3.4.2.5, §3.9). */
export interface Projection {
  /** Undefined when the request had no (or an empty) `attributes` parameter. */
  readonly attributes?: readonly ProjectionPath[];
  readonly excludedAttributes: readonly ProjectionPath[];
}

const noProjection: Projection = { excludedAttributes: [] };

/**
 * Parses the `attributes` and `excludedAttributes` query parameters with the filter parser's
 * attribute lists (`parseAttributeList`): comma-separated attribute paths in RFC 7644 §3.10
 * notation, optionally URN-qualified, in any case. A value filter is read as its attribute
 * (`emails[type eq "work"]` → `emails`, `emails[type eq "work"].value` → `emails.value`); a bare
 * schema URN names the whole extension. Entries that are not attribute paths are dropped here and
 * unknown names when the projection is applied: neither is an error.
 *
 * When both parameters are given the result is `attributes` minus `excludedAttributes`.
 *
 * @example
 * parseProjection('userName,emails[type eq "work"]')
 * // → { attributes: [{ attribute: 'userName' }, { attribute: 'emails' }], excludedAttributes: [] }
 */
export function parseProjection(attributes?: string, excludedAttributes?: string): Projection {
  const included = projectionPaths(attributes);
  const excluded = projectionPaths(excludedAttributes) ?? [];
  return included === undefined
    ? { excludedAttributes: excluded }
    : { attributes: included, excludedAttributes: excluded };
}

/**
 * Whether a response shaped by `projection` contains `attribute` (an attribute path as in
 * `parseProjection`), so the store can skip reading what will not be returned.
 *
 * @example
 * wantsAttribute('Group', parseProjection(undefined, 'members'), 'members') // → false
 */
export function wantsAttribute(
  resourceType: ResourceTypeName,
  projection: Projection | undefined,
  attribute: string,
): boolean {
  const [path] = projectionPaths(attribute) ?? [];
  const target = path === undefined ? undefined : resolveProjectionPath(resourceType, path);
  if (target === undefined) return false;
  return (
    decide(
      target.returned,
      target.location,
      resolveProjection(resourceType, projection ?? noProjection),
    ) !== 'none'
  );
}

export interface ListResponse {
  readonly schemas: readonly [typeof LIST_RESPONSE_URN];
  /** Left out only by a cursor page whose total is unknown (RFC 9865 §2). */
  readonly totalResults?: number;
  readonly itemsPerPage: number;
  /** Index paging only; cursor pages have none. */
  readonly startIndex?: number;
  /** RFC 9865: the cursor of the next page; absent on the last page. */
  readonly nextCursor?: string;
  readonly Resources: readonly ScimResource[];
}

/**
 * The RFC 7644 §3.4.2 ListResponse for one page of results. `itemsPerPage` is the number of
 * resources on this page unless given. An index page gives `startIndex`; a cursor page (RFC 9865)
 * gives `nextCursor` unless it is the last one, and may leave `totalResults` out.
 *
 * @example
 * listResponse([], { totalResults: 0, startIndex: 1 })
 * // → { schemas: [LIST_RESPONSE_URN], totalResults: 0, itemsPerPage: 0, startIndex: 1, Resources: [] }
 */
export function listResponse(
  resources: readonly ScimResource[],
  page: {
    readonly totalResults?: number;
    readonly startIndex?: number;
    readonly itemsPerPage?: number;
    readonly nextCursor?: string;
  },
): ListResponse {
  return {
    schemas: [LIST_RESPONSE_URN],
    ...(page.totalResults === undefined ? {} : { totalResults: page.totalResults }),
    itemsPerPage: page.itemsPerPage ?? resources.length,
    ...(page.startIndex === undefined ? {} : { startIndex: page.startIndex }),
    ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
    Resources: resources,
  };
}

interface Layout {
  readonly core: SchemaDefinition;
  readonly extensions: readonly SchemaDefinition[];
  /** Top-level nodes in response order; each extension is a complex node named by its URN. */
  readonly attributes: readonly AttributeDefinition[];
}

const layouts = new Map<ResourceTypeName, Layout>();

function layoutOf(resourceType: ResourceTypeName): Layout {
  let layout = layouts.get(resourceType);
  if (layout === undefined) {
    const type = resourceTypeDefinition(resourceType);
    const extensions = type.extensions.map((extension) => extension.schema);
    const [id, externalId] = commonAttributes;
    layout = {
      core: type.schema,
      extensions,
      attributes: [
        id as AttributeDefinition,
        externalId as AttributeDefinition,
        ...type.schema.attributes,
        ...extensions.map(extensionNode),
        metaAttribute,
      ],
    };
    layouts.set(resourceType, layout);
  }
  return layout;
}

function extensionNode(schema: SchemaDefinition): AttributeDefinition {
  return {
    name: schema.id,
    type: 'complex',
    multiValued: false,
    description: schema.description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    subAttributes: schema.attributes,
  };
}

type Location = readonly string[];

interface ResolvedProjection {
  readonly include?: readonly Location[];
  readonly exclude: readonly Location[];
}

function resolveProjection(
  resourceType: ResourceTypeName,
  projection: Projection,
): ResolvedProjection {
  const locations = (paths: readonly ProjectionPath[]): Location[] =>
    paths.flatMap((path) => {
      const resolved = resolveProjectionPath(resourceType, path);
      return resolved === undefined ? [] : [resolved.location];
    });
  const exclude = locations(projection.excludedAttributes);
  return projection.attributes === undefined
    ? { exclude }
    : { include: locations(projection.attributes), exclude };
}

function resolveProjectionPath(
  resourceType: ResourceTypeName,
  path: ProjectionPath,
): { location: Location; returned: AttributeDefinition['returned'] } | undefined {
  if (path.attribute === undefined) {
    const schema =
      path.schema === undefined ? undefined : extensionSchema(resourceType, path.schema);
    return schema === undefined ? undefined : { location: [schema.id], returned: 'default' };
  }
  const resolved = resolveAttribute(resourceType, {
    schema: path.schema,
    attribute: path.attribute,
    subAttribute: path.subAttribute,
  });
  return resolved === undefined
    ? undefined
    : { location: resolved.location, returned: resolved.definition.returned };
}

type Decision = 'none' | 'whole' | 'partial';

/** RFC 7643 §2.4 `returned` against RFC 7644 §3.9 `attributes`/`excludedAttributes`, for one node. */
function decide(
  returned: AttributeDefinition['returned'],
  location: Location,
  projection: ResolvedProjection,
): Decision {
  if (returned === 'never') return 'none';
  if (returned === 'always') return 'whole';
  if (projection.exclude.some((excluded) => isPrefix(excluded, location))) return 'none';
  let partial = false;
  if (projection.include !== undefined) {
    if (!projection.include.some((included) => isPrefix(included, location))) {
      if (!projection.include.some((included) => isPrefix(location, included))) return 'none';
      partial = true;
    }
  } else if (returned === 'request') {
    return 'none';
  }
  if (
    projection.exclude.some(
      (excluded) => excluded.length > location.length && isPrefix(location, excluded),
    )
  ) {
    partial = true;
  }
  return partial ? 'partial' : 'whole';
}

function isPrefix(prefix: Location, location: Location): boolean {
  return (
    prefix.length <= location.length && prefix.every((name, index) => location[index] === name)
  );
}

/**
 * Copies the attributes of `source` that `projection` keeps, in definition order, leaving out
 * unknown keys, empty values and `returned: never` sub-attributes.
 */
function projectObject(
  source: Record<string, unknown>,
  definitions: readonly AttributeDefinition[],
  prefix: Location,
  projection: ResolvedProjection,
): ScimResource {
  const result: ScimResource = {};
  for (const definition of definitions) {
    const location = [...prefix, definition.name];
    const decision = decide(definition.returned, location, projection);
    if (decision === 'none') continue;
    // A whole attribute keeps all its returnable sub-attributes; a partial one is narrowed further.
    const narrowing = decision === 'partial' ? projection : everything;
    const value = present(definition, source[definition.name], location, narrowing);
    if (value !== undefined) result[definition.name] = value;
  }
  return result;
}

const everything: ResolvedProjection = { exclude: [] };

function present(
  definition: AttributeDefinition,
  value: unknown,
  location: Location,
  projection: ResolvedProjection,
): unknown {
  if (definition.multiValued && Array.isArray(value)) {
    const elements = value
      .map((element) => presentSingle(definition, element, location, projection))
      .filter((element) => element !== undefined);
    return elements.length === 0 ? undefined : elements;
  }
  const single = presentSingle(definition, value, location, projection);
  // A stored single value for a multi-valued attribute still goes out as an array.
  return definition.multiValued && single !== undefined ? [single] : single;
}

function presentSingle(
  definition: AttributeDefinition,
  value: unknown,
  location: Location,
  projection: ResolvedProjection,
): unknown {
  if (value === null || value === undefined || value === '') return undefined;
  if (definition.type !== 'complex') return value;
  if (!isObject(value)) return undefined;
  const projected = projectObject(value, definition.subAttributes ?? [], location, projection);
  return Object.keys(projected).length === 0 ? undefined : projected;
}

/** Every schema URN may stand alone in a list; only an extension's names something. */
const SCHEMA_URNS = allSchemas.map((schema) => schema.id);

function projectionPaths(text: string | undefined): ProjectionPath[] | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  return parseAttributeList(text, { schemas: SCHEMA_URNS, skipMalformed: true });
}
