/**
 * The identifier profile of names that must be unique: User `userName` and Group `displayName`.
 * In the spirit of RFC 8265 (PRECIS UsernameCaseMapped), adapted to names an identity provider
 * sends (e-mail addresses, display names with inner spaces):
 *
 * - refused (400 invalidValue naming the problem, never the name): lone surrogates, control
 *   characters (Unicode Cc), line and paragraph separators, default-ignorable code points (zero-width
 *   space and joiners, soft hyphen, bidi controls, variation selectors, Hangul fillers, BOM), and
 *   white space at either end;
 * - compared (`foldIdentifier`): width and compatibility mapping (NFKC: full-width `Ａ` is `A`,
 *   no-break and ideographic spaces are a space), then case mapping (`toLowerCase`, as RFC 8265
 *   §3.3.2), then NFC of the result, so `Ａｌｉｃｅ`, `ALICE` and `alice` are one name.
 *
 * Names are stored as sent; only keys and comparisons use the folded form. Every layer may import
 * this module (it imports nothing); `shared/scim/identifier.ts` turns a problem into the 400.
 */

/**
 * The most UTF-8 bytes a folded name may have. NFKC can expand one character into 18 (U+FDFA),
 * and the folded name becomes part of a partition key (AWS: 2,048 bytes) after its prefix.
 */
export const MAX_FOLDED_IDENTIFIER_BYTES = 1_024;

/** Code points of the byType sort key's name part: a prefix is enough to order names. */
export const SORT_KEY_NAME_CODE_POINTS = 200;

const CONTROL = /[\p{Cc}\p{Zl}\p{Zp}]/u;
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/u;
const EDGE_SPACE = /^\p{White_Space}|\p{White_Space}$/u;

/**
 * What makes `name` unfit as an identifier, in words that do not quote it; undefined when it fits.
 *
 * @example identifierProblem('bjensen\u200b') // → 'contains an invisible (default-ignorable) character, U+200B, at position 8'
 */
export function identifierProblem(name: string): string | undefined {
  const lone = loneSurrogateAt(name);
  if (lone >= 0) return `contains a lone surrogate at position ${lone + 1}`;
  const control = CONTROL.exec(name);
  if (control !== null) {
    return `contains a control character, ${codePoint(control[0])}, at position ${codePointIndex(name, control.index) + 1}`;
  }
  const ignorable = IGNORABLE.exec(name);
  if (ignorable !== null) {
    return `contains an invisible (default-ignorable) character, ${codePoint(ignorable[0])}, at position ${codePointIndex(name, ignorable.index) + 1}`;
  }
  if (EDGE_SPACE.test(name)) return 'starts or ends with white space';
  if (Buffer.byteLength(foldIdentifier(name), 'utf8') > MAX_FOLDED_IDENTIFIER_BYTES) {
    return `is longer than ${MAX_FOLDED_IDENTIFIER_BYTES} bytes once normalised`;
  }
  return undefined;
}

/**
 * The form in which two names are the same identifier: NFKC, lower case, NFC. Used by the
 * uniqueness guards, the name order and the filter re-check of `userName` and `displayName`.
 *
 * @example foldIdentifier('Ｂ.Jensen') === foldIdentifier('b.jensen') // → true
 */
export function foldIdentifier(name: string): string {
  return name.normalize('NFKC').toLowerCase().normalize('NFC');
}

/**
 * The first `count` code points of `text`: never ends inside a surrogate pair.
 *
 * @example codePointPrefix('a😀b', 2) // → 'a😀'
 */
export function codePointPrefix(text: string, count: number): string {
  if (text.length <= count) return text;
  let end = 0;
  for (let seen = 0; seen < count && end < text.length; seen++) {
    const unit = text.charCodeAt(end);
    end += unit >= 0xd800 && unit <= 0xdbff && end + 1 < text.length ? 2 : 1;
  }
  return text.slice(0, end);
}

function codePoint(character: string): string {
  return `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The code-point position of the UTF-16 offset `offset`. */
function codePointIndex(text: string, offset: number): number {
  return [...text.slice(0, offset)].length;
}

/** The code-point position of the first unpaired surrogate, -1 when every one is paired. */
function loneSurrogateAt(text: string): number {
  let position = 0;
  for (let i = 0; i < text.length; i++, position++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return position;
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) return position;
  }
  return -1;
}
