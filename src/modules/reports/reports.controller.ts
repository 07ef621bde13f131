import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ConditionalRead, ReadVersion } from '../../catalog-version/conditional-read';
import { ApiProblems } from '../../common/dto/problem-details.dto';
import { ApiIdParam, ParseIdPipe, toId } from '../../common/pipes/parse-id.pipe';
import {
  CategoryReportDto,
  CategoryReportPageDto,
  ListReportsQueryDto,
  REPORT_EXAMPLE,
} from './dto/report.dto';
import { ReportsService } from './reports.service';

const FIGURES =
  'Each figure covers the whole subtree: prices, stock units and stock value the active products only; products all of them; units sold and revenue the lines of orders that are not cancelled, by the product’s current category (lines of a deleted product belong to none); ratings every review. Sums are exact decimals, averages rounded half up. Tagged with the catalog version, which every write changes, and served from the result cache while it holds: never a figure older than an acknowledged write.';

@ApiTags('reports')
@Controller()
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get('categories/:id/report')
  @ConditionalRead('catalog')
  @ApiIdParam()
  @ApiOperation({
    summary: 'Report of a category’s subtree',
    description: `One SQL statement. ${FIGURES}`,
  })
  @ApiOkResponse({ type: CategoryReportDto, example: REPORT_EXAMPLE })
  @ApiProblems(404, [422, 'id is not a positive integer'], 503)
  async report(
    @Param('id', ParseIdPipe) id: string,
    @ReadVersion() catalogVersion: string,
  ): Promise<CategoryReportDto> {
    return CategoryReportDto.from(await this.reports.report(id, catalogVersion));
  }

  @Get('reports/categories')
  @ConditionalRead('catalog')
  @ApiOperation({
    summary: 'Reports of the direct children of a category',
    description: `One report per direct child of parent_id (per root without it), ordered by id, each over the child’s whole subtree; the whole page is one SQL statement. total counts the children. ${FIGURES}`,
  })
  @ApiOkResponse({
    type: CategoryReportPageDto,
    example: { items: [REPORT_EXAMPLE], total: 1, limit: 20, offset: 0, next_cursor: null },
  })
  @ApiProblems([404, 'parent_id names no category'], [422, 'Invalid query parameter'], 503)
  async list(
    @Query() query: ListReportsQueryDto,
    @ReadVersion() catalogVersion: string,
  ): Promise<CategoryReportPageDto> {
    const page = await this.reports.list(
      {
        parentId: toId(query.parent_id),
        limit: query.limit,
        offset: query.offset,
        cursor: query.cursor,
        includeTotal: query.include_total,
      },
      catalogVersion,
    );
    return { ...page, items: page.items.map((report) => CategoryReportDto.from(report)) };
  }
}
