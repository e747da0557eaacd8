import { describe, expect, it } from 'vitest';
import { limits } from '../../../shared/config.js';
import {
  getResourceType,
  getSchema,
  listSchemas,
  serviceProviderConfig,
} from '../../../shared/scim/discovery.js';
import { NotFoundError } from '../../../shared/scim/errors.js';
import { allSchemas } from '../../../shared/scim/schemas/index.js';
import type { AttributeDefinition } from '../../../shared/scim/schemas/types.js';

const BASE = 'https://scim.example.com/scim/v2';

function names(
  attributes: readonly { name: string; subAttributes?: unknown }[],
  prefix = '',
): string[] {
  return attributes.flatMap((attribute) => [
    `${prefix}${attribute.name}`,
    ...names(
      (attribute.subAttributes ?? []) as AttributeDefinition[],
      `${prefix}${attribute.name}.`,
    ),
  ]);
}

describe('discovery resources (RFC 7644 §4)', () => {
  it('serves every attribute of every schema definition the service validates with', () => {
    const served = listSchemas(BASE).Resources;

    for (const [index, schema] of allSchemas.entries()) {
      expect(names(served[index]?.attributes as AttributeDefinition[])).toEqual(
        names(schema.attributes),
      );
    }
  });

  it('copies each characteristic of a definition and omits the absent ones rather than send null', () => {
    const user = getSchema('urn:ietf:params:scim:schemas:core:2.0:User', BASE);
    const emails = (user.attributes as Record<string, unknown>[]).find((a) => a.name === 'emails');
    const type = ((emails?.subAttributes ?? []) as Record<string, unknown>[]).find(
      (a) => a.name === 'type',
    );

    expect(type).toEqual({
      name: 'type',
      type: 'string',
      multiValued: false,
      description: expect.any(String),
      required: false,
      canonicalValues: ['work', 'home', 'other'],
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'none',
    });
  });

  it('advertises the configured limits and both pagination methods', () => {
    const config = serviceProviderConfig(BASE);

    expect(config.bulk).toEqual({
      supported: true,
      maxOperations: limits.maxBulkOperations,
      maxPayloadSize: limits.maxBodyBytes,
    });
    expect(config.pagination).toMatchObject({
      cursor: true,
      index: true,
      maxPageSize: limits.maxPageSize,
    });
  });

  it('finds resource types and schemas case-insensitively and 404s the rest', () => {
    expect(getResourceType('user', BASE).id).toBe('User');
    expect(() => getResourceType('Device', BASE)).toThrow(NotFoundError);
    expect(() => getSchema('urn:x', BASE)).toThrow(NotFoundError);
  });
});
