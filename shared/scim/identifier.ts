/**
 * The SCIM answer to a unique name that is unfit as an identifier; the profile itself
 * (`identifierProblem`, `foldIdentifier`) is in `shared/common/identifier.ts`.
 */
import { identifierProblem } from '../common/identifier.js';
import { InvalidValueError } from './errors.js';

/**
 * Throws 400 invalidValue when `name` is unfit as an identifier (see {@link identifierProblem}).
 *
 * @example checkIdentifier(' bjensen', 'userName') // throws: "userName starts or ends with white space."
 */
export function checkIdentifier(name: string, attributeName: string): void {
  const problem = identifierProblem(name);
  if (problem !== undefined) {
    throw new InvalidValueError(
      `${attributeName} ${problem}; names may not hold control, invisible or unpaired characters, nor white space at either end.`,
    );
  }
}
