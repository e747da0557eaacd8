/**
 * Resources in and out, without I/O, in two modules of one idea each: `resource-input.ts`
 * (normalisation of POST/PUT bodies, member lists, identifiers, mutability) and
 * `resource-output.ts` (serialisation, `attributes`/`excludedAttributes` projection,
 * ListResponse). Importers may use either module or this one.
 */
export * from './resource-input.js';
export * from './resource-output.js';
