/**
 * What a customer's administrator can do about each kind of failure Entra sees. Keyed by
 * `scimType` (RFC 7644 §3.12) or, for errors without one, by status.
 */
const BY_SCIM_TYPE: Readonly<Record<string, string>> = {
  uniqueness:
    'A user with this userName (or a group with this displayName) already exists in GroupTalk. Match it in Entra (Attribute mappings → Matching precedence) or remove the duplicate, then restart provisioning.',
  invalidFilter:
    'Entra looked a user up with a filter GroupTalk does not accept. Check the matching attribute in Attribute mappings: userName, externalId, emails[type eq "work"].value or phoneNumbers[type eq "mobile"].value.',
  invalidValue:
    'An attribute mapping sends a value the schema refuses (errorDetail names it). Fix the mapping or the user’s data in Entra.',
  invalidSyntax:
    'The request was not valid SCIM JSON. Usually a custom attribute mapping or an expression; check the mappings named in errorDetail.',
  invalidPath:
    'A mapping targets an attribute GroupTalk does not have. Remove it or map it to a supported attribute (Attribute mappings → Show advanced options → Edit attribute list).',
  noTarget:
    'Entra changed a value that does not exist on the GroupTalk side. Usually harmless; if it repeats, restart provisioning to resynchronise.',
  mutability: 'A mapping tries to change a read-only attribute (such as id). Remove that mapping.',
  tooMany:
    'A lookup matched too much. Use a unique matching attribute such as userName or externalId.',
  invalidVers:
    'Two changes to one user crossed; Entra retries by itself. If it repeats, restart provisioning.',
  sensitive: 'The request put a secret in the URL. Remove that mapping.',
};

const BY_STATUS: Readonly<Record<number, string>> = {
  401: 'The credential is invalid, expired or revoked. Generate a new Secret Token (or OAuth client secret) under Credentials on this page, paste it into Entra and Test Connection.',
  403: 'The request is not allowed for this tenant. Check the Tenant URL in Entra.',
  404: 'The user or group is gone on the GroupTalk side. Entra re-creates it on its next cycle if it is still in scope.',
  405: 'Entra called a path GroupTalk does not serve. Check the Tenant URL ends with /scim/v2.',
  409: 'A conflicting change. Entra retries by itself.',
  412: 'The user changed since Entra read it; Entra retries by itself.',
  413: 'The request was too large (a group with very many member changes). Entra splits and retries.',
  415: 'Entra sent a content type GroupTalk does not accept. Contact GroupTalk support.',
  429: 'Provisioning is going faster than the tenant allows; Entra slows down and retries. Contact GroupTalk support if it persists.',
  500: 'Something failed on the GroupTalk side. Entra retries; contact GroupTalk support with the time if it persists.',
  503: 'GroupTalk was briefly unavailable. Entra retries by itself.',
};

/**
 * The advice for a failure.
 *
 * @example adviceFor(409, 'uniqueness') // 'A user with this userName … already exists …'
 */
export function adviceFor(status: number, scimType: string | undefined): string {
  if (scimType && BY_SCIM_TYPE[scimType]) return BY_SCIM_TYPE[scimType];
  return (
    BY_STATUS[status] ??
    (status >= 500 ? (BY_STATUS[500] as string) : 'Read errorDetail; it says what was refused.')
  );
}
