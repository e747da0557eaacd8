/**
 * RFC 7643 §3.1 common attributes: part of every resource, whatever its schemas. They are not
 * listed in any schema's `attributes` (RFC 7643 §8.7 leaves them out too), so `/Schemas` does not
 * serve them; validation, serialization and filters read them from here.
 */
import { attribute, complexAttribute } from './define.js';
import type { AttributeDefinition } from './types.js';

export const idAttribute = attribute(
  'id',
  'string',
  'A unique identifier for a SCIM resource as defined by the service provider. Issued by the service provider and not specified by the client.',
  { caseExact: true, mutability: 'readOnly', returned: 'always', uniqueness: 'server' },
);

export const externalIdAttribute = attribute(
  'externalId',
  'string',
  'A String that is an identifier for the resource as defined by the provisioning client.',
  { caseExact: true },
);

export const metaAttribute = complexAttribute(
  'meta',
  'A complex attribute containing resource metadata.',
  [
    attribute('resourceType', 'string', 'The name of the resource type of the resource.', {
      caseExact: true,
      mutability: 'readOnly',
    }),
    attribute(
      'created',
      'dateTime',
      'The "DateTime" that the resource was added to the service provider.',
      {
        mutability: 'readOnly',
      },
    ),
    attribute(
      'lastModified',
      'dateTime',
      'The most recent DateTime that the details of this resource were updated at the service provider.',
      { mutability: 'readOnly' },
    ),
    attribute('location', 'reference', 'The URI of the resource being returned.', {
      caseExact: true,
      mutability: 'readOnly',
      referenceTypes: ['uri'],
    }),
    attribute(
      'version',
      'string',
      'The version of the resource being returned. This value must be the same as the entity-tag (ETag) HTTP response header.',
      { caseExact: true, mutability: 'readOnly' },
    ),
  ],
  { mutability: 'readOnly' },
);

/** `id`, `externalId` and `meta`, in the order a response lists them. */
export const commonAttributes: readonly AttributeDefinition[] = [
  idAttribute,
  externalIdAttribute,
  metaAttribute,
];
