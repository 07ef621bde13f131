import { Controller, Get, Query } from '@nestjs/common';
import { ConditionalRead, ReadVersion } from '../../catalog-version/conditional-read';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../../common/dto/problem-details.dto';
import { ProductDto, ProductPageDto } from '../products/dto/product.dto';
import { SearchQueryDto } from './dto/search-query.dto';
import { SearchService } from './search.service';

@ApiTags('search')
@Controller('products/search')
export class SearchController {
  constructor(private readonly searchService: SearchService) {}

  @Get()
  @ConditionalRead('catalog')
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
    @ReadVersion() catalogVersion: string,
  ): Promise<ProductPageDto> {
    const page = await this.searchService.search(query, catalogVersion);
    return { ...page, items: page.items.map((product) => ProductDto.from(product)) };
  }
}
