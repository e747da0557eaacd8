/**
 * The discovery resources of RFC 7644 §4, built from the same definitions that validate and
 * serialize resources (`./schemas`) and from the limits the service enforces (`../config.ts`), so
 * what a client discovers is what the service does. Values are camelCase as RFC 7643 writes them,
 * and nothing is ever `null`: an unknown or unset value is left out.
 */
import { DEFAULT_LIMITS, type Limits } from '../common/limits.js';
import { NotFoundError } from './errors.js';
import { type ListResponse, listResponse } from './resource.js';
import { allSchemas, resourceTypeByName, resourceTypes, schemaByUrn } from './schemas/index.js';
import type {
  AttributeDefinition,
  ResourceTypeDefinition,
  SchemaDefinition,
  ScimResource,
} from './schemas/types.js';

export const SERVICE_PROVIDER_CONFIG_URN =
  'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
export const RESOURCE_TYPE_URN = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
export const SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

/**
 * Seconds a cursor of RFC 9865 is guaranteed to stay valid. The service's cursors are positions in
 * a sorted set, not server-side state, so they never expire; this is the promise, not a timer.
 */
export const CURSOR_TIMEOUT_SECONDS = 3600;

/**
 * `/ServiceProviderConfig` (RFC 7643 §5, RFC 9865 §4): what the service supports, with the limits
 * it enforces. `filter.maxResults` and `pagination.maxPageSize` are the largest page a query
 * returns; `bulk.maxPayloadSize` is the body limit every request has.
 *
 * @example serviceProviderConfig('https://host/scim/v2').patch // → { supported: true }
 */
export function serviceProviderConfig(
  baseUrl: string,
  limits: Limits = DEFAULT_LIMITS,
): ScimResource {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG_URN],
    patch: { supported: true },
    bulk: {
      supported: true,
      maxOperations: limits.maxBulkOperations,
      maxPayloadSize: limits.maxBodyBytes,
    },
    filter: { supported: true, maxResults: limits.maxPageSize },
    // GroupTalk does not authenticate SCIM users; passwords are never stored (see normalizeResource).
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    pagination: {
      cursor: true,
      index: true,
      // RFC 9865 §2.4: index paging stays the default, as existing clients (Entra) expect it.
      defaultPaginationMethod: 'index',
      defaultPageSize: limits.defaultPageSize,
      maxPageSize: limits.maxPageSize,
      cursorTimeout: CURSOR_TIMEOUT_SECONDS,
    },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description:
          "A bearer token in the Authorization header: the tenant's Secret Token (a JWT the " +
          'GroupTalk operator issues) or, when the tenant allows it, a token Microsoft Entra ID ' +
          'issues for the provisioning application.',
        specUri: 'https://www.rfc-editor.org/info/rfc6750',
        primary: true,
      },
    ],
    meta: {
      resourceType: 'ServiceProviderConfig',
      location: `${baseUrl}/ServiceProviderConfig`,
    },
  };
}

/** One `/ResourceTypes/{id}` resource (RFC 7643 §6). */
export function resourceTypeResource(type: ResourceTypeDefinition, baseUrl: string): ScimResource {
  return {
    schemas: [RESOURCE_TYPE_URN],
    id: type.name,
    name: type.name,
    endpoint: type.endpoint,
    description: type.description,
    schema: type.schema.id,
    schemaExtensions: type.extensions.map((extension) => ({
      schema: extension.schema.id,
      required: extension.required,
    })),
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${type.name}` },
  };
}

/** One `/Schemas/{id}` resource (RFC 7643 §7), attributes in definition order. */
export function schemaResource(schema: SchemaDefinition, baseUrl: string): ScimResource {
  return {
    schemas: [SCHEMA_URN],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes.map(attributeResource),
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${schema.id}` },
  };
}

/** `GET /ResourceTypes`: every resource type, as a ListResponse (RFC 7644 §4). */
export function listResourceTypes(baseUrl: string): ListResponse {
  return wholeList(resourceTypes.map((type) => resourceTypeResource(type, baseUrl)));
}

/** `GET /Schemas`: every schema the service uses, core schemas first, as a ListResponse. */
export function listSchemas(baseUrl: string): ListResponse {
  return wholeList(allSchemas.map((schema) => schemaResource(schema, baseUrl)));
}

/**
 * `GET /ResourceTypes/{id}`; the id matches case-insensitively (`user` finds `User`).
 * @throws NotFoundError for an id the service does not have.
 */
export function getResourceType(id: string, baseUrl: string): ScimResource {
  const type = resourceTypeByName(id);
  if (type === undefined) throw new NotFoundError('ResourceType', id);
  return resourceTypeResource(type, baseUrl);
}

/**
 * `GET /Schemas/{id}`, the id being the schema URN (case-insensitive).
 * @throws NotFoundError for a URN the service does not have.
 */
export function getSchema(id: string, baseUrl: string): ScimResource {
  const schema = schemaByUrn(id);
  if (schema === undefined) throw new NotFoundError('Schema', id);
  return schemaResource(schema, baseUrl);
}

function wholeList(resources: readonly ScimResource[]): ListResponse {
  return listResponse(resources, { totalResults: resources.length, startIndex: 1 });
}

/** RFC 7643 §7 attribute characteristics, in the key order of RFC 7643 §8.7. */
function attributeResource(attribute: AttributeDefinition): ScimResource {
  return {
    name: attribute.name,
    type: attribute.type,
    ...(attribute.subAttributes === undefined
      ? {}
      : { subAttributes: attribute.subAttributes.map(attributeResource) }),
    multiValued: attribute.multiValued,
    description: attribute.description,
    required: attribute.required,
    ...(attribute.canonicalValues === undefined
      ? {}
      : { canonicalValues: [...attribute.canonicalValues] }),
    caseExact: attribute.caseExact,
    mutability: attribute.mutability,
    returned: attribute.returned,
    uniqueness: attribute.uniqueness,
    ...(attribute.referenceTypes === undefined
      ? {}
      : { referenceTypes: [...attribute.referenceTypes] }),
  };
}
