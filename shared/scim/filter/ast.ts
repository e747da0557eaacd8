/**
 * The abstract syntax of RFC 7644 §3.4.2.2 filters and §3.5.2 PATCH paths.
 *
 * Attribute paths are resolved against the schema by the parser's caller, not here: an
 * `AttributePath` keeps what the client wrote (schema URN, attribute, sub-attribute).
 */

export type CompareOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';

/** JSON literal of a comparison: string, number, boolean or null. */
export type FilterValue = string | number | boolean | null;

export interface AttributePath {
  /** The schema URN prefix when written (`urn:…:enterprise:2.0:User`), else undefined. */
  readonly schema?: string;
  /** The attribute name as written (case preserved). */
  readonly attribute: string;
  /** The sub-attribute name as written, if any. */
  readonly subAttribute?: string;
}

export type FilterNode =
  | {
      readonly kind: 'compare';
      readonly path: AttributePath;
      readonly op: CompareOperator;
      readonly value: FilterValue;
      /**
       * The value exactly as written when it was unquoted (legacy Entra: `externalId eq 1.50`
       * parses as the number 1.5 but may mean the string "1.50"), so a string attribute is
       * compared with what the client typed.
       */
      readonly raw?: string;
    }
  | { readonly kind: 'present'; readonly path: AttributePath }
  | { readonly kind: 'and'; readonly left: FilterNode; readonly right: FilterNode }
  | { readonly kind: 'or'; readonly left: FilterNode; readonly right: FilterNode }
  | { readonly kind: 'not'; readonly filter: FilterNode }
  /** `emails[type eq "work" and value co "@x"]`: the inner filter applies to one element. */
  | { readonly kind: 'valuePath'; readonly path: AttributePath; readonly filter: FilterNode };

/**
 * A PATCH `path`: `attrPath`, or `valuePath` with an optional sub-attribute after the bracket
 * (`emails[type eq "work"].value`).
 */
export interface PatchPath {
  readonly path: AttributePath;
  /** The filter inside brackets, when the path selects elements of a multi-valued attribute. */
  readonly filter?: FilterNode;
  /** The sub-attribute after `]`, e.g. `value` in `emails[type eq "work"].value`. */
  readonly subAttribute?: string;
}
