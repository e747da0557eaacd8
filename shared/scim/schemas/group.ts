/** The core Group schema, RFC 7643 §4.2 with the characteristics of its §8.7.1 representation. */

import { CORE_GROUP_URN } from '../../common/resource-types.js';
import { attribute, complexAttribute } from './define.js';
import type { SchemaDefinition } from './types.js';

export { CORE_GROUP_URN };

export const groupSchema: SchemaDefinition = {
  id: CORE_GROUP_URN,
  name: 'Group',
  description: 'Group',
  attributes: [
    // RFC 7643 §8.7.1 says "REQUIRED." in the description but `required: false`; §4.2 and Entra
    // (which matches groups on it) make it required, and GroupTalk keeps it unique.
    attribute('displayName', 'string', 'A human-readable name for the Group. REQUIRED.', {
      required: true,
      uniqueness: 'server',
    }),
    complexAttribute(
      'members',
      'A list of members of the Group.',
      [
        attribute('value', 'string', 'Identifier of the member of this Group.', {
          mutability: 'immutable',
        }),
        attribute(
          '$ref',
          'reference',
          'The URI corresponding to a SCIM resource that is a member of this Group.',
          // GroupTalk groups hold users only (a Group member is 400 invalidValue).
          { mutability: 'immutable', referenceTypes: ['User'] },
        ),
        // RFC 7643 §4.2 lists `display` among the member sub-attributes (the §8.7.1 listing lacks it).
        attribute(
          'display',
          'string',
          'A human-readable name, primarily used for display purposes. READ-ONLY.',
          {
            mutability: 'readOnly',
          },
        ),
        attribute(
          'type',
          'string',
          "A label indicating the type of resource, e.g., 'User' or 'Group'.",
          {
            mutability: 'immutable',
            canonicalValues: ['User'],
          },
        ),
      ],
      { multiValued: true },
    ),
  ],
};
