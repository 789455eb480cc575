/**
 * The grammar of `org.opencontainers.image.ref.name` (image-spec annotations.md, "Pre-Defined Annotation Keys"):
 *
 *     ref       ::= component ("/" component)*
 *     component ::= alphanum (separator alphanum)*
 *     alphanum  ::= [A-Za-z0-9]+
 *     separator ::= [-._:@+] | "--"
 */
const component = '[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*';
const refName = new RegExp(`^${component}(?:/${component})*$`);

/** True when `name` may be written as an `index.json` entry's ref.name. */
export function isValidRefName(name: string): boolean {
  return refName.test(name);
}
