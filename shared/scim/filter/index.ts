/**
 * SCIM filters and paths: parse the text a client sent (`parser.ts`) into the syntax tree
 * (`ast.ts`), then evaluate it against resources (`evaluate.ts`).
 */
export type {
  AttributePath,
  CompareOperator,
  FilterNode,
  FilterValue,
  PatchPath,
} from './ast.js';
export {
  type AttributeResolver,
  attributeResolver,
  compileFilter,
  compileValueFilter,
  evaluateFilter,
  type FilterAttribute,
  type FilterPredicate,
} from './evaluate.js';
export { MAX_FILTER_DEPTH, parseAttributeList, parseFilter, parsePatchPath } from './parser.js';
