/**
 * The core User schema, RFC 7643 §4.1 with the characteristics of its §8.7.1 representation.
 * Descriptions are the RFC's: `/Schemas` serves them, and clients look for them (Microsoft's
 * Postman suite checks that `/Schemas` contains "User Account").
 */

import { CORE_USER_URN } from '../../common/resource-types.js';
import {
  attribute,
  complexAttribute,
  displaySubAttribute,
  primarySubAttribute,
  typeSubAttribute,
} from './define.js';
import type { SchemaDefinition } from './types.js';

export { CORE_USER_URN };

const nameSubAttribute = (name: string, description: string) =>
  attribute(name, 'string', description);

export const userSchema: SchemaDefinition = {
  id: CORE_USER_URN,
  name: 'User',
  description: 'User Account',
  attributes: [
    attribute(
      'userName',
      'string',
      "Unique identifier for the User, typically used by the user to directly authenticate to the service provider. Each User MUST include a non-empty userName value. This identifier MUST be unique across the service provider's entire set of Users. REQUIRED.",
      { required: true, uniqueness: 'server' },
    ),
    complexAttribute(
      'name',
      "The components of the user's real name. Providers MAY return just the full name as a single string in the formatted sub-attribute, or they MAY return just the individual component attributes using the other sub-attributes, or they MAY return both. If both variants are returned, they SHOULD be describing the same name, with the formatted name indicating how the component attributes should be combined.",
      [
        nameSubAttribute(
          'formatted',
          "The full name, including all middle names, titles, and suffixes as appropriate, formatted for display (e.g., 'Ms. Barbara J Jensen, III').",
        ),
        nameSubAttribute(
          'familyName',
          "The family name of the User, or last name in most Western languages (e.g., 'Jensen' given the full name 'Ms. Barbara J Jensen, III').",
        ),
        nameSubAttribute(
          'givenName',
          "The given name of the User, or first name in most Western languages (e.g., 'Barbara' given the full name 'Ms. Barbara J Jensen, III').",
        ),
        nameSubAttribute(
          'middleName',
          "The middle name(s) of the User (e.g., 'Jane' given the full name 'Ms. Barbara J Jensen, III').",
        ),
        nameSubAttribute(
          'honorificPrefix',
          "The honorific prefix(es) of the User, or title in most Western languages (e.g., 'Ms.' given the full name 'Ms. Barbara J Jensen, III').",
        ),
        nameSubAttribute(
          'honorificSuffix',
          "The honorific suffix(es) of the User, or suffix in most Western languages (e.g., 'III' given the full name 'Ms. Barbara J Jensen, III').",
        ),
      ],
    ),
    attribute(
      'displayName',
      'string',
      'The name of the User, suitable for display to end-users. The name SHOULD be the full name of the User being described, if known.',
    ),
    attribute(
      'nickName',
      'string',
      "The casual way to address the user in real life, e.g., 'Bob' or 'Bobby' instead of 'Robert'. This attribute SHOULD NOT be used to represent a User's username (e.g., 'bjensen' or 'mpepperidge').",
    ),
    attribute(
      'profileUrl',
      'reference',
      "A fully qualified URL pointing to a page representing the User's online profile.",
      { referenceTypes: ['external'] },
    ),
    attribute('title', 'string', 'The user\'s title, such as "Vice President."'),
    attribute(
      'userType',
      'string',
      "Used to identify the relationship between the organization and the user. Typical values used might be 'Contractor', 'Employee', 'Intern', 'Temp', 'External', and 'Unknown', but any value may be used.",
    ),
    attribute(
      'preferredLanguage',
      'string',
      "Indicates the User's preferred written or spoken language. Generally used for selecting a localized user interface; e.g., 'en_US' specifies the language English and country US.",
    ),
    attribute(
      'locale',
      'string',
      "Used to indicate the User's default location for purposes of localizing items such as currency, date time format, or numerical representations.",
    ),
    attribute(
      'timezone',
      'string',
      "The User's time zone in the 'Olson' time zone database format, e.g., 'America/Los_Angeles'.",
    ),
    attribute('active', 'boolean', "A Boolean value indicating the User's administrative status."),
    attribute(
      'password',
      'string',
      "The User's cleartext password. This attribute is intended to be used as a means to specify an initial password when creating a new User or to reset an existing User's password.",
      { mutability: 'writeOnly', returned: 'never' },
    ),
    complexAttribute(
      'emails',
      "Email addresses for the user. The value SHOULD be canonicalized by the service provider, e.g., 'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'. Canonical type values of 'work', 'home', and 'other'.",
      [
        attribute(
          'value',
          'string',
          "Email addresses for the user. The value SHOULD be canonicalized by the service provider, e.g., 'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'. Canonical type values of 'work', 'home', and 'other'.",
        ),
        displaySubAttribute(),
        typeSubAttribute("A label indicating the attribute's function, e.g., 'work' or 'home'.", [
          'work',
          'home',
          'other',
        ]),
        primarySubAttribute('the preferred mailing address or primary email address'),
      ],
      { multiValued: true },
    ),
    complexAttribute(
      'phoneNumbers',
      "Phone numbers for the User. The value SHOULD be canonicalized by the service provider according to the format specified in RFC 3966, e.g., 'tel:+1-201-555-0123'. Canonical type values of 'work', 'home', 'mobile', 'fax', 'pager', and 'other'.",
      [
        attribute('value', 'string', 'Phone number of the User.'),
        displaySubAttribute(),
        typeSubAttribute(
          "A label indicating the attribute's function, e.g., 'work', 'home', 'mobile'.",
          ['work', 'home', 'mobile', 'fax', 'pager', 'other'],
        ),
        primarySubAttribute('the preferred phone number or primary phone number'),
      ],
      { multiValued: true },
    ),
    complexAttribute(
      'ims',
      'Instant messaging addresses for the User.',
      [
        attribute('value', 'string', 'Instant messaging address for the User.'),
        displaySubAttribute(),
        typeSubAttribute(
          "A label indicating the attribute's function, e.g., 'aim', 'gtalk', 'xmpp'.",
          ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo'],
        ),
        primarySubAttribute('the preferred messenger or primary messenger'),
      ],
      { multiValued: true },
    ),
    complexAttribute(
      'photos',
      'URLs of photos of the User.',
      [
        attribute('value', 'reference', 'URL of a photo of the User.', {
          referenceTypes: ['external'],
        }),
        displaySubAttribute(),
        typeSubAttribute(
          "A label indicating the attribute's function, i.e., 'photo' or 'thumbnail'.",
          ['photo', 'thumbnail'],
        ),
        primarySubAttribute('the preferred photo or thumbnail'),
      ],
      { multiValued: true },
    ),
    complexAttribute(
      'addresses',
      "A physical mailing address for this User. Canonical type values of 'work', 'home', and 'other'. This attribute is a complex type with the following sub-attributes.",
      [
        attribute(
          'formatted',
          'string',
          'The full mailing address, formatted for display or use with a mailing label. This attribute MAY contain newlines.',
        ),
        attribute(
          'streetAddress',
          'string',
          'The full street address component, which may include house number, street name, P.O. box, and multi-line extended street address information. This attribute MAY contain newlines.',
        ),
        attribute('locality', 'string', 'The city or locality component.'),
        attribute('region', 'string', 'The state or region component.'),
        attribute('postalCode', 'string', 'The zip code or postal code component.'),
        attribute('country', 'string', 'The country name component.'),
        typeSubAttribute("A label indicating the attribute's function, e.g., 'work' or 'home'.", [
          'work',
          'home',
          'other',
        ]),
        // RFC 7643 §8.7.1 omits it, but §2.4 gives every multi-valued attribute a `primary`, §4.1.2
        // names the "preferred mailing address", and clients (Microsoft's Postman suite) send it.
        primarySubAttribute('the preferred mailing address'),
      ],
      { multiValued: true },
    ),
    complexAttribute(
      'groups',
      'A list of groups to which the user belongs, either through direct membership, through nested groups, or dynamically calculated.',
      [
        attribute('value', 'string', "The identifier of the User's group.", {
          mutability: 'readOnly',
        }),
        attribute(
          '$ref',
          'reference',
          "The URI of the corresponding 'Group' resource to which the user belongs.",
          { mutability: 'readOnly', referenceTypes: ['User', 'Group'] },
        ),
        displaySubAttribute({ mutability: 'readOnly' }),
        attribute(
          'type',
          'string',
          "A label indicating the attribute's function, e.g., 'direct' or 'indirect'.",
          { mutability: 'readOnly', canonicalValues: ['direct', 'indirect'] },
        ),
      ],
      { multiValued: true, mutability: 'readOnly' },
    ),
    complexAttribute(
      'entitlements',
      'A list of entitlements for the User that represent a thing the User has.',
      [
        attribute('value', 'string', 'The value of an entitlement.'),
        displaySubAttribute(),
        typeSubAttribute("A label indicating the attribute's function."),
        primarySubAttribute(),
      ],
      { multiValued: true },
    ),
    complexAttribute(
      'roles',
      "A list of roles for the User that collectively represent who the User is, e.g., 'Student', 'Faculty'.",
      [
        attribute('value', 'string', 'The value of a role.'),
        displaySubAttribute(),
        typeSubAttribute("A label indicating the attribute's function."),
        primarySubAttribute(),
      ],
      { multiValued: true },
    ),
    complexAttribute(
      'x509Certificates',
      'A list of certificates issued to the User.',
      [
        // RFC 7643 errata 6000: binary values are case-exact.
        attribute('value', 'binary', 'The value of an X.509 certificate.', { caseExact: true }),
        displaySubAttribute(),
        typeSubAttribute("A label indicating the attribute's function."),
        primarySubAttribute(),
      ],
      { multiValued: true },
    ),
  ],
};
