import { MigrationInterface, QueryRunner } from 'typeorm';
import { CONTRIBUTIONS, FIGURES, SUMS, ZEROS } from './1764600700000-CreateCategoryFigures';

/** The row images of each event's transition tables: 1 for a new image, -1 for an old one. */
const IMAGES = {
  INSERT: 'SELECT 1 AS sign, * FROM new_rows',
  DELETE: 'SELECT -1 AS sign, * FROM old_rows',
  UPDATE: 'SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1, * FROM old_rows',
};

/**
 * The statement appending the deltas of `table`'s row images `images`. Laid out as the previous
 * functions have it, so that `down` gives them back character for character.
 */
const appendDeltas = (table: keyof typeof CONTRIBUTIONS, images: string) => {
  const figures = FIGURES.map((column) => {
    const expression = (CONTRIBUTIONS[table] as Record<string, string>)[column];
    return expression ? `sum(${expression})` : '0';
  });
  return `INSERT INTO category_figures_delta (category_id, ${SUMS})
            SELECT * FROM (
              SELECT counted_category_id, ${figures.join(', ')}
              FROM (${images}) image
              WHERE counted_category_id IS NOT NULL
              GROUP BY counted_category_id
            ) delta (category_id, ${SUMS})
            WHERE (${SUMS}) IS DISTINCT FROM (${ZEROS})`;
};

/**
 * The statement of each event written out, so PL/pgSQL plans it once per trigger and keeps the
 * plan: a trigger function is compiled per trigger, and a statement is planned when first run,
 * so each trigger only ever plans the branch whose transition tables it has.
 */
const staticBody = (table: keyof typeof CONTRIBUTIONS) => `
  BEGIN
    IF TG_OP = 'INSERT' THEN
      ${appendDeltas(table, IMAGES.INSERT)};
    ELSIF TG_OP = 'DELETE' THEN
      ${appendDeltas(table, IMAGES.DELETE)};
    ELSE
      ${appendDeltas(table, IMAGES.UPDATE)};
    END IF;
    RETURN NULL;
  END `;

/** The previous body: one statement for all events, built as text and planned anew by EXECUTE. */
const dynamicBody = (table: keyof typeof CONTRIBUTIONS) => `
        DECLARE
          images text := CASE TG_OP
            WHEN 'INSERT' THEN '${IMAGES.INSERT}'
            WHEN 'DELETE' THEN '${IMAGES.DELETE}'
            ELSE '${IMAGES.UPDATE}' END;
        BEGIN
          EXECUTE '${appendDeltas(table, "' || images || '")}';
          RETURN NULL;
        END `;

/**
 * The triggers appending category figure deltas (see CreateCategoryFigures) run static statements
 * instead of EXECUTE, which planned the statement anew on every stock change, review and sale.
 * Same statements, same deltas; the triggers keep their functions.
 */
export class StaticCategoryFiguresTriggers1764601100000 implements MigrationInterface {
  name = 'StaticCategoryFiguresTriggers1764601100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await replaceBodies(queryRunner, staticBody);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await replaceBodies(queryRunner, dynamicBody);
  }
}

async function replaceBodies(
  queryRunner: QueryRunner,
  body: (table: keyof typeof CONTRIBUTIONS) => string,
) {
  for (const table of Object.keys(CONTRIBUTIONS) as (keyof typeof CONTRIBUTIONS)[]) {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION ${table}_counts_into_category_figures() RETURNS trigger
      LANGUAGE plpgsql AS $$${body(table)}$$`);
  }
}
