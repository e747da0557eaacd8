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

  it('masks the string values of any other filter, type selectors excepted', () => {
    expect(filterLogFields('name.familyName eq "Smith" and active eq true')).toEqual({
      filter: 'name.familyName eq "…" and active eq true',
    });
    expect(filterLogFields('emails[type eq "work" and value co "@contoso"]')).toEqual({
      filter: 'emails[type eq "…" and value co "…"]',
    });
    expect(filterLogFields('userName sw "al" or emails[type eq "work"] pr')).toEqual({
      filter: 'userName sw "…" or emails[type eq "work"] pr',
    });
  });

  it('masks an unparsable filter too, and cuts a long one', () => {
    expect(filterLogFields('userName eq "secret" and (')).toEqual({
      filter: 'userName eq "…" and (',
    });
    expect(
      filterLogFields(`userName gt 1 ${'and active eq true '.repeat(40)}`).filter,
    ).toHaveLength(257);
  });
});
