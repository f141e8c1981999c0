import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { sql, type SQL } from 'drizzle-orm';
import { openDatabase, type Database } from '../../src/db/database.js';
import { removeTempDir } from '../helpers/data-dir.js';
import { signUpUser, startTestApp } from '../helpers/test-app.js';

// PGlite and node-postgres both answer execute() with { rows }.
type Rows<T> = { rows: T[] };
const query = async <T>(database: Database, statement: SQL) =>
  (await database.db.execute(statement)) as unknown as Rows<T>;

describe('what the database keeps', () => {
  it('stores the refresh token only as its SHA-256 hash, and the password only as argon2id', async () => {
    const app = await startTestApp();
    const user = await signUpUser(app);
    await app.stop({ keepDataDir: true });

    // Reopen what the server wrote: the same embedded directory, or the same PostgreSQL.
    const database = await openDatabase({ databaseUrl: app.databaseUrl, dataDir: app.dataDir });
    try {
      const tokens = await query<{ token_hash: string }>(database, sql`
        select t.token_hash from refresh_tokens t join sessions s on s.id = t.session_id
        where s.user_id = ${user.user.id}`);
      const expectedHash = createHash('sha256').update(user.refreshToken).digest('base64url');
      expect(tokens.rows).toEqual([{ token_hash: expectedHash }]);

      const users = await query<Record<string, unknown>>(database, sql`select * from users where id = ${user.user.id}`);
      const row = JSON.stringify(users.rows);
      expect(row).not.toContain(user.password);
      expect(users.rows[0]!.password_hash).toMatch(/^\$argon2id\$/);

      const everything = await query(database, sql`
        select row_to_json(s)::text as json from sessions s where s.user_id = ${user.user.id}`);
      expect(JSON.stringify(everything.rows)).not.toContain(user.refreshToken);
    } finally {
      await database.close();
      await removeTempDir(app.dataDir);
    }
  });
});
