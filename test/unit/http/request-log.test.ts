import { describe, expect, it } from 'vitest';
import { filterLogFields } from '../../../shared/http/request-log.js';

const GUID = '5c9f1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b';

describe('filterLogFields', () => {
  it('keeps the attribute and value of a lookup by an identifier', () => {
    expect(filterLogFields('userName eq "alice@contoso.com"', 1)).toEqual({
      filterAttribute: 'userName',
      filterValue: 'alice@contoso.com',
    });
    expect(filterLogFields('externalId eq jyoung', 0)).toEqual({
      filterAttribute: 'externalId',
      filterValue: 'jyoung',
    });
    expect(filterLogFields('DisplayName eq "Dispatch"', 1)).toEqual({
      filterAttribute: 'DisplayName',
      filterValue: 'Dispatch',
    });
  });

  it('keeps the attribute of a lookup by e-mail or phone, not the value', () => {
    expect(filterLogFields('emails[type eq "work"].value eq "alice@contoso.com"', 1)).toEqual({
      filterAttribute: 'emails[type eq "work"].value',
    });
    expect(filterLogFields('phoneNumbers[type eq "mobile"].value eq "+1 555 0100"', 0)).toEqual({
      filterAttribute: 'phoneNumbers[type eq "mobile"].value',
    });
  });

  it("marks a random GUID that matched nothing as Entra's Test Connection probe", () => {
    expect(filterLogFields(`userName eq "${GUID}"`, 0)).toEqual({
      filterAttribute: 'userName',
      filterValue: GUID,
      probe: true,
    });
    expect(filterLogFields(`emails[type eq "work"].value eq "${GUID}"`, 0)).toMatchObject({
      filterValue: GUID,
      probe: true,
    });
  });

  it('does not mark a GUID that matched, or a first lookup by externalId, as a probe', () => {
    expect(filterLogFields(`userName eq "${GUID}"`, 1).probe).toBeUndefined();
    expect(filterLogFields(`externalId eq "${GUID}"`, 0).probe).toBeUndefined();
  });

  it('masks the values of any other filter but those of identifiers and type selectors', () => {
    expect(filterLogFields('name.familyName eq "Smith" and active eq true')).toEqual({
      filter: 'name.familyName eq "…" and active eq true',
    });
    expect(filterLogFields('emails[type eq "work" and value co "@contoso"]')).toEqual({
      filter: 'emails[type eq "work" and value co "…"]',
    });
    expect(filterLogFields('userName sw "al" or emails[type eq "work"].value pr')).toEqual({
      filter: 'userName sw "al" or emails[type eq "work" and value pr]',
    });
    expect(filterLogFields('members[value eq "2819c223" or display eq "Babs"]')).toEqual({
      filter: 'members[value eq "…" or display eq "…"]',
    });
  });

  it('masks unquoted values and numbers as well as strings', () => {
    expect(filterLogFields('emails.value eq bob@example.com and active eq true')).toEqual({
      filter: 'emails.value eq "…" and active eq true',
    });
    expect(
      filterLogFields('not (phoneNumbers.value co 0100) or (title eq Boss and costCenter gt 4130)'),
    ).toEqual({
      filter: 'not (phoneNumbers.value co "…") or title eq "…" and costCenter gt "…"',
    });
    expect(filterLogFields('externalId eq jyoung or meta.lastModified gt 2011-05-13')).toEqual({
      filter: 'externalId eq "jyoung" or meta.lastModified gt "…"',
    });
  });

  it('keeps the parentheses an "or" inside an "and" needs, and null tests', () => {
    expect(filterLogFields('(userName eq "a" or userName eq "b") and nickName eq null')).toEqual({
      filter: '(userName eq "a" or userName eq "b") and nickName eq null',
    });
  });

  it('masks the URN of a schema the service does not have, not the attribute', () => {
    expect(filterLogFields('urn:bob@example.com:title eq "x" or userName eq "y"')).toEqual({
      filter: 'urn:…:title eq "…" or userName eq "y"',
    });
    expect(
      filterLogFields(
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter eq "1" or active eq false',
      ).filter,
    ).toBe(
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter eq "…" or active eq false',
    );
  });

  it('logs only the length and the error position of a filter that does not parse', () => {
    expect(filterLogFields('userName eq "secret" and (')).toEqual({
      filterLength: 26,
      filterErrorAt: 27,
    });
    expect(filterLogFields('emails.value eq bob@example.com xor')).toEqual({
      filterLength: 35,
      filterErrorAt: 33,
    });
  });

  it('cuts a long filter', () => {
    expect(
      filterLogFields(`userName gt "a" ${'and active eq true '.repeat(40)}`.trim()).filter,
    ).toHaveLength(257);
  });
});
