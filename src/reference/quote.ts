/** Longest piece of user input repeated inside a reason; the full input is already quoted by the error. */
const QUOTE_LIMIT = 48;

/**
 * Quotes a fragment of user input for an error reason: JSON-escaped (so control characters and lone surrogates stay
 * on one line) and cut short, because the error message already quotes the whole input once.
 */
export function quote(fragment: string): string {
  const short = fragment.length > QUOTE_LIMIT ? `${fragment.slice(0, QUOTE_LIMIT)}…` : fragment;
  return JSON.stringify(short);
}

/** The first code point of `text` that `allowed` rejects, or undefined when every character is allowed. */
export function firstInvalidChar(text: string, allowed: (char: string) => boolean): string | undefined {
  for (const char of text) {
    if (!allowed(char)) return char;
  }
  return undefined;
}

/** True for `a-z` and `0-9`: the alphanumerics of a repository path component. */
export function isLowerAlnum(char: string | undefined): boolean {
  return char !== undefined && ((char >= 'a' && char <= 'z') || (char >= '0' && char <= '9'));
}

/** True for ASCII letters and digits. */
export function isAlnum(char: string | undefined): boolean {
  return isLowerAlnum(char) || (char !== undefined && char >= 'A' && char <= 'Z');
}

/** True for `0-9`. */
export function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9';
}

/** True for hex digits of either case. */
export function isHexDigit(char: string | undefined): boolean {
  return (
    isDigit(char) || (char !== undefined && ((char >= 'a' && char <= 'f') || (char >= 'A' && char <= 'F')))
  );
}
