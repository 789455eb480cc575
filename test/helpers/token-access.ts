/** What the test token server grants: the intersection of the requested scopes and the ACL. */
import type { ResourceAccess } from './jwt.js';
import { aclFor, DEFAULT_ACL, mayPull, mayPush, type RepoAcl, type TestUser } from './users.js';

const ACTIONS = ['pull', 'push'] as const;

/** `repository:NAME:a,b` → parts; the name may not contain ':' but the type may carry `(class)`. */
export function parseScope(scope: string): { type: string; name: string; actions: string[] } | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;
  return {
    type: scope.slice(0, first).replace(/\(.*\)$/, ''),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .filter(Boolean),
  };
}

/** The users and ACL a grant is decided on. */
export interface AccessPolicy {
  users: Readonly<Record<string, TestUser>>;
  acl: Readonly<Record<string, RepoAcl>>;
  defaultAcl?: RepoAcl;
}

/**
 * What `username` (undefined: anonymous) asked for in `scopes`, cut down to what it may have. Never fails:
 * like distribution's token servers, a scope without rights yields an entry with no actions.
 * Push users get pull and push everywhere; only they get `*` and non-repository scopes (registry:catalog:*).
 * Other users get push where the ACL entry lists them in `push` (e.g. alice on `alice/*` and `mirror/*`).
 */
export function grantAccess(
  policy: AccessPolicy,
  username: string | undefined,
  scopes: readonly string[],
): ResourceAccess[] {
  const byName = new Map<string, ResourceAccess>();
  const isPusher = username !== undefined && policy.users[username]?.push === true;
  for (const scope of scopes) {
    const parsed = parseScope(scope);
    if (!parsed) continue;
    const key = `${parsed.type}:${parsed.name}`;
    const entry = byName.get(key) ?? { type: parsed.type, name: parsed.name, actions: [] };
    byName.set(key, entry);
    const repoAcl = aclFor(parsed.name, policy.acl, policy.defaultAcl ?? DEFAULT_ACL);
    for (const action of parsed.actions) {
      const wanted = action === '*' && parsed.type === 'repository' ? ACTIONS : [action];
      for (const one of wanted) {
        const repository = parsed.type === 'repository';
        const ok =
          isPusher ||
          (repository && one === 'pull' && mayPull(repoAcl, username)) ||
          (repository && one === 'push' && mayPush(repoAcl, username));
        if (ok && !entry.actions.includes(one)) entry.actions.push(one);
      }
    }
  }
  return [...byName.values()];
}
