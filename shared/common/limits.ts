/**
 * The request limits, as one object every layer may take. The pure SCIM layer gets them as
 * arguments (defaulting to `DEFAULT_LIMITS`); `shared/config.ts` reads the deployed values from
 * the environment once, and the service and handlers pass those on.
 */

/** Request limits, advertised by `/ServiceProviderConfig` where SCIM has a place for them. */
export interface Limits {
  /** Largest request body accepted (bytes). */
  readonly maxBodyBytes: number;
  /** Largest page a list returns. */
  readonly maxPageSize: number;
  /** Page size when the client does not ask for one. */
  readonly defaultPageSize: number;
  /**
   * Operations in one PATCH request. Entra sends one per changed attribute (a few dozen at most);
   * 500 operations over a full multi-valued attribute stay within the 100 ms of handler CPU a
   * request may take (issue 10; 1,000 reached it).
   */
  readonly maxPatchOperations: number;
  /**
   * Members added or removed by one request (PATCH, or POST/PUT `members`). Each 50 are a
   * DynamoDB transaction and each 100 a BatchGetItem, so 500 members are 17 calls, about 60 ms of
   * handler CPU on the reference machine (1,000 took up to 150 ms, past issue 10's 100 ms). Entra
   * batches membership changes far smaller: AWS IAM Identity Center, which Entra provisions from
   * its gallery, accepts at most 100 membership changes per PATCH.
   */
  readonly maxPatchMembers: number;
  /** Resources a non-indexed filter may evaluate before answering 400 tooMany. */
  readonly maxFilterCandidates: number;
  /** Characters in a filter expression. */
  readonly maxFilterLength: number;
  /**
   * Operations in one `POST /Bulk` (its payload is bounded by `maxBodyBytes`). Each operation is at
   * least one DynamoDB call, and each call costs 1.5–2.5 ms of handler CPU on the reference
   * machine, so 20 creates stay within the 100 ms a request may take (issue 10); the Bulk work
   * budget (`BULK_CALL_BUDGET`) defers what does not fit to the client's next request.
   */
  readonly maxBulkOperations: number;
  /**
   * Levels of JSON nesting in a request body (objects and arrays). SCIM needs 5 (a Bulk operation's
   * data holding an extension's complex attribute); the limit is checked before parsing, so no
   * walk over client data ever recurses deeper.
   */
  readonly maxJsonDepth: number;
  /**
   * Values of one multi-valued attribute of a resource (`emails`, `phoneNumbers`, `addresses`,
   * …; Group `members` are items of their own, bounded per request by `maxPatchMembers`).
   */
  readonly maxMultiValues: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxBodyBytes: 1_048_576,
  maxPageSize: 200,
  defaultPageSize: 100,
  maxPatchOperations: 500,
  maxPatchMembers: 500,
  maxFilterCandidates: 20_000,
  maxFilterLength: 4_096,
  maxBulkOperations: 20,
  maxJsonDepth: 32,
  maxMultiValues: 100,
};
