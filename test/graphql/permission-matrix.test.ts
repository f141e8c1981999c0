import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { declareModules } from '../../src/graphql/schema.js';
import { modules } from '../../src/modules/registry.js';
import { adminEnv, asAdmin, userWithRole } from '../helpers/actors.js';
import { createPost } from '../helpers/operations.js';
import { LOGIN, PASSWORD, signUpUser, uniqueEmail, type GraphQLResponse, useTestApp } from '../helpers/test-app.js';
import { sessionIdOf } from '../helpers/token-claims.js';

// Every query and mutation × every kind of caller, through HTTP: the answer is data
// ('OK': no error and a non-null value for the operation's field), null ('NULL'), or
// the exact error code. A new query or mutation of a built-in module needs a row here (the
// last test says which are missing); the field a row checks is read from its document.
const BUILT_IN = new Set(['core', 'accounts', 'posts', 'audit']);
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
}

/** The top-level field an operation document selects (the one its row is about). */
function fieldOf(query: string): string {
  const operation = parse(query).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const selection = operation.selectionSet.selections[0]!;
  if (selection.kind !== Kind.FIELD) throw new Error(`the first selection of ${query} is not a field`);
  return selection.name.value;
}

/** 'OK', 'NULL', the error's reason (or its code), or what else came back. */
function answer(response: GraphQLResponse, field: string): string {
  const error = response.body.errors?.[0]?.extensions;
  if (error !== undefined) return String(error.reason ?? error.code);
  const value = response.body.data?.[field];
  if (value === null) return 'NULL';
  return value === undefined ? `no data for ${field}: ${JSON.stringify(response.body)}` : 'OK';
}

const all = (expected: Expected): Record<Role, Expected> => ({ anonymous: expected, VIEWER: expected, USER: expected, author: expected, ADMIN: expected });
const signedIn = (expected: Expected): Record<Role, Expected> => ({ ...all(expected), anonymous: 'TOKEN_MISSING' });

const OPERATIONS: Operation[] = [
  { name: 'me', query: '{ me { id } }', variables: () => ({}), expected: { ...all('OK'), anonymous: 'NULL' } },
  { name: 'mySessions', query: '{ mySessions { id } }', variables: () => ({}), expected: signedIn('OK') },
  { name: 'feed', query: '{ feed { totalCount } }', variables: () => ({}), expected: all('OK') },
  { name: 'post (published)', query: 'query ($id: ID!) { post(id: $id) { id } }', variables: (w) => ({ id: w.publishedId }), expected: all('OK') },
  { name: 'post (draft)', query: 'query ($id: ID!) { post(id: $id) { id } }', variables: (w) => ({ id: w.draftId }), expected: { anonymous: 'NULL', VIEWER: 'NULL', USER: 'NULL', author: 'OK', ADMIN: 'OK' } },
  { name: 'myPosts', query: '{ myPosts { totalCount } }', variables: () => ({}), expected: signedIn('OK') },
  { name: 'users', query: '{ users { totalCount } }', variables: () => ({}), expected: { anonymous: 'TOKEN_MISSING', VIEWER: 'FORBIDDEN', USER: 'FORBIDDEN', author: 'FORBIDDEN', ADMIN: 'OK' } },
  { name: 'signUp', query: 'mutation ($e: String!) { signUp(email: $e, password: "matrix password") { accessToken } }', variables: () => ({ e: uniqueEmail('matrix') }), expected: all('OK') },
  { name: 'login', query: LOGIN, variables: (w) => ({ email: w.loginEmail, password: PASSWORD }), expected: all('OK') },
  { name: 'refreshToken', query: 'mutation ($t: String!) { refreshToken(refreshToken: $t) { accessToken } }', variables: (w) => ({ t: w.refreshToken.author }), expected: all('OK') },
  { name: 'logout', query: 'mutation { logout }', variables: () => ({}), expected: signedIn('OK') },
  { name: 'revokeSession (own)', query: 'mutation ($id: ID!) { revokeSession(id: $id) }', variables: (w, r) => ({ id: w.sessionId[r] ?? randomUUID() }), expected: signedIn('OK') },
  { name: 'revokeSession (the author’s)', query: 'mutation ($id: ID!) { revokeSession(id: $id) }', variables: (w) => ({ id: w.sessionId.author }), expected: { anonymous: 'TOKEN_MISSING', VIEWER: 'NOT_FOUND', USER: 'NOT_FOUND', author: 'OK', ADMIN: 'NOT_FOUND' } },
  { name: 'changePassword', query: 'mutation { changePassword(currentPassword: "correct horse battery", newPassword: "another password") { accessToken } }', variables: () => ({}), expected: signedIn('OK') },
  { name: 'deleteAccount', query: 'mutation { deleteAccount(password: "correct horse battery") }', variables: () => ({}), expected: signedIn('OK') },
  { name: 'createPost', query: 'mutation { createPost(title: "t", body: "b") { id } }', variables: () => ({}), expected: { anonymous: 'TOKEN_MISSING', VIEWER: 'FORBIDDEN', USER: 'OK', author: 'OK', ADMIN: 'OK' } },
  ...(['updatePost', 'publishPost', 'deletePost'] as const).flatMap((mutation): Operation[] => {
    const args = mutation === 'updatePost' ? '(id: $id, title: "new")' : '(id: $id)';
    const selection = mutation === 'deletePost' ? '' : ' { id }';
    return [
      { name: `${mutation} (published)`, query: `mutation ($id: ID!) { ${mutation}${args}${selection} }`, variables: (w) => ({ id: w.publishedId }), expected: { anonymous: 'TOKEN_MISSING', VIEWER: 'FORBIDDEN', USER: 'FORBIDDEN', author: 'OK', ADMIN: 'OK' } },
      { name: `${mutation} (draft)`, query: `mutation ($id: ID!) { ${mutation}${args}${selection} }`, variables: (w) => ({ id: w.draftId }), expected: { anonymous: 'TOKEN_MISSING', VIEWER: 'FORBIDDEN', USER: 'NOT_FOUND', author: 'OK', ADMIN: 'OK' } },
    ];
  }),
  { name: 'setUserRole', query: 'mutation ($id: ID!) { setUserRole(userId: $id, role: VIEWER) { id } }', variables: (w) => ({ id: w.authorId }), expected: { anonymous: 'TOKEN_MISSING', VIEWER: 'FORBIDDEN', USER: 'FORBIDDEN', author: 'FORBIDDEN', ADMIN: 'OK' } },
  { name: 'setUserDisabled', query: 'mutation ($id: ID!) { setUserDisabled(userId: $id, disabled: true) { id } }', variables: (w) => ({ id: w.authorId }), expected: { anonymous: 'TOKEN_MISSING', VIEWER: 'FORBIDDEN', USER: 'FORBIDDEN', author: 'FORBIDDEN', ADMIN: 'OK' } },
  { name: 'revokeUserSessions', query: 'mutation ($id: ID!) { revokeUserSessions(userId: $id) }', variables: (w) => ({ id: w.authorId }), expected: { anonymous: 'TOKEN_MISSING', VIEWER: 'FORBIDDEN', USER: 'FORBIDDEN', author: 'FORBIDDEN', ADMIN: 'OK' } },
  { name: 'auditEvents', query: '{ auditEvents { totalCount } }', variables: () => ({}), expected: { anonymous: 'TOKEN_MISSING', VIEWER: 'FORBIDDEN', USER: 'FORBIDDEN', author: 'FORBIDDEN', ADMIN: 'OK' } },
  { name: 'mySecurityEvents', query: '{ mySecurityEvents { totalCount } }', variables: () => ({}), expected: signedIn('OK') },
];

const ROLES: Role[] = ['anonymous', 'VIEWER', 'USER', 'author', 'ADMIN'];
const app = useTestApp(adminEnv(uniqueEmail('matrix-admin')));

/** Fresh callers and posts for each case, so destructive operations cannot leak. */
async function world(): Promise<World> {
  const root = (await asAdmin(app)).accessToken;
  const [author, viewer, user, admin] = await Promise.all([
    signUpUser(app),
    userWithRole(app, 'VIEWER', root),
    signUpUser(app),
    userWithRole(app, 'ADMIN', root),
  ]);
  const draftId = await createPost(app, author.accessToken);
  const publishedId = await createPost(app, author.accessToken, { publish: true });
  return {
    token: { anonymous: undefined, VIEWER: viewer.accessToken, USER: user.accessToken, author: author.accessToken, ADMIN: admin.accessToken },
    refreshToken: { anonymous: undefined, VIEWER: viewer.refreshToken, USER: user.refreshToken, author: author.refreshToken, ADMIN: admin.refreshToken },
    sessionId: { anonymous: undefined, VIEWER: sessionIdOf(viewer.accessToken), USER: sessionIdOf(user.accessToken), author: sessionIdOf(author.accessToken), ADMIN: sessionIdOf(admin.accessToken) },
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
    const field = fieldOf(operation.query);
    const response = await app.graphql(operation.query, operation.variables(w, role), w.token[role] === undefined ? {} : { token: w.token[role]! });
    expect(answer(response, field)).toBe(expected);
    if (expected === 'NULL') expect(response.body).toEqual({ data: { [field]: null } });
  });

  it("does not count an answer without the operation's data as 'OK'", () => {
    const response = (body: GraphQLResponse['body']): GraphQLResponse => ({ status: 200, headers: new Headers(), body });
    expect(answer(response({ data: { me: { id: '1' } } }), 'me')).toBe('OK');
    expect(answer(response({ data: { logout: false } }), 'logout')).toBe('OK');
    expect(answer(response({ data: { me: null } }), 'me')).toBe('NULL');
    expect(answer(response({ data: null }), 'me')).toMatch(/^no data for me/);
    expect(answer(response({}), 'me')).toMatch(/^no data for me/);
    expect(answer(response({ data: { me: null }, errors: [{ message: 'x', extensions: { code: 'FORBIDDEN' } }] }), 'me')).toBe('FORBIDDEN');
    expect(fieldOf('mutation ($id: ID!) { revokeSession(id: $id) }')).toBe('revokeSession');
  });

  it('covers every query and mutation of the built-in modules', () => {
    // A module added later brings its own tests; this matrix is the built-in modules'.
    const { ruleOwners } = declareModules(modules);
    const names = Object.entries(ruleOwners)
      .filter(([field, owner]) => /^(Query|Mutation)\./.test(field) && BUILT_IN.has(owner))
      .map(([field]) => field.split('.')[1]!);
    const covered = new Set(OPERATIONS.map((operation) => fieldOf(operation.query)));
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((name: string) => !covered.has(name))).toEqual([]);
  });
});
