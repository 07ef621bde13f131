import { MigrationInterface, QueryRunner } from 'typeorm';

/** The figures of a `category_figures_delta` row, in its column order. */
const FIGURES = [
  'products',
  'active_products',
  'price_sum',
  'stock_units',
  'stock_value',
  'review_count',
  'rating_sum',
  'units_sold',
  'revenue',
];
const SUMS = FIGURES.join(', ');
const ZEROS = FIGURES.map(() => '0').join(', ');

/** What each summary row adds to its counted category, as in CreateCategoryFigures. */
const CONTRIBUTIONS: Record<string, Record<string, string>> = {
  inventory: {
    products: 'sign',
    active_products: 'sign * counted_active::int',
    price_sum: 'sign * counted_price * counted_active::int',
    stock_units: 'sign * quantity * counted_active::int',
    stock_value: 'sign * counted_price * quantity * counted_active::int',
  },
  product_rating: { review_count: 'sign * count', rating_sum: 'sign * sum' },
  product_sales: { units_sold: 'sign * units_sold', revenue: 'sign * revenue' },
};

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
const appendDeltas = (table: string, images: string) => {
  const figures = FIGURES.map((column) => {
    const expression = CONTRIBUTIONS[table][column];
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
const staticBody = (table: string) => `
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
const dynamicBody = (table: string) => `
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

async function replaceBodies(queryRunner: QueryRunner, body: (table: string) => string) {
  for (const table of Object.keys(CONTRIBUTIONS)) {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION ${table}_counts_into_category_figures() RETURNS trigger
      LANGUAGE plpgsql AS $$${body(table)}$$`);
  }
}
