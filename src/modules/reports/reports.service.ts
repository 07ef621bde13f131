import { Injectable } from '@nestjs/common';
import { ResultCache } from '../../catalog-version/result-cache.service';
import { decodeCursor, keysetPage } from '../../common/cursor';
import { Page } from '../../common/dto/page.dto';
import { NotFoundError } from '../../common/errors/domain-error';
import { isId } from '../../common/pipes/parse-id.pipe';
import { CategoriesService } from '../categories/categories.service';
import { CategoryReport, ReportsRepository } from './reports.repository';

@Injectable()
export class ReportsService {
  constructor(
    private readonly reports: ReportsRepository,
    private readonly categories: CategoriesService,
    private readonly results: ResultCache,
  ) {}

  /**
   * The report of a category's whole subtree (404 when it does not exist), in one statement,
   * cached under the catalog version it was read at: every write changes that version, so a
   * cached report never outlives an acknowledged write.
   */
  report(categoryId: string, catalogVersion: string): Promise<CategoryReport> {
    return this.results.get(catalogVersion, `report ${categoryId}`, async () => {
      const report = await this.reports.findOne(this.categories.subtreeRows(categoryId));
      if (!report) throw new NotFoundError('Category', categoryId);
      return report;
    });
  }

  /**
   * A page of reports, one per direct child of `parentId` (per root without it), ordered by id,
   * each over the child's whole subtree: one statement for the page, cached like a report.
   */
  list(
    query: {
      parentId?: string;
      limit: number;
      offset: number;
      cursor?: string;
      includeTotal: boolean;
    },
    catalogVersion: string,
  ): Promise<Page<CategoryReport>> {
    return this.results.get(catalogVersion, `reports ${JSON.stringify(query)}`, async () => {
      const afterId =
        query.cursor === undefined
          ? undefined
          : decodeCursor(query.cursor, 'id', ([id, ...rest]) => isId(id) && rest.length === 0)[0];
      const children = this.categories.childSubtreeRows({
        parentId: query.parentId ?? null,
        limit: query.limit + 1,
        offset: query.offset,
        afterId,
      });
      const { reports, total, parentExists } = await this.reports.findPage({
        ...children,
        total: query.includeTotal ? children.total : null,
      });
      if (!parentExists) throw new NotFoundError('Category', query.parentId!);
      const page = keysetPage(reports, query.limit, 'id', (report) => [report.categoryId]);
      return { ...page, total, limit: query.limit, offset: query.offset };
    });
  }
}
