import { desc, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';

/** Newest-first keyset paging over (orderColumn, id) of one table. */
export interface Keyset {
  /** The condition for rows after the row with this id; undefined for the first page. */
  after(afterId: string | null): SQL | undefined;
  /** ORDER BY orderColumn DESC, id DESC. */
  readonly orderBy: readonly SQL[];
}

/**
 * Keyset pagination (no OFFSET: a page costs the same however deep it is): rows whose
 * (orderColumn, id) sorts before the cursor row's. Inside the subquery the table's name
 * refers to the subquery's own FROM, so the comparison reads the cursor row.
 */
export function keyset(table: PgTable, orderColumn: PgColumn, idColumn: PgColumn): Keyset {
  return {
    after: (afterId) =>
      afterId === null
        ? undefined
        : sql`(${orderColumn}, ${idColumn}) < (select ${orderColumn}, ${idColumn} from ${table} where ${idColumn} = ${afterId})`,
    orderBy: [desc(orderColumn), desc(idColumn)],
  };
}
