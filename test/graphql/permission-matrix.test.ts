import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import jwt from 'jsonwebtoken';
import { LOGIN, PASSWORD, outcome, signUpUser, startTestApp, uniqueEmail, type TestApp } from '../helpers/test-app.js';

// Every query and mutation × every kind of caller, through HTTP: the answer is data
// ('OK'), null ('NULL'), or the exact error code.
type Role = 'anonymous' | 'VIEWER' | 'USER' | 'author' | 'ADMIN';
type Expected = 'OK' | 'NULL' | 'TOKEN_MISSING' | 'FORBIDDEN' | 'NOT_FOUND';

interface World {
  token: Record<Role, string | undefined>;
  refreshToken: Record<Role, string | undefined>;
  password: string;
  sessionId: Record<Role, string | undefined>;
  draftId: string;
  publishedId: string;
  authorId: string;
  loginEmail: string;
}

interface Operation {
  name: string;
  query: string;
  variables: (world: World, role: Role) => Record<string, unknown>;
  expected: Record<Role, Expected>;
  /** The field whose value is checked for 'NULL'. */
  field: string;
}

const all = (expected: Expected): Record<Role, Expected> => ({ anonymous: expected, VIEWER: expected, USER: expected, author: expected, ADMIN: expected });
const signedIn = (expected: Expected): Record<Role, Expected> => ({ ...all(expected), anonymous: 'TOKEN_MISSING' });

const OPERATIONS: Operation[] = [
  { name: 'me', field: 'me', query: '{ me { id } }', variables: () => ({}), expected: { ...all('OK'), anonymous: 'NULL' } },
  { name: 'mySessions', field: 'mySessions', query: '{ mySessions { id } }', variables: () => ({}), expected: signedIn('OK') },
  { name: 'feed', field: 'feed', query: '{ feed { totalCount } }', variables: () => ({}), expected: all('OK') },
  { name: 'post (published)', field: 'post', query: 'query ($id: ID!) { post(id: $id) { id } }', variables: (w) => ({ id: w.publishedId }), expected: all('OK') },
  { name: 'post (draft)', field: 'post', query: 'query ($id: ID!) { post(id: $id) { id } }', variables: (w) => ({ id: w.draftId }), expected: { anonymous: 'NULL', VIEWER: 'NULL', USER: 'NULL', author: 'OK', ADMIN: 'OK' } },
  { name: 'myPosts', field: 'myPosts', query: '{ myPosts { totalCount } }', variables: () => ({}), expected: signedIn('OK') },
  { name: 'users', field: 'users', query: '{ users { totalCount } }', variables: () => ({}), expected: { anonymous: 'TOKEN_MISSING', VIEWER: 'FORBIDDEN', USER: 'FORBIDDEN', author: 'FORBIDDEN', ADMIN: 'OK' } },
  { name: 'signUp', field: 'signUp', query: 'mutation ($e: String!) { signUp(email: $e, password: "matrix password") { accessToken } }', variables: () => ({ e: uniqueEmail('matrix') }), expected: all('OK') },
  { name: 'login', field: 'login', query: LOGIN, variables: (w) => ({ email: w.loginEmail, password: PASSWORD }), expected: all('OK') },
  { name: 'refreshToken', field: 'refreshToken', query: 'mutation ($t: String!) { refreshToken(refreshToken: $t) { accessToken } }', variables: (w) => ({ t: w.refreshToken.author }), expected: all('OK') },
  { name: 'logout', field: 'logout', query: 'mutation { logout }', variables: () => ({}), expected: signedIn('OK') },
  { name: 'revokeSession (own)', field: 'revokeSession', query: 'mutation ($id: ID!) { revokeSession(id: $id) }', variables: (w, r) => ({ id: w.sessionId[r] ?? randomUUID() }), expected: signedIn('OK') },
  { name: 'revokeSession (the author’s)', field: 'revokeSession', query: 'mutation ($id: ID!) { revokeSession(id: $id) }', variables: (w) => ({ id: w.sessionId.author }), expected: { anonymous: 'TOKEN_MISSING', VIEWER: 'NOT_FOUND', USER: 'NOT_FOUND', author: 'OK', ADMIN: 'NOT_FOUND' } },
  { name: 'changePassword', field: 'changePassword', query: 'mutation { changePassword(currentPassword: "correct horse battery", newPassword: "another password") { accessToken } }', variables: () => ({}), expected: signedIn('OK') },
  { name: 'deleteAccount', field: 'deleteAccount', query: 'mutation { deleteAccount(password: "correct horse battery") }', variables: () => ({}), expected: signedIn('OK') },
  { name: 'createPost', field: 'createPost', query: 'mutation { createPost(title: "t", body: "b") { id } }', variables: () => ({}), expected: { anonymous: 'TOKEN_MISSING', VIEWER: 'FORBIDDEN', USER: 'OK', author: 'OK', ADMIN: 'OK' } },
  ...(['updatePost', 'publishPost', 'deletePost'] as const).flatMap((mutation): Operation[] => {
    const args = mutation === 'updatePost' ? '(id: $id, title: "new")' : '(id: $id)';
    const selection = mutation === 'deletePost' ? '' : ' { id }';
    return [
      { name: `${mutation} (published)`, field: mutation, query: `mutation ($id: ID!) { ${mutation}${args}${selection} }`, variables: (w) => ({ id: w.publishedId }), expected: { anonymous: 'TOKEN_MISSING', VIEWER: 'FORBIDDEN', USER: 'FORBIDDEN', author: 'OK', ADMIN: 'OK' } },
      { name: `${mutation} (draft)`, field: mutation, query: `mutation ($id: ID!) { ${mutation}${args}${selection} }`, variables: (w) => ({ id: w.draftId }), expected: { anonymous: 'TOKEN_MISSING', VIEWER: 'FORBIDDEN', USER: 'NOT_FOUND', author: 'OK', ADMIN: 'OK' } },
    ];
  }),
  { name: 'setUserRole', field: 'setUserRole', query: 'mutation ($id: ID!) { setUserRole(userId: $id, role: VIEWER) { id } }', variables: (w) => ({ id: w.authorId }), expected: { anonymous: 'TOKEN_MISSING', VIEWER: 'FORBIDDEN', USER: 'FORBIDDEN', author: 'FORBIDDEN', ADMIN: 'OK' } },
];

const ROLES: Role[] = ['anonymous', 'VIEWER', 'USER', 'author', 'ADMIN'];
let app: TestApp;
let adminEmail: string;

beforeAll(async () => {
  adminEmail = uniqueEmail('matrix-admin');
  app = await startTestApp({ ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: PASSWORD });
});
afterAll(() => app?.stop());

/** Fresh callers and posts for each case, so destructive operations cannot leak. */
async function world(): Promise<World> {
  const [author, viewer, user, admin] = await Promise.all([signUpUser(app), signUpUser(app), signUpUser(app), signUpUser(app)]);
  const root = (await app.graphql(LOGIN, { email: adminEmail, password: PASSWORD })).body.data!.login.accessToken;
  const setRole = 'mutation ($id: ID!, $role: Role!) { setUserRole(userId: $id, role: $role) { id } }';
  await app.graphql(setRole, { id: viewer.user.id, role: 'VIEWER' }, { token: root });
  await app.graphql(setRole, { id: admin.user.id, role: 'ADMIN' }, { token: root });
  const create = 'mutation { createPost(title: "t", body: "b") { id } }';
  const draftId = (await app.graphql(create, {}, { token: author.accessToken })).body.data!.createPost.id;
  const publishedId = (await app.graphql(create, {}, { token: author.accessToken })).body.data!.createPost.id;
  await app.graphql('mutation ($id: ID!) { publishPost(id: $id) { id } }', { id: publishedId }, { token: author.accessToken });
  const sid = (token: string) => (jwt.decode(token) as { sid: string }).sid;
  return {
    token: { anonymous: undefined, VIEWER: viewer.accessToken, USER: user.accessToken, author: author.accessToken, ADMIN: admin.accessToken },
    refreshToken: { anonymous: undefined, VIEWER: viewer.refreshToken, USER: user.refreshToken, author: author.refreshToken, ADMIN: admin.refreshToken },
    sessionId: { anonymous: undefined, VIEWER: sid(viewer.accessToken), USER: sid(user.accessToken), author: sid(author.accessToken), ADMIN: sid(admin.accessToken) },
    password: PASSWORD,
    draftId,
    publishedId,
    authorId: author.user.id,
    loginEmail: user.email,
  };
}

describe('the permission matrix', () => {
  const cases = OPERATIONS.flatMap((operation) => ROLES.map((role) => [operation.name, role, operation.expected[role], operation] as const));

  it.each(cases)('%s as %s → %s', async (_name, role, expected, operation) => {
    const w = await world();
    const response = await app.graphql(operation.query, operation.variables(w, role), w.token[role] === undefined ? {} : { token: w.token[role]! });
    const result = outcome(response);
    if (expected === 'OK') expect(result).toBe('OK');
    else if (expected === 'NULL') expect(response.body).toEqual({ data: { [operation.field]: null } });
    else expect((result as { code: string; reason?: string }).reason ?? (result as { code: string }).code).toBe(expected);
  });

  it('covers every query and mutation of the schema', async () => {
    const { body } = await app.graphql('{ __schema { queryType { fields { name } } mutationType { fields { name } } } }');
    const names = [...body.data!.__schema.queryType.fields, ...body.data!.__schema.mutationType.fields].map((f: { name: string }) => f.name);
    const covered = new Set(OPERATIONS.map((operation) => operation.field));
    expect(names.filter((name: string) => !covered.has(name))).toEqual([]);
  });
});
