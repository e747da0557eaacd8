/**
 * CloudWatch Logs JSON filter patterns cannot run outside CloudWatch: this evaluates the subset the
 * stacks use (`{ $.a = "5*" }`, `{ ($.a > 0) && ($.b < 500) }`: top-level fields, `&&` only,
 * numbers compared as numbers, strings with a trailing `*`) against a parsed log line, and throws
 * on any other syntax rather than guess. A field of the wrong type never matches, as in CloudWatch.
 */
type Line = Record<string, unknown>;

const CLAUSE =
  /^\(?\s*\$\.([A-Za-z_][A-Za-z0-9_]*)\s*(=|!=|<=|>=|<|>)\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?)\s*\)?$/;

/** Whether CloudWatch's `pattern` (a JSON filter pattern) selects `line`. */
export function filterPatternMatches(pattern: string, line: Line): boolean {
  const body = /^\{\s*(.*?)\s*\}$/.exec(pattern.trim())?.[1];
  if (body === undefined) throw new Error(`not a JSON filter pattern: ${pattern}`);
  if (body.includes('||')) throw new Error(`unsupported (||): ${pattern}`);
  return body.split('&&').every((clause) => clauseMatches(clause.trim(), line, pattern));
}

function clauseMatches(clause: string, line: Line, pattern: string): boolean {
  const match = CLAUSE.exec(clause);
  if (!match) throw new Error(`unsupported clause "${clause}" in ${pattern}`);
  const [, field, operator, literal] = match as unknown as [string, string, string, string];
  const value = line[field];
  if (literal.startsWith('"')) {
    if (typeof value !== 'string' || (operator !== '=' && operator !== '!=')) return false;
    const expected = JSON.parse(literal) as string;
    const equal = expected.endsWith('*')
      ? value.startsWith(expected.slice(0, -1))
      : value === expected;
    return operator === '=' ? equal : !equal;
  }
  if (typeof value !== 'number') return false;
  const expected = Number(literal);
  switch (operator) {
    case '=':
      return value === expected;
    case '!=':
      return value !== expected;
    case '<':
      return value < expected;
    case '>':
      return value > expected;
    case '<=':
      return value <= expected;
    default:
      return value >= expected;
  }
}

/** The value of a metric filter's `$.field` reference (its value or a dimension) in `line`. */
export function filterField(reference: string, line: Line): unknown {
  const field = /^\$\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(reference)?.[1];
  if (!field) throw new Error(`unsupported field reference ${reference}`);
  return line[field];
}
