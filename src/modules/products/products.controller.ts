import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ConditionalRead, ReadVersion, Tagged } from '../../catalog-version/conditional-read';
import { ApiConditionalWrite } from '../../common/conditional';
import { definedOnly } from '../../common/defined';
import { Idempotent } from '../../idempotency/idempotent.decorator';
import { parseIfMatch, strongEtag } from '../../common/etag';
import { ApiProblems } from '../../common/dto/problem-details.dto';
import { ApiIdParam, ParseIdPipe, toId } from '../../common/pipes/parse-id.pipe';
import { ListProductsQueryDto } from './dto/list-products-query.dto';
import { IncludeQueryDto } from './dto/product-read-query.dto';
import { CreateProductDto, ProductDto, ProductPageDto, UpdateProductDto } from './dto/product.dto';
import { ProductsService } from './products.service';

@ApiTags('products')
@Controller('products')
export class ProductsController {
  constructor(private readonly products: ProductsService) {}

  @Post()
  @Idempotent()
  @ApiOperation({ summary: 'Create a product' })
  @ApiCreatedResponse({
    type: ProductDto,
    description: 'Created; Location names the new product',
    headers: {
      Location: {
        description: 'URL of the new resource',
        schema: { type: 'string', example: '/api/v1/products/1' },
      },
    },
  })
  @ApiProblems(
    400,
    [409, 'Another product has this SKU (after normalisation)'],
    [422, 'Invalid body or unknown category'],
    413,
    503,
  )
  async create(
    @Body() body: CreateProductDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ProductDto> {
    const product = await this.products.create({
      title: body.title,
      description: body.description ?? '',
      imageUrl: body.image_url ?? null,
      sku: body.sku,
      price: body.price,
      categoryId: toId(body.category_id) ?? null,
      isActive: body.is_active ?? true,
    });
    response.location(`/api/v1/products/${product.id}`);
    response.setHeader('ETag', strongEtag(product.version!));
    return ProductDto.from(product);
  }

  @Get()
  @ConditionalRead('catalog')
  @ApiOperation({ summary: 'List products by id, or fetch a batch with ids=1,2,3' })
  @ApiOkResponse({ type: ProductPageDto })
  @ApiProblems(422, 503)
  async list(
    @Query() query: ListProductsQueryDto,
    @ReadVersion() catalogVersion: string,
  ): Promise<ProductPageDto> {
    if (query.ids) {
      const items = (await this.products.getMany(query.ids, query.include)).map((product) =>
        ProductDto.from(product),
      );
      return { items, total: items.length, limit: query.ids.length, offset: 0, next_cursor: null };
    }
    const page = await this.products.list(
      {
        limit: query.limit,
        offset: query.offset,
        cursor: query.cursor,
        includeTotal: query.include_total,
        includeInactive: query.include_inactive,
        include: query.include,
      },
      catalogVersion,
    );
    return { ...page, items: page.items.map((product) => ProductDto.from(product)) };
  }

  @Get(':id')
  // With include, the answer holds data of other rows too (stock, reviews...): the catalog
  // version, which every write bumps, tags it then.
  @ConditionalRead((request) => (request.query.include === undefined ? 'row' : 'catalog'))
  @ApiIdParam()
  @ApiOperation({ summary: 'Get a product' })
  @ApiOkResponse({ type: ProductDto })
  @ApiProblems(404, [422, 'id is not a positive integer'], 503)
  async get(
    @Param('id', ParseIdPipe) id: string,
    @Query() query: IncludeQueryDto,
  ): Promise<Tagged<ProductDto>> {
    const product = await this.products.get(id, query.include);
    return new Tagged(strongEtag(product.version!), ProductDto.from(product));
  }

  @Patch(':id')
  @ApiConditionalWrite()
  @ApiIdParam()
  @ApiOperation({
    summary: 'Change any subset of a product’s writable fields',
    description: 'category_id: null unlinks the product; image_url: null removes the image.',
  })
  @ApiOkResponse({ type: ProductDto })
  @ApiProblems(
    400,
    404,
    [409, 'Another product has this SKU'],
    [422, 'Invalid body or unknown category'],
    413,
    503,
  )
  async update(
    @Param('id', ParseIdPipe) id: string,
    @Body() body: UpdateProductDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ProductDto> {
    const changes = definedOnly({
      title: body.title,
      description: body.description,
      imageUrl: body.image_url,
      sku: body.sku,
      price: body.price,
      categoryId: toId(body.category_id),
      isActive: body.is_active,
    });
    const product = await this.products.update(id, changes, parseIfMatch(ifMatch));
    response.setHeader('ETag', strongEtag(product.version!));
    return ProductDto.from(product);
  }

  @Delete(':id')
  @ApiConditionalWrite()
  @ApiIdParam()
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a product' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(404, [422, 'id is not a positive integer'], 503)
  async delete(
    @Param('id', ParseIdPipe) id: string,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<void> {
    await this.products.delete(id, parseIfMatch(ifMatch));
  }
}
