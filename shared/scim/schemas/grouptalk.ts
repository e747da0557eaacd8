/**
 * GroupTalk's own extensions: five free-text labels on a user and a description on a group, as
 * the GroupTalk provisioning tutorial maps them from Entra.
 */
import { attribute } from './define.js';
import type { SchemaDefinition } from './types.js';

export const GROUPTALK_USER_URN = 'urn:ietf:params:scim:schemas:extension:grouptalk:2.0:User';
export const GROUPTALK_GROUP_URN = 'urn:ietf:params:scim:schemas:extension:grouptalk:2.0:Group';

const label = (n: number) =>
  attribute(
    `label${n}`,
    'string',
    `GroupTalk label ${n}: free text an administrator maps to the user.`,
  );

export const grouptalkUserSchema: SchemaDefinition = {
  id: GROUPTALK_USER_URN,
  name: 'GroupTalkUser',
  description: 'GroupTalk User extension',
  attributes: [label(1), label(2), label(3), label(4), label(5)],
};

export const grouptalkGroupSchema: SchemaDefinition = {
  id: GROUPTALK_GROUP_URN,
  name: 'GroupTalkGroup',
  description: 'GroupTalk Group extension',
  attributes: [attribute('description', 'string', 'A description of the group.')],
};
