/**
 * The resource types the service serves and their core schema URNs: named once here, because the
 * SCIM schemas, the store's keys and the service's representations all speak of them.
 */

/** The SCIM resource types this service stores. */
export type ResourceTypeName = 'User' | 'Group';

export const CORE_USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const CORE_GROUP_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/**
 * The core schema URN of a resource type.
 *
 * @example coreSchemaUrn('Group') // 'urn:ietf:params:scim:schemas:core:2.0:Group'
 */
export function coreSchemaUrn(type: ResourceTypeName): string {
  return type === 'User' ? CORE_USER_URN : CORE_GROUP_URN;
}
