import { describe, expect, it } from 'vitest';
import { withGroupTalkAttributes } from '../../../shared/admin/connect/schema.js';

const USER_URN = 'urn:ietf:params:scim:schemas:extension:grouptalk:2.0:User';
const GROUP_URN = 'urn:ietf:params:scim:schemas:extension:grouptalk:2.0:Group';

/** The parts of a `scim` job's schema the edit touches, as Graph's schema resource shapes them. */
function scimSchema() {
  return {
    directories: [
      { id: 'AzureActiveDirectory', name: 'Azure Active Directory', objects: [] },
      {
        id: 'customappsso',
        name: 'customappsso',
        objects: [
          { name: 'User', attributes: [{ name: 'userName', type: 'String' }] },
          { name: 'Group', attributes: [{ name: 'displayName', type: 'String' }] },
        ],
      },
    ],
    synchronizationRules: [
      {
        id: 'AD2SCIMUser',
        sourceDirectoryName: 'Azure Active Directory',
        targetDirectoryName: 'customappsso',
        objectMappings: [
          {
            sourceObjectName: 'User',
            targetObjectName: 'User',
            attributeMappings: [{ targetAttributeName: 'userName' }],
          },
          {
            sourceObjectName: 'Group',
            targetObjectName: 'Group',
            attributeMappings: [{ targetAttributeName: 'displayName' }],
          },
        ],
      },
    ],
  };
}

describe('withGroupTalkAttributes', () => {
  it('defines and maps label1…label5 on users and description on groups, once', () => {
    // Act
    const first = withGroupTalkAttributes(scimSchema());
    const second = withGroupTalkAttributes(first.schema);

    // Assess
    expect(first.added).toEqual(['label1', 'label2', 'label3', 'label4', 'label5', 'description']);
    expect(first.ruleId).toBe('AD2SCIMUser');
    const rule = (first.schema.synchronizationRules?.[0] ?? {}) as {
      objectMappings: { targetObjectName: string; attributeMappings: Record<string, unknown>[] }[];
    };
    const users = rule.objectMappings.find((m) => m.targetObjectName === 'User');
    expect(users?.attributeMappings).toContainEqual(
      expect.objectContaining({
        targetAttributeName: `${USER_URN}:label3`,
        source: expect.objectContaining({ name: 'extensionAttribute3', type: 'Attribute' }),
        flowType: 'Always',
      }),
    );
    const groups = rule.objectMappings.find((m) => m.targetObjectName === 'Group');
    expect(groups?.attributeMappings).toContainEqual(
      expect.objectContaining({
        targetAttributeName: `${GROUP_URN}:description`,
        source: expect.objectContaining({ name: 'description' }),
      }),
    );
    const target = (first.schema.directories?.[1] ?? {}) as {
      objects: { name: string; attributes: { name: string; type: string }[] }[];
    };
    expect(target.objects[0]?.attributes.map((a) => a.name)).toContain(`${USER_URN}:label5`);
    expect(target.objects[1]?.attributes).toContainEqual(
      expect.objectContaining({ name: `${GROUP_URN}:description`, type: 'String' }),
    );
    // Run twice, nothing is added twice.
    expect(second.added).toEqual([]);
    expect(second.schema).toEqual(first.schema);
  });

  it('leaves the schema it was given untouched', () => {
    const schema = scimSchema();
    const before = structuredClone(schema);
    withGroupTalkAttributes(schema);
    expect(schema).toEqual(before);
  });

  it('refuses a schema without a rule for users', () => {
    expect(() => withGroupTalkAttributes({ directories: [], synchronizationRules: [] })).toThrow(
      /no synchronization rule for users/,
    );
  });
});
