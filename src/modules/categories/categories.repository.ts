import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { retryTransientConflicts } from '../../common/errors/database-errors';
import { Category, MAX_CATEGORY_DEPTH } from './category.entity';
import { RequestScopedRepository } from '../../common/request-context';

/** Key of the transaction-scoped advisory lock that serialises every change to the tree's shape. */
const TREE_LOCK_KEY = 7_261_001;

// Every recursive walk stops one level past the deepest allowed depth, so even a corrupted
// tree can never make a query loop.
const WALK_LIMIT = MAX_CATEGORY_DEPTH + 1;

const COLUMNS = 'id, name, parent_id, created_at, updated_at';
/** The row version, which changes with every update: the basis of a category's ETag. */
const VERSION = 'xmin::text AS version';

/** The path from a category up to its root, as rows numbered by their distance from the start. */
const PATH_TO_ROOT = `
  WITH RECURSIVE path AS (
    SELECT ${COLUMNS}, 0 AS distance FROM category WHERE id = $1
    UNION ALL
    SELECT c.id, c.name, c.parent_id, c.created_at, c.updated_at, path.distance + 1
    FROM category c JOIN path ON c.id = path.parent_id
    WHERE path.distance < ${WALK_LIMIT}
  )
  SELECT ${COLUMNS} FROM path ORDER BY distance DESC`;

/** A category and its descendants down to $2 levels below it, each with its depth below the start. */
const SUBTREE = `
  WITH RECURSIVE subtree AS (
    SELECT ${COLUMNS}, 0 AS depth FROM category WHERE id = $1
    UNION ALL
    SELECT c.id, c.name, c.parent_id, c.created_at, c.updated_at, subtree.depth + 1
    FROM category c JOIN subtree ON c.parent_id = subtree.id
    WHERE subtree.depth < $2
  )
  SELECT ${COLUMNS}, depth FROM subtree ORDER BY depth, id`;

/** How many levels sit below a category: 0 for a leaf, null when it does not exist. */
const SUBTREE_HEIGHT = `
  WITH RECURSIVE subtree AS (
    SELECT id, 0 AS depth FROM category WHERE id = $1
    UNION ALL
    SELECT c.id, subtree.depth + 1 FROM category c JOIN subtree ON c.parent_id = subtree.id
    WHERE subtree.depth < ${WALK_LIMIT}
  )
  SELECT max(depth) AS height FROM subtree`;

/**
 * Every category with the names of its path from the root down to itself (a text[]), in one
 * walk from the roots: a relation to join products against (`category_paths(id, names)`), so a
 * whole catalog's paths cost one recursive query, not one per product.
 */
export const CATEGORY_PATHS = `
  WITH RECURSIVE category_paths(id, names, depth) AS (
    SELECT id, ARRAY[name]::text[], 0 FROM category WHERE parent_id IS NULL
    UNION ALL
    SELECT c.id, category_paths.names || c.name::text, category_paths.depth + 1
    FROM category c JOIN category_paths ON c.parent_id = category_paths.id
    WHERE category_paths.depth < ${WALK_LIMIT}
  )`;

/*
 * Categories with the subtree each belongs to, for reports that aggregate a subtree per row: rows
 * (id, top_id), one per category of the subtrees, top_id the id of the subtree's top (a top is
 * its own). Found by the categories' paths (ids from the root, kept from parent_id by triggers),
 * so a page of reports is one statement that never walks the tree.
 */

/** The subtree of `:subtreeRootId` alone (GIN-indexed containment), every row with it as top. */
const ONE_SUBTREE = `(
  SELECT id, :subtreeRootId::bigint AS top_id FROM category
  WHERE path @> ARRAY[:subtreeRootId::bigint])`;

/**
 * The subtrees of a page of the direct children of a category (of the roots, for the root
 * variant), ordered by id: a category belongs to the child at position `depth + 1` of its path,
 * `depth` being the parent's path length (0 for the roots). `:childrenAfterId` (keyset; 0 from
 * the start), `:childrenLimit`, `:childrenOffset` and, for a parent, `:childrenParentId` are bound.
 */
const childSubtrees = (children: string, depth: string, within: string) => `(
  SELECT c.id, c.path[${depth} + 1] AS top_id FROM category c
  WHERE ${within} c.path[${depth} + 1] = ANY(ARRAY(
    SELECT id FROM category WHERE ${children} AND id > :childrenAfterId
    ORDER BY id LIMIT :childrenLimit OFFSET :childrenOffset)))`;
const CHILD_SUBTREES = childSubtrees(
  'parent_id = :childrenParentId',
  '(SELECT cardinality(path) FROM category WHERE id = :childrenParentId)',
  'c.path @> ARRAY[:childrenParentId::bigint] AND',
);
// All the categories: one scan, no index, with the roots' subtrees covering the whole tree.
const ROOT_SUBTREES = childSubtrees('parent_id IS NULL', '0', '');

/** A SQL fragment to embed in another statement, with its named parameters. */
export interface SqlFragment {
  sql: string;
  parameters: Record<string, unknown>;
}

interface CategoryRow {
  id: string;
  name: string;
  parent_id: string | null;
  created_at: Date;
  updated_at: Date;
  version?: string;
}

/** A WHERE clause of the conditions given, or nothing. */
function whereOf(...conditions: Array<string | undefined>): string {
  const given = conditions.filter((condition) => condition !== undefined);
  return given.length === 0 ? '' : `WHERE ${given.join(' AND ')}`;
}

export type CategoryAtDepth = Category & { depth: number };

function toCategory(row: CategoryRow): Category {
  return Object.assign(new Category(), {
    id: String(row.id),
    name: row.name,
    parentId: row.parent_id === null ? null : String(row.parent_id),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  });
}

@Injectable()
export class CategoriesRepository extends RequestScopedRepository<Category> {
  constructor(@InjectRepository(Category) repository: Repository<Category>) {
    super(repository);
  }

  /** Runs `work` in one transaction, with a repository bound to it; deadlock victims run again. */
  transaction<T>(work: (transactional: CategoriesRepository) => Promise<T>): Promise<T> {
    return retryTransientConflicts(() =>
      this.scoped.manager.transaction((manager) =>
        work(new CategoriesRepository(manager.getRepository(Category))),
      ),
    );
  }

  /** Waits for, then holds until the transaction ends, the lock every tree-shape change takes. */
  async lockTree(): Promise<void> {
    await this.scoped.query('SELECT pg_advisory_xact_lock($1)', [TREE_LOCK_KEY]);
  }

  /** The category with its row version. */
  async findById(id: string): Promise<Category | null> {
    const rows = await this.scoped.query<CategoryRow[]>(
      `SELECT ${COLUMNS}, ${VERSION} FROM category WHERE id = $1`,
      [id],
    );
    return rows.length === 0 ? null : toCategory(rows[0]);
  }

  async exists(id: string): Promise<boolean> {
    return this.scoped.existsBy({ id });
  }

  /**
   * Up to `limit` + 1 categories by id (the direct children of `parentId` if given), after
   * `afterId` (keyset) or from `offset`, the exact count when asked, and whether the parent
   * exists, in one statement: one snapshot, so the total always agrees with the page.
   */
  async findPage(page: {
    parentId?: string;
    limit: number;
    offset: number;
    afterId?: string;
    withTotal: boolean;
  }): Promise<{ categories: Category[]; total: number | null; parentExists: boolean }> {
    const parameters: unknown[] = [page.limit + 1, page.offset];
    let children: string | undefined;
    let parentExists = 'true';
    if (page.parentId !== undefined) {
      const parent = `$${parameters.push(page.parentId)}`;
      children = `parent_id = ${parent}`;
      parentExists = `EXISTS (SELECT 1 FROM category WHERE id = ${parent})`;
    }
    const after = page.afterId === undefined ? undefined : `id > $${parameters.push(page.afterId)}`;
    const total = page.withTotal
      ? `(SELECT count(*)::int FROM category ${whereOf(children)})`
      : 'NULL::int';
    const rows = await this.scoped.query<
      Array<CategoryRow & { total: number | null; parent_exists: boolean }>
    >(
      `SELECT t.total, t.parent_exists, c.*
       FROM (SELECT ${total} AS total, ${parentExists} AS parent_exists) t
       LEFT JOIN LATERAL (
         SELECT ${COLUMNS} FROM category ${whereOf(children, after)} ORDER BY id LIMIT $1 OFFSET $2
       ) c ON true`,
      parameters,
    );
    // An empty page is one row of nulls beside the total.
    return {
      categories: rows.filter((row) => row.id !== null).map(toCategory),
      total: rows[0].total,
      parentExists: rows[0].parent_exists,
    };
  }

  async insert(values: { name: string; parentId: string | null }): Promise<Category> {
    const rows = await this.scoped.query<CategoryRow[]>(
      `INSERT INTO category (name, parent_id) VALUES ($1, $2) RETURNING ${COLUMNS}, ${VERSION}`,
      [values.name, values.parentId],
    );
    return toCategory(rows[0]);
  }

  /**
   * Applies the given changes, only when the row is at one of `versions` if given; answers null
   * when no row was changed.
   */
  async update(
    id: string,
    changes: { name?: string; parentId?: string | null },
    versions?: string[],
  ): Promise<Category | null> {
    const query = this.scoped
      .createQueryBuilder()
      .update(Category)
      .set(changes)
      .where('id = :id', { id });
    if (versions) query.andWhere('xmin::text = ANY(:versions)', { versions });
    const result = await query.returning(`${COLUMNS}, ${VERSION}`).execute();
    const rows = result.raw as CategoryRow[];
    return rows.length === 0 ? null : toCategory(rows[0]);
  }

  /** Deletes a category, only when it is at one of `versions` if given; the database cascades to its whole subtree. */
  async delete(id: string, versions?: string[]): Promise<boolean> {
    const query = this.scoped
      .createQueryBuilder()
      .delete()
      .from(Category)
      .where('id = :id', { id });
    if (versions) query.andWhere('xmin::text = ANY(:versions)', { versions });
    const result = await query.execute();
    return (result.affected ?? 0) > 0;
  }

  /** The root-first path from a root down to the category itself; empty when it does not exist. */
  async pathFromRoot(id: string): Promise<Category[]> {
    const rows = await this.scoped.query<CategoryRow[]>(PATH_TO_ROOT, [id]);
    return rows.map(toCategory);
  }

  /** The category and its descendants down to `levels` below it, shallowest first. */
  async subtree(id: string, levels: number): Promise<CategoryAtDepth[]> {
    const rows = await this.scoped.query<Array<CategoryRow & { depth: number }>>(SUBTREE, [
      id,
      levels,
    ]);
    return rows.map((row) => Object.assign(toCategory(row), { depth: row.depth }));
  }

  async subtreeHeight(id: string): Promise<number | null> {
    const rows = await this.scoped.query<Array<{ height: number | null }>>(SUBTREE_HEIGHT, [id]);
    return rows[0]?.height ?? null;
  }

  /** Every category's id with the names of its path from the root, in one statement. */
  async allPaths(): Promise<Array<{ id: string; names: string[] }>> {
    const rows = await this.scoped.query<Array<{ id: string; names: string[] }>>(
      `${CATEGORY_PATHS} SELECT id::text AS id, names FROM category_paths`,
    );
    return rows;
  }

  /** Inserts the categories in one statement; answers them as inserted (in no particular order). */
  async insertMany(
    categories: Array<{ name: string; parentId: string | null }>,
  ): Promise<Category[]> {
    if (categories.length === 0) return [];
    const rows = await this.scoped.query<CategoryRow[]>(
      `INSERT INTO category (name, parent_id)
       SELECT * FROM unnest($1::text[], $2::bigint[])
       RETURNING ${COLUMNS}`,
      [
        categories.map((category) => category.name),
        categories.map((category) => category.parentId),
      ],
    );
    return rows.map(toCategory);
  }

  /** A jsonb SQL expression of the category `column` names (`{ id, name, parent_id }`, or null). */
  summaryOf(column: string): string {
    return `(SELECT jsonb_build_object('id', c.id, 'name', c.name, 'parent_id', c.parent_id)
      FROM category c WHERE c.id = ${column})`;
  }

  /**
   * SQL matching a category path column (`product.category_path`) against the subtree of
   * `rootId`, to embed in a query builder: GIN-indexed containment, whose size the planner
   * estimates from the column's statistics.
   */
  subtreeCondition(
    pathColumn: string,
    rootId: string,
  ): { sql: string; parameters: Record<string, string> } {
    return {
      sql: `${pathColumn} @> ARRAY[:subtreeRootId::bigint]`,
      parameters: { subtreeRootId: rootId },
    };
  }

  /** Rows (id, top_id) of the subtree of `rootId`, each with `rootId` as top_id. */
  subtreeRows(rootId: string): SqlFragment {
    return { sql: ONE_SUBTREE, parameters: { subtreeRootId: rootId } };
  }

  /**
   * Rows (id, top_id) of the subtrees of a page of the direct children of `parentId` (of
   * the roots when null), each row with its child as top_id; beside it, the number of those
   * children and whether the parent exists, as scalar expressions.
   */
  childSubtreeRows(page: {
    parentId: string | null;
    limit: number;
    offset: number;
    afterId?: string;
  }): SqlFragment & { total: string; parentExists: string } {
    const parameters = {
      childrenAfterId: page.afterId ?? '0',
      childrenLimit: page.limit,
      childrenOffset: page.offset,
    };
    if (page.parentId === null) {
      return {
        sql: ROOT_SUBTREES,
        total: '(SELECT count(*)::int FROM category WHERE parent_id IS NULL)',
        parentExists: 'true',
        parameters,
      };
    }
    return {
      sql: CHILD_SUBTREES,
      total: '(SELECT count(*)::int FROM category WHERE parent_id = :childrenParentId)',
      parentExists: 'EXISTS (SELECT 1 FROM category WHERE id = :childrenParentId)',
      parameters: { ...parameters, childrenParentId: page.parentId },
    };
  }
}
