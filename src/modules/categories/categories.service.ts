import { Injectable } from '@nestjs/common';
import { isForeignKeyViolation, isUniqueViolation } from '../../common/errors/database-errors';
import {
  DomainError,
  missingOrChanged,
  NotFoundError,
  PreconditionFailedError,
} from '../../common/errors/domain-error';
import { Precondition, satisfies, versionsOf } from '../../common/etag';
import { decodeCursor, keysetPage } from '../../common/cursor';
import { Page } from '../../common/dto/page.dto';
import { isId } from '../../common/pipes/parse-id.pipe';
import { CatalogMetrics } from '../../metrics/catalog-metrics';
import { CategoriesRepository, CategoryAtDepth, CATEGORY_PATHS } from './categories.repository';
import { Category, MAX_CATEGORY_DEPTH, SIBLING_NAME_CONSTRAINT } from './category.entity';

export interface CategoryTree {
  category: Category;
  children: CategoryTree[];
}

function duplicateName(name: string | undefined): DomainError {
  const detail =
    name === undefined
      ? 'A sibling category already has this name.'
      : `A sibling category is already named "${name}".`;
  return new DomainError('duplicate_category_name', detail);
}

@Injectable()
export class CategoriesService {
  constructor(
    private readonly categories: CategoriesRepository,
    private readonly metrics: CatalogMetrics,
  ) {}

  async get(id: string): Promise<Category> {
    const category = await this.categories.findById(id);
    if (!category) throw new NotFoundError('Category', id);
    return category;
  }

  async list(query: {
    parentId?: string;
    limit: number;
    offset: number;
    cursor?: string;
    includeTotal: boolean;
  }): Promise<Page<Category>> {
    const afterId =
      query.cursor === undefined
        ? undefined
        : decodeCursor(query.cursor, 'id', ([id]) => isId(id))[0];
    const { categories, total, parentExists } = await this.categories.findPage({
      ...query,
      afterId,
      withTotal: query.includeTotal,
    });
    if (query.parentId !== undefined && !parentExists)
      throw new NotFoundError('Category', query.parentId);
    const page = keysetPage(categories, query.limit, 'id', (category) => [category.id]);
    return { ...page, total, limit: query.limit, offset: query.offset };
  }

  create(input: { name: string; parentId?: string | null }): Promise<Category> {
    return this.metrics.mutation('category', 'create', () => this.insert(input));
  }

  /** Renames or moves; with a precondition, only the version it names (else 412). */
  async update(
    id: string,
    changes: { name?: string; parentId?: string | null },
    precondition?: Precondition,
  ): Promise<Category> {
    if (Object.keys(changes).length === 0) {
      const current = await this.get(id);
      if (!satisfies(precondition, current.version!))
        throw new PreconditionFailedError('Category', id);
      return current;
    }
    return this.metrics.mutation('category', 'update', () =>
      this.applyUpdate(id, changes, precondition),
    );
  }

  /** Deletes the category and its whole subtree; products in them are unlinked by the database. */
  delete(id: string, precondition?: Precondition): Promise<void> {
    return this.metrics.mutation('category', 'delete', () => this.deleteSubtree(id, precondition));
  }

  private async insert(input: { name: string; parentId?: string | null }): Promise<Category> {
    const parentId = input.parentId ?? null;
    try {
      return await this.categories.transaction(async (tree) => {
        if (parentId !== null) {
          await tree.lockTree();
          const path = await tree.pathFromRoot(parentId);
          if (path.length === 0) throw unknownParent(parentId);
          if (path.length - 1 >= MAX_CATEGORY_DEPTH) {
            throw new DomainError(
              'depth_exceeded',
              `Parent ${parentId} is at depth ${MAX_CATEGORY_DEPTH}, the deepest allowed.`,
              [{ field: 'parent_id', message: `category ${parentId} is at the deepest level` }],
            );
          }
        }
        return tree.insert({ name: input.name, parentId });
      });
    } catch (error) {
      throw this.translate(error, input.name, parentId);
    }
  }

  private async applyUpdate(
    id: string,
    changes: { name?: string; parentId?: string | null },
    precondition?: Precondition,
  ): Promise<Category> {
    try {
      return await this.categories.transaction(async (tree) => {
        if (changes.parentId !== undefined) {
          await tree.lockTree();
          await this.checkMove(tree, id, changes.parentId);
        }
        const updated = await tree.update(id, changes, versionsOf(precondition));
        if (!updated)
          throw await missingOrChanged('Category', id, precondition, (category) =>
            tree.exists(category),
          );
        return updated;
      });
    } catch (error) {
      throw this.translate(error, changes.name, changes.parentId ?? null);
    }
  }

  private async deleteSubtree(id: string, precondition?: Precondition): Promise<void> {
    await this.categories.transaction(async (tree) => {
      await tree.lockTree();
      if (!(await tree.delete(id, versionsOf(precondition)))) {
        throw await missingOrChanged('Category', id, precondition, (category) =>
          tree.exists(category),
        );
      }
    });
  }

  /** The breadcrumb: the categories from the root down to the parent of `id`. */
  async ancestors(id: string): Promise<Category[]> {
    const path = await this.categories.pathFromRoot(id);
    if (path.length === 0) throw new NotFoundError('Category', id);
    return path.slice(0, -1);
  }

  /** The subtree of `id`, nested, down to `levels` below it. */
  async tree(id: string, levels: number): Promise<CategoryTree> {
    const rows = await this.categories.subtree(id, levels);
    if (rows.length === 0) throw new NotFoundError('Category', id);
    return nest(rows);
  }

  /**
   * The WITH RECURSIVE clause of the relation `category_paths(id, names text[], depth)`: every
   * category with the names from its root down to itself, for another statement to join against.
   */
  pathsSql(): string {
    return CATEGORY_PATHS;
  }

  /**
   * The category of each path (names from the root down), creating those that do not exist under
   * the tree rules; to be called inside a transaction (joiningTransaction), which holds the tree
   * lock from here to its end, so no move or delete can change the tree under the answer. Paths
   * must be at most MAX_CATEGORY_DEPTH + 1 names of valid, NFC-normalised category names.
   * Answers the id of every path, keyed by `pathKey`, and how many categories were created.
   */
  async ensurePaths(paths: string[][]): Promise<{ ids: Map<string, string>; created: number }> {
    await this.categories.lockTree();
    const ids = new Map<string, string>();
    for (const { id, names } of await this.categories.allPaths()) ids.set(pathKey(names), id);
    let created = 0;
    const deepest = Math.max(0, ...paths.map((path) => path.length));
    if (deepest > MAX_CATEGORY_DEPTH + 1) {
      throw new DomainError(
        'depth_exceeded',
        `A category path of ${deepest} names is deeper than ${MAX_CATEGORY_DEPTH}.`,
      );
    }
    // Level by level, so every parent exists before its children: one statement per level.
    for (let length = 1; length <= deepest; length++) {
      const missing = new Map<string, { name: string; parentId: string | null }>();
      for (const path of paths) {
        if (path.length < length) continue;
        const key = pathKey(path.slice(0, length));
        if (ids.has(key) || missing.has(key)) continue;
        const parentId = length === 1 ? null : ids.get(pathKey(path.slice(0, length - 1)))!;
        missing.set(key, { name: path[length - 1], parentId });
      }
      const keyOf = (parentId: string | null, name: string) => `${parentId}\u0000${name}`;
      const wanted = new Map([...missing].map(([key, c]) => [keyOf(c.parentId, c.name), key]));
      for (const category of await this.categories.insertMany([...missing.values()])) {
        ids.set(wanted.get(keyOf(category.parentId, category.name))!, category.id);
        created++;
      }
    }
    return { ids, created };
  }

  /** A SQL expression of the category `column` names, as jsonb, to embed in another statement. */
  summaryOf(column: string): string {
    return this.categories.summaryOf(column);
  }

  /** A SQL condition matching a category path column against a category's subtree. */
  subtreeCondition(pathColumn: string, rootId: string) {
    return this.categories.subtreeCondition(pathColumn, rootId);
  }

  /** Rows (id, top_id) of the subtree of `rootId`, to embed in another statement. */
  subtreeRows(rootId: string) {
    return this.categories.subtreeRows(rootId);
  }

  /**
   * Rows (id, top_id) of the subtrees of a page of the direct children of `parentId` (the
   * roots when null), with SQL for the number of children and the parent's existence.
   */
  childSubtreeRows(page: {
    parentId: string | null;
    limit: number;
    offset: number;
    afterId?: string;
  }) {
    return this.categories.childSubtreeRows(page);
  }

  private async checkMove(
    tree: CategoriesRepository,
    id: string,
    parentId: string | null,
  ): Promise<void> {
    const height = await tree.subtreeHeight(id);
    if (height === null) throw new NotFoundError('Category', id);
    if (parentId === null) return;

    const path = await tree.pathFromRoot(parentId);
    if (path.length === 0) throw unknownParent(parentId);
    if (path.some((category) => category.id === id)) {
      throw new DomainError(
        'cycle',
        `Category ${id} cannot move under itself or one of its descendants.`,
        [
          {
            field: 'parent_id',
            message: `category ${parentId} is ${id} or one of its descendants`,
          },
        ],
      );
    }
    const deepest = path.length + height; // the parent's depth + 1 + the moved subtree's height
    if (deepest > MAX_CATEGORY_DEPTH) {
      throw new DomainError(
        'depth_exceeded',
        `The move would put a category at depth ${deepest}; the deepest allowed is ${MAX_CATEGORY_DEPTH}.`,
        [
          {
            field: 'parent_id',
            message: `under category ${parentId} the subtree would be too deep`,
          },
        ],
      );
    }
  }

  private translate(error: unknown, name: string | undefined, parentId: string | null): unknown {
    if (isUniqueViolation(error, SIBLING_NAME_CONSTRAINT)) return duplicateName(name);
    // The parent vanished between the check and the write.
    if (parentId !== null && isForeignKeyViolation(error)) return unknownParent(parentId);
    return error;
  }
}

/** The key of a category path in the map ensurePaths answers (names hold no control characters). */
export const pathKey = (names: string[]): string => names.join('\u0000');

function unknownParent(parentId: string): DomainError {
  return new DomainError('unknown_parent', `Parent category ${parentId} does not exist.`, [
    { field: 'parent_id', message: `category ${parentId} does not exist` },
  ]);
}

function nest(rows: CategoryAtDepth[]): CategoryTree {
  const nodes = new Map(
    rows.map((category) => [category.id, { category, children: [] as CategoryTree[] }]),
  );
  for (const row of rows.slice(1)) nodes.get(row.parentId!)?.children.push(nodes.get(row.id)!);
  return nodes.get(rows[0].id)!;
}
