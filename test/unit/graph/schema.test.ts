/**
 * GroupTalk's extension attributes added to a synchronization schema, on the schema Microsoft's
 * tutorial starts from (microsoft-graph-docs-contrib
 * concepts/synchronization-configure-with-custom-target-attributes.md, "Get the synchronization
 * schema"; the target directory there is Salesforce's, here it plays GroupTalk's).
 */
import { describe, expect, it } from 'vitest';
import {
  GROUPTALK_EXTENSION_ATTRIBUTES,
  withExtensionAttributes,
} from '../../../shared/graph/schema.js';
import type { SynchronizationSchema } from '../../../shared/graph/types.js';

const LABEL1 = 'urn:ietf:params:scim:schemas:extension:grouptalk:2.0:User:label1';
const DESCRIPTION = 'urn:ietf:params:scim:schemas:extension:grouptalk:2.0:Group:description';

/** The documented response, with a group mapping beside the user mapping. */
function documentedSchema(): SynchronizationSchema {
  return {
    directories: [
      {
        id: '66e4a8cc-1b7b-435e-95f8-f06cea133828',
        name: 'Azure Active Directory',
        objects: [
          {
            name: 'User',
            attributes: [{ anchor: true, name: 'objectId', type: 'String' }],
          },
        ],
      },
      { id: '8ffa6169-f354-4751-9b77-9c00765be92d', name: 'salesforce.com', objects: [] },
    ],
    synchronizationRules: [
      {
        editable: true,
        id: '4c5ecfa1-a072-4460-b1c3-4adde3479854',
        name: 'USER_OUTBOUND_USER',
        objectMappings: [
          {
            attributeMappings: [
              {
                defaultValue: 'True',
                source: { expression: 'Not([IsSoftDeleted])', name: 'Not', type: 'Function' },
                targetAttributeName: 'IsActive',
              },
            ],
            enabled: true,
            flowTypes: 'Add, Update, Delete',
            name: 'Synchronize Azure Active Directory Users to salesforce.com',
            scope: null,
            sourceObjectName: 'User',
            targetObjectName: 'User',
          },
          {
            attributeMappings: [],
            name: 'Synchronize Azure Active Directory Groups to salesforce.com',
            sourceObjectName: 'Group',
            targetObjectName: 'Group',
          },
        ],
        sourceDirectoryName: 'Azure Active Directory',
        targetDirectoryName: 'salesforce.com',
      },
    ],
  };
}

describe('withExtensionAttributes', () => {
  it('defines each attribute on the target directory and maps it from Entra, as the tutorial does', () => {
    const { schema, added } = withExtensionAttributes(documentedSchema());

    expect(added).toEqual(GROUPTALK_EXTENSION_ATTRIBUTES.map((a) => a.targetAttributeName));
    const target = schema.directories.find((d) => d.name === 'salesforce.com');
    const user = target?.objects?.find((o) => o.name === 'User');
    expect(user?.attributes.map((a) => a.name)).toEqual(
      [1, 2, 3, 4, 5].map((n) => LABEL1.replace('label1', `label${n}`)),
    );
    expect(user?.attributes[0]).toMatchObject({ name: LABEL1, type: 'String', multivalued: false });
    const [userMapping, groupMapping] = schema.synchronizationRules[0]?.objectMappings ?? [];
    expect(userMapping?.attributeMappings.at(-5)).toMatchObject({
      source: { name: 'extensionAttribute1', type: 'Attribute' },
      targetAttributeName: LABEL1,
    });
    expect(groupMapping?.attributeMappings).toEqual([
      expect.objectContaining({
        source: expect.objectContaining({ name: 'description' }),
        targetAttributeName: DESCRIPTION,
      }),
    ]);
  });

  it('leaves every other part of the schema as it was (PUT replaces the whole schema)', () => {
    const before = documentedSchema();

    const { schema } = withExtensionAttributes(before);

    expect(schema.directories[0]).toEqual(before.directories[0]);
    expect(schema.synchronizationRules[0]?.objectMappings[0]?.attributeMappings[0]).toEqual(
      before.synchronizationRules[0]?.objectMappings[0]?.attributeMappings[0],
    );
    expect(before.directories[1]?.objects).toEqual([]);
  });

  it('adds nothing the second time, and keeps a mapping the admin changed', () => {
    const once = withExtensionAttributes(documentedSchema()).schema;
    const rule = once.synchronizationRules[0];
    const users = rule?.objectMappings[0];
    const edited: SynchronizationSchema = {
      ...once,
      synchronizationRules: [
        {
          ...(rule as NonNullable<typeof rule>),
          objectMappings: [
            {
              ...(users as NonNullable<typeof users>),
              attributeMappings: (users?.attributeMappings ?? []).map((m) =>
                m.targetAttributeName === LABEL1
                  ? { ...m, source: { name: 'department', type: 'Attribute' } }
                  : m,
              ),
            },
            ...(rule?.objectMappings.slice(1) ?? []),
          ],
        },
      ],
    };

    const again = withExtensionAttributes(edited);

    expect(again.added).toEqual([]);
    expect(again.schema).toBe(edited);
  });

  it('refuses a schema without a rule from Entra', () => {
    expect(() => withExtensionAttributes({ directories: [], synchronizationRules: [] })).toThrow(
      /no synchronization rule from "Azure Active Directory"/,
    );
  });
});
