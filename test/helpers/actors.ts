import { SET_USER_ROLE } from './operations.js';
import { LOGIN, signUpUser, uniqueEmail, type GraphQLTarget, type TestApp } from './test-app.js';

export type Role = 'ADMIN' | 'USER' | 'VIEWER';

export interface LoggedIn {
  accessToken: string;
  refreshToken: string;
  user: { id: string; email: string; role: Role };
}

export const ADMIN_PASSWORD = 'admin password 1';

/** ADMIN_EMAIL and ADMIN_PASSWORD for startTestApp, which then bootstraps that admin. */
export function adminEnv(email = uniqueEmail('admin')): { ADMIN_EMAIL: string; ADMIN_PASSWORD: string } {
  return { ADMIN_EMAIL: email, ADMIN_PASSWORD };
}

/** Logs in (a new session) and returns the login payload; throws when login fails. */
export async function logIn(app: GraphQLTarget, email: string, password: string): Promise<LoggedIn> {
  const response = await app.graphql(LOGIN, { email, password });
  const payload = response.body.data?.login as LoggedIn | undefined;
  if (payload == null) throw new Error(`login as ${email} failed: ${JSON.stringify(response.body)}`);
  return payload;
}

/** Logs in as the admin the app bootstrapped from its ADMIN_EMAIL / ADMIN_PASSWORD (see adminEnv). */
export function asAdmin(app: TestApp): Promise<LoggedIn> {
  const { ADMIN_EMAIL: email, ADMIN_PASSWORD: password } = app.env;
  if (email === undefined || password === undefined) throw new Error('asAdmin: start the app with adminEnv()');
  return logIn(app, email, password);
}

/** Gives a user a role, as the admin whose token is given; throws when that fails. */
export async function setRole(app: GraphQLTarget, adminToken: string, userId: string, role: Role): Promise<void> {
  const response = await app.graphql(SET_USER_ROLE, { userId, role }, { token: adminToken });
  if (response.body.data?.setUserRole?.role !== role) throw new Error(`setUserRole failed: ${JSON.stringify(response.body)}`);
}

/**
 * Signs up a fresh user and gives it the role (as the app's admin, or the admin token given);
 * its tokens, issued at sign-up, stay valid.
 */
export async function userWithRole(app: TestApp, role: Role, adminToken?: string): Promise<Awaited<ReturnType<typeof signUpUser>>> {
  const user = await signUpUser(app);
  if (role === 'USER') return user;
  await setRole(app, adminToken ?? (await asAdmin(app)).accessToken, user.user.id, role);
  return { ...user, user: { ...user.user, role } };
}
