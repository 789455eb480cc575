/** The standard test users and repository ACL shared by the token server, htpasswd and fixture seeding. */

/** A user known to the test token server or htpasswd file. */
export interface TestUser {
  password: string;
  /** Push users get `pull` and `push` on every repository (they seed fixtures, private ones included). */
  push?: boolean;
}

/** Who may pull (and push to) a repository. Push users may always pull and push. */
export interface RepoAcl {
  /** Anyone, even without credentials. */
  anonymous?: boolean;
  /** Any user with valid credentials. */
  authenticated?: boolean;
  /** These users. */
  users?: readonly string[];
  /** These users may also push (and so pull) here. */
  push?: readonly string[];
}

/** Username and password, as for HTTP Basic or `skopeo --creds user:password`. */
export interface Credentials {
  username: string;
  password: string;
}

/** alice may pull `private/app`; bob may not; pusher pushes everything. */
export const TEST_USERS: Readonly<Record<string, TestUser>> = {
  alice: { password: 'alice-secret' },
  bob: { password: 'bob-secret' },
  pusher: { password: 'pusher-secret', push: true },
};

/**
 * Repository ACL: only alice (and push users) may pull `private/app`; every other repository is public.
 * alice may push to `alice/*` and `mirror/*` (public to pull); bob may push nowhere.
 */
export const TEST_ACL: Readonly<Record<string, RepoAcl>> = {
  'private/app': { users: ['alice'] },
  'alice/*': { anonymous: true, push: ['alice'] },
  'mirror/*': { anonymous: true, push: ['alice'] },
};

/** The ACL of repositories not named in the ACL map: anonymous pull. */
export const DEFAULT_ACL: RepoAcl = { anonymous: true };

/** Refresh tokens (as for `grant_type=refresh_token`) and the user each stands for. */
export const TEST_REFRESH_TOKENS: Readonly<Record<string, string>> = {
  'alice-refresh-token': 'alice',
};

/** Credentials of `name` in `users`; throws if unknown. */
export function credentialsOf(
  name: string,
  users: Readonly<Record<string, TestUser>> = TEST_USERS,
): Credentials {
  const user = users[name];
  if (!user) throw new Error(`unknown test user ${name}`);
  return { username: name, password: user.password };
}

/** The first push user of `users`, for seeding fixtures into an authenticated registry. */
export function pushUserOf(users: Readonly<Record<string, TestUser>>): Credentials | undefined {
  const entry = Object.entries(users).find(([, user]) => user.push);
  return entry ? { username: entry[0], password: entry[1].password } : undefined;
}

/** The ACL entry for `repository`: an exact key, else the longest `prefix/*` key, else `fallback`. */
export function aclFor(
  repository: string,
  acl: Readonly<Record<string, RepoAcl>>,
  fallback: RepoAcl = DEFAULT_ACL,
): RepoAcl {
  const exact = acl[repository];
  if (exact) return exact;
  let best: { length: number; entry: RepoAcl } | undefined;
  for (const [key, entry] of Object.entries(acl)) {
    if (!key.endsWith('/*')) continue;
    const prefix = key.slice(0, -1);
    if (repository.startsWith(prefix) && (!best || prefix.length > best.length)) {
      best = { length: prefix.length, entry };
    }
  }
  return best?.entry ?? fallback;
}

/** Whether `username` (undefined: anonymous) may pull under `entry`. */
export function mayPull(entry: RepoAcl, username: string | undefined): boolean {
  if (entry.anonymous) return true;
  if (username === undefined) return false;
  return entry.authenticated === true || (entry.users ?? []).includes(username) || mayPush(entry, username);
}

/** Whether `username` (undefined: anonymous) may push under `entry` (push users aside: they push everywhere). */
export function mayPush(entry: RepoAcl, username: string | undefined): boolean {
  return username !== undefined && (entry.push ?? []).includes(username);
}
