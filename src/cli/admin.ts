import { randomUUID } from 'node:crypto';
import { text } from 'node:stream/consumers';
import { parseArgs } from 'node:util';
import { createPasswordHasher } from '../auth/password.js';
import { createSessionStore } from '../auth/session-store.js';
import { sessionsRevoked } from '../auth/sessions-revoked.js';
import { configFromEnvOrExit } from './config-from-env.js';
import { openDatabase } from '../db/database.js';
import { AppError } from '../errors.js';
import { isRole, ROLES, type Role } from '../users/roles.js';
import { checkNewPassword, parseEmail, parseName } from '../users/user-input.js';
import { screenNewPassword } from '../auth/password-screening.js';
import { setUserRole } from '../users/user-admin.js';
import { userChanged } from '../users/user-changed.js';
import { createUserRepository } from '../users/user-repository.js';

// The audit trail's origin for what an operator does from the command line: no request.
const CLI_ORIGIN = { clientIp: null, userAgent: 'npm run admin' };

// `npm run admin -- <command>`: user administration against the configured database.
const HELP = `Usage: npm run admin -- <command> [options]

Commands:
  create-user --email <email> --password-stdin [--name <name>] [--role ${ROLES.join('|')}]
      Create a user; the password is read from standard input (never from the command
      line, where it would show in the process list and shell history).
  set-role --email <email> --role ${ROLES.join('|')}
      Set a user's role; it applies to the user's next request, also on running servers
      sharing a PostgreSQL database.
  revoke-sessions --email <email>
      End every session of a user: their tokens stop working within a second.

The database is the one the server would use (DATABASE_URL, or the embedded one under
DATA_DIR, which only one process may open: stop the server first).

Examples:
  printf '%s' "$PASSWORD" | npm run admin -- create-user --email ann@example.com --password-stdin --role ADMIN
  npm run admin -- set-role --email ann@example.com --role VIEWER
  npm run admin -- revoke-sessions --email ann@example.com`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<string> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command] = positionals;
  if (values.help || command === undefined || command === 'help') return HELP;
  if (!['create-user', 'set-role', 'revoke-sessions'].includes(command)) {
    throw new UsageError(`Unknown command "${command}". See --help.`);
  }
  if (values.email === undefined) throw new UsageError('--email is required.');
  const email = parseEmail(values.email);
  const role = values.role;
  if (role !== undefined && !isRole(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}.`);
  if (command === 'set-role' && role === undefined) throw new UsageError('--role is required.');
  let password: string | undefined;
  if (command === 'create-user') {
    if (!values['password-stdin']) throw new UsageError('create-user needs --password-stdin.');
    password = (await text(process.stdin)).replace(/\r?\n$/, '');
    checkNewPassword(password, 'password');
    screenNewPassword(password, email, 'password');
  }

  const config = configFromEnvOrExit();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await database.migrate();
    const users = createUserRepository(database.db);
    if (command === 'create-user') {
      const passwords = await createPasswordHasher();
      const user = await users.insert({
        id: randomUUID(),
        email,
        name: parseName(values.name),
        passwordHash: await passwords.hash(password!),
      });
      if (user === null) throw new UsageError(`${email} is already registered.`);
      if (role !== undefined && role !== 'USER') await users.setRole(user.id, role as Role);
      return `Created ${email} (${role ?? 'USER'}), id ${user.id}.`;
    }
    const found = await users.findCredentialsByEmail(email);
    if (found === null) throw new UsageError(`No user has the email ${email}.`);
    const userId = found.user.id;
    if (command === 'set-role') {
      await setUserRole(
        { users, onUserChanged: (id) => database.changes.publish(userChanged, { userId: id }) },
        userId,
        role as Role,
        { userId: null, origin: CLI_ORIGIN },
      );
      return `${email} is now ${role}.`;
    }
    // The store's onRevoked does not wait; this process exits next, so publish and await here.
    const sessions = createSessionStore(database.db, {
      refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
      refreshReuseGraceSeconds: config.refreshReuseGraceSeconds,
      maxLifetimeSeconds: config.sessionMaxLifetimeSeconds,
      onRevoked: () => {},
      onAssuranceChanged: async () => {},
    });
    const revoked = await sessions.revokeAllOfUser(userId, 'admin_revoked', undefined, {
      kind: 'SESSION_REVOKED',
      userId,
      origin: CLI_ORIGIN,
    });
    if (revoked.length > 0) await database.changes.publish(sessionsRevoked, { sessionIds: revoked });
    return `Revoked ${revoked.length} session(s) of ${email}.`;
  } finally {
    await database.close();
  }
}

try {
  console.log(await main(process.argv.slice(2)));
} catch (error) {
  if (error instanceof UsageError || error instanceof AppError || error instanceof TypeError) {
    console.error(error.message);
  } else {
    console.error(`Failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exitCode = 1;
}
