import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The figures a category's own products add to its reports (CategoryReport, without min and max).
 * Exported for StaticCategoryFiguresTriggers, which rewrites the triggers built from them (strings
 * only: TypeORM takes every exported function of a migration file for a migration).
 */
export const FIGURES = [
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
const MONEY = ['price_sum', 'stock_value', 'revenue'];
export const SUMS = FIGURES.join(', ');
export const ZEROS = FIGURES.map(() => '0').join(', ');
const SUM_COLUMNS = FIGURES.map(
  (column) => `"${column}" ${MONEY.includes(column) ? 'numeric' : 'bigint'} NOT NULL`,
).join(', ');

/**
 * What each summary row adds to its counted category, as `sign` (1 for a row's new image, -1 for
 * its old one) times the figures; the other figures are 0.
 */
export const CONTRIBUTIONS = {
  inventory: {
    products: 'sign',
    active_products: 'sign * counted_active::int',
    price_sum: 'sign * counted_price * counted_active::int',
    stock_units: 'sign * quantity * counted_active::int',
    stock_value: 'sign * counted_price * quantity * counted_active::int',
  },
  product_rating: { review_count: 'sign * count', rating_sum: 'sign * sum' },
  product_sales: { units_sold: 'sign * units_sold', revenue: 'sign * revenue' },
} as const;

const EVENTS = [
  ['insert', 'INSERT', 'NEW TABLE AS new_rows'],
  ['update', 'UPDATE', 'NEW TABLE AS new_rows OLD TABLE AS old_rows'],
  ['delete', 'DELETE', 'OLD TABLE AS old_rows'],
] as const;

/**
 * Category report figures kept by the writes, so that a report reads one row per category instead
 * of every product of the subtree.
 *
 * - The per-product summaries (`inventory`, `product_rating`, `product_sales`) carry the category
 *   (and, for stock, the price and active flag) their figures are counted under: a product update
 *   that changes them rewrites those copies, and every change of a summary row appends what it
 *   added or took away to `category_figures_delta`, from the row's old and new images. A copy
 *   changes only under its row's lock, the one a stock, review or sale change also takes, so the
 *   two are ordered and each delta is exact; a first review or sale reads its category from the
 *   inventory row under a share lock, which a product update's exclusive lock waits for.
 * - Deltas are only ever appended (no hot row, no lock between orders); the service folds them
 *   into `category_figures` (one row per category, made with it) now and then
 *   (ReportsRepository.fold), and a report adds the ones still pending: base plus pending is
 *   exact in every snapshot.
 * - Minimum and maximum prices cannot be taken apart by deltas: the fold stores them as of its
 *   snapshot, and a report reads them from the products for the categories with pending deltas.
 */
export class CreateCategoryFigures1764600700000 implements MigrationInterface {
  name = 'CreateCategoryFigures1764600700000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "inventory" ADD "counted_category_id" bigint,
        ADD "counted_price" numeric(12,2), ADD "counted_active" boolean`);
    await queryRunner.query(`
      UPDATE "inventory" i SET "counted_category_id" = p.category_id,
        "counted_price" = p.price, "counted_active" = p.is_active
      FROM "product" p WHERE p.id = i.product_id`);
    await queryRunner.query(`
      ALTER TABLE "inventory" ALTER "counted_price" SET NOT NULL, ALTER "counted_active" SET NOT NULL`);
    for (const table of ['product_rating', 'product_sales']) {
      await queryRunner.query(`ALTER TABLE "${table}" ADD "counted_category_id" bigint`);
      await queryRunner.query(`
        UPDATE "${table}" s SET "counted_category_id" = p.category_id
        FROM "product" p WHERE p.id = s.product_id`);
    }

    await queryRunner.query(`
      CREATE TABLE "category_figures" (
        "category_id" bigint NOT NULL,
        ${SUM_COLUMNS},
        "min_price" numeric(12,2),
        "max_price" numeric(12,2),
        CONSTRAINT "category_figures_pkey" PRIMARY KEY ("category_id"),
        CONSTRAINT "category_figures_counts_in_range" CHECK ("active_products" >= 0
          AND "active_products" <= "products" AND "stock_units" >= 0 AND "review_count" >= 0
          AND "rating_sum" >= "review_count" AND "rating_sum" <= 5 * "review_count"
          AND "units_sold" >= 0 AND "revenue" >= 0),
        CONSTRAINT "category_figures_category_id_fkey" FOREIGN KEY ("category_id")
          REFERENCES "category"("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    // No foreign key: a delta of a category deleted meanwhile is dropped by the next fold.
    await queryRunner.query(`
      CREATE TABLE "category_figures_delta" (
        "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        "category_id" bigint NOT NULL,
        ${SUM_COLUMNS},
        CONSTRAINT "category_figures_delta_pkey" PRIMARY KEY ("id")
      )`);

    // One row per category, made with it (as inventory is made with a product), so a fold only
    // ever updates.
    await queryRunner.query(`
      CREATE FUNCTION create_category_figures() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO category_figures (category_id, ${SUMS})
        SELECT id, ${ZEROS} FROM inserted_category;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "category_creates_category_figures"
      AFTER INSERT ON "category" REFERENCING NEW TABLE AS inserted_category
      FOR EACH STATEMENT EXECUTE FUNCTION create_category_figures()`);

    for (const [table, contribution] of Object.entries(CONTRIBUTIONS)) {
      const figures = FIGURES.map((column) => {
        const expression = (contribution as Record<string, string>)[column];
        return expression ? `sum(${expression})` : '0';
      });
      // The trigger's row images: transition tables are visible to EXECUTE.
      await queryRunner.query(`
        CREATE FUNCTION ${table}_counts_into_category_figures() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
          images text := CASE TG_OP
            WHEN 'INSERT' THEN 'SELECT 1 AS sign, * FROM new_rows'
            WHEN 'DELETE' THEN 'SELECT -1 AS sign, * FROM old_rows'
            ELSE 'SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1, * FROM old_rows' END;
        BEGIN
          EXECUTE 'INSERT INTO category_figures_delta (category_id, ${SUMS})
            SELECT * FROM (
              SELECT counted_category_id, ${figures.join(', ')}
              FROM (' || images || ') image
              WHERE counted_category_id IS NOT NULL
              GROUP BY counted_category_id
            ) delta (category_id, ${SUMS})
            WHERE (${SUMS}) IS DISTINCT FROM (${ZEROS})';
          RETURN NULL;
        END $$`);
      for (const [name, event, images] of EVENTS) {
        await queryRunner.query(`
          CREATE TRIGGER "${table}_${name}_counts_into_category_figures"
          AFTER ${event} ON "${table}" REFERENCING ${images}
          FOR EACH STATEMENT EXECUTE FUNCTION ${table}_counts_into_category_figures()`);
      }
    }

    // A product's first review or sale is counted under the category on its inventory row, read
    // under a share lock: a product update changing that category waits for it, or it for the update.
    await queryRunner.query(`
      CREATE FUNCTION take_counted_category() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        SELECT counted_category_id INTO NEW.counted_category_id
        FROM inventory WHERE product_id = NEW.product_id FOR SHARE;
        RETURN NEW;
      END $$`);
    for (const table of ['product_rating', 'product_sales']) {
      await queryRunner.query(`
        CREATE TRIGGER "${table}_takes_counted_category" BEFORE INSERT ON "${table}"
        FOR EACH ROW EXECUTE FUNCTION take_counted_category()`);
    }

    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION create_inventory() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO inventory (product_id, counted_category_id, counted_price, counted_active)
        SELECT id, category_id, price, is_active FROM inserted_product;
        RETURN NULL;
      END $$`);
    // A row trigger, only for the rows whose copied values changed (most product updates change
    // none). The summary rows' locks are taken in one order everywhere (inventory, rating, sales),
    // as an order takes its stock before it counts its sales.
    await queryRunner.query(`
      CREATE FUNCTION recount_changed_product() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE inventory SET counted_category_id = NEW.category_id, counted_price = NEW.price,
          counted_active = NEW.is_active
        WHERE product_id = NEW.id;
        IF NEW.category_id IS DISTINCT FROM OLD.category_id THEN
          UPDATE product_rating SET counted_category_id = NEW.category_id WHERE product_id = NEW.id;
          UPDATE product_sales SET counted_category_id = NEW.category_id WHERE product_id = NEW.id;
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "product_recounts_category_figures"
      AFTER UPDATE OF "category_id", "price", "is_active" ON "product" FOR EACH ROW
      WHEN ((OLD.category_id, OLD.price, OLD.is_active)
        IS DISTINCT FROM (NEW.category_id, NEW.price, NEW.is_active))
      EXECUTE FUNCTION recount_changed_product()`);

    await queryRunner.query(`
      INSERT INTO "category_figures" ("category_id", ${SUMS}, "min_price", "max_price")
      SELECT c.id,
        count(p.id),
        count(p.id) FILTER (WHERE p.is_active),
        coalesce(sum(p.price) FILTER (WHERE p.is_active), 0),
        coalesce(sum(i.quantity) FILTER (WHERE p.is_active), 0),
        coalesce(sum(p.price * i.quantity) FILTER (WHERE p.is_active), 0),
        coalesce(sum(r.count), 0),
        coalesce(sum(r.sum), 0),
        coalesce(sum(s.units_sold), 0),
        coalesce(sum(s.revenue), 0),
        min(p.price) FILTER (WHERE p.is_active),
        max(p.price) FILTER (WHERE p.is_active)
      FROM "category" c
      LEFT JOIN "product" p ON p.category_id = c.id
      LEFT JOIN "inventory" i ON i.product_id = p.id
      LEFT JOIN "product_rating" r ON r.product_id = p.id
      LEFT JOIN "product_sales" s ON s.product_id = p.id
      GROUP BY c.id`);
    // The minimum and maximum of a category with pending deltas, read from its products.
    await queryRunner.query(`
      CREATE INDEX "product_active_category_id_price_idx" ON "product" ("category_id", "price")
      WHERE "is_active"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "product_active_category_id_price_idx"`);
    await queryRunner.query(`DROP TRIGGER "category_creates_category_figures" ON "category"`);
    await queryRunner.query(`DROP FUNCTION create_category_figures()`);
    await queryRunner.query(`DROP TRIGGER "product_recounts_category_figures" ON "product"`);
    await queryRunner.query(`DROP FUNCTION recount_changed_product()`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION create_inventory() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO inventory (product_id) SELECT id FROM inserted_product;
        RETURN NULL;
      END $$`);
    for (const table of ['product_rating', 'product_sales']) {
      await queryRunner.query(`DROP TRIGGER "${table}_takes_counted_category" ON "${table}"`);
    }
    await queryRunner.query(`DROP FUNCTION take_counted_category()`);
    for (const table of Object.keys(CONTRIBUTIONS)) {
      for (const [name] of EVENTS) {
        await queryRunner.query(
          `DROP TRIGGER "${table}_${name}_counts_into_category_figures" ON "${table}"`,
        );
      }
      await queryRunner.query(`DROP FUNCTION ${table}_counts_into_category_figures()`);
    }
    await queryRunner.query(`DROP TABLE "category_figures_delta"`);
    await queryRunner.query(`DROP TABLE "category_figures"`);
    for (const table of ['product_rating', 'product_sales']) {
      await queryRunner.query(`ALTER TABLE "${table}" DROP COLUMN "counted_category_id"`);
    }
    await queryRunner.query(`
      ALTER TABLE "inventory" DROP COLUMN "counted_category_id", DROP COLUMN "counted_price",
        DROP COLUMN "counted_active"`);
  }
}
