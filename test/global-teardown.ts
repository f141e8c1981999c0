import { rm } from 'node:fs/promises';
import pg from 'pg';

export default async function globalTeardown(): Promise<void> {
  const templateDir = process.env.GATEHOUSE_TEST_TEMPLATE_DIR;
  if (templateDir !== undefined) await rm(templateDir, { recursive: true, force: true });
  const server = process.env.DATABASE_URL;
  const template = process.env.GATEHOUSE_TEST_PG_TEMPLATE;
  if (server !== undefined && template !== undefined) await dropRunDatabases(server, template);
}

/** The PostgreSQL pass's template and whatever copies of it a failed test left behind. */
async function dropRunDatabases(server: string, template: string): Promise<void> {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      `select datname from pg_database where datname = $1 or datname like $2 order by datname desc`,
      [template, `${template}\\_%`],
    );
    for (const { datname } of rows) {
      // One the server's autovacuum still holds (the test role may not end it) is left
      // for the next run's operator: a warning, not a failed run.
      await client.query(`drop database if exists ${datname} with (force)`).catch((error: Error) => {
        console.warn(`Could not drop the test database ${datname}: ${error.message}`);
      });
    }
  } finally {
    await client.end();
  }
}
