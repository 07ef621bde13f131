import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CatalogVersion } from '../../catalog-version/catalog-version.service';
import { ApiConditionalRead, taggedByCatalog } from '../../common/conditional';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../../common/dto/problem-details.dto';
import { ProductDto, ProductPageDto } from '../products/dto/product.dto';
import { SearchQueryDto } from './dto/search-query.dto';
import { SearchService } from './search.service';

@ApiTags('search')
@Controller('products/search')
export class SearchController {
  constructor(
    private readonly searchService: SearchService,
    private readonly catalogVersion: CatalogVersion,
  ) {}

  @Get()
  @ApiConditionalRead()
  @ApiOperation({
    summary: 'Search products by text, price range and category subtree',
    description:
      'All filters are optional and combine with AND. total is the exact number of matches.',
  })
  @ApiOkResponse({ type: ProductPageDto })
  @ApiProblems(
    [404, 'category_id names no category'],
    [422, 'Invalid query parameter, or min_price above max_price'],
    503,
  )
  async search(
    @Query() query: SearchQueryDto,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ProductPageDto | undefined> {
    return taggedByCatalog(this.catalogVersion, response, ifNoneMatch, async (catalogVersion) => {
      const page = await this.searchService.search(query, catalogVersion);
      return { ...page, items: page.items.map((product) => ProductDto.from(product)) };
    });
  }
}
