import { getTableColumns, getTableName, sql } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import type { Db } from "./database.js";

/** A transaction or the database itself: anything that can run a statement. */
type Executor = Pick<Db, "execute">;

/**
 * Inserts many rows as one statement with one parameter: the rows as a JSON array, expanded by
 * PostgreSQL's `json_populate_recordset` into the table's own row type (so each value is cast by
 * its column's type, exactly as a typed insert would).
 *
 * Why not drizzle's `insert().values(rows)`: it builds a placeholder and a mapped value per cell,
 * and for 1,000 photos of 24 columns that query building cost more than the database's own work
 * (most of a 1,000-file job's creation time on PGlite). Here the cost is one `JSON.stringify`.
 *
 * Only the columns of `columns` are written; the others take their defaults, as with an insert
 * that leaves them out. Values are what the insert would get: Dates become ISO strings (timestamptz
 * parses them), numbers and strings stay, null stays null.
 */
export async function insertRowsAsJson<T extends PgTable>(
  db: Executor,
  table: T,
  columns: readonly (keyof T["$inferInsert"] & string)[],
  rows: readonly T["$inferInsert"][],
): Promise<void> {
  if (rows.length === 0) return;
  const all = getTableColumns(table) as Record<string, { name: string }>;
  const names = columns.map((key) => {
    const column = all[key];
    if (!column) throw new Error(`${getTableName(table)} has no column ${key}`);
    return column.name;
  });
  const json = JSON.stringify(
    rows.map((row) => {
      const record: Record<string, unknown> = {};
      for (let i = 0; i < columns.length; i++) {
        const value = (row as Record<string, unknown>)[columns[i] as string];
        record[names[i] as string] = value instanceof Date ? value.toISOString() : (value ?? null);
      }
      return record;
    }),
  );
  const list = sql.raw(names.map((n) => `"${n}"`).join(", "));
  const name = sql.raw(`"${getTableName(table)}"`);
  await db.execute(
    sql`insert into ${name} (${list}) select ${list} from json_populate_recordset(null::${name}, ${json}::json)`,
  );
}
