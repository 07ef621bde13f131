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
import { ConditionalRead, Tagged } from '../../catalog-version/conditional-read';
import { ApiConditionalWrite } from '../../common/conditional';
import { definedOnly } from '../../common/defined';
import { Idempotent } from '../../idempotency/idempotent.decorator';
import { parseIfMatch, strongEtag } from '../../common/etag';
import { ApiProblems } from '../../common/dto/problem-details.dto';
import { ApiIdParam, ParseIdPipe, toId } from '../../common/pipes/parse-id.pipe';
import { CategoriesService } from './categories.service';
import {
  CategoryDto,
  CategoryPageDto,
  CategoryTreeDto,
  CreateCategoryDto,
  ListCategoriesQueryDto,
  TreeQueryDto,
  UpdateCategoryDto,
} from './dto/category.dto';

@ApiTags('categories')
@Controller('categories')
export class CategoriesController {
  constructor(private readonly categories: CategoriesService) {}

  @Post()
  @Idempotent()
  @ApiOperation({
    summary: 'Create a category',
    description:
      'Without parent_id (or with null) the category is a root, at depth 0. A parent at depth 100 is refused.',
  })
  @ApiCreatedResponse({
    type: CategoryDto,
    description: 'Created; Location names the new category',
    headers: {
      Location: {
        description: 'URL of the new resource',
        schema: { type: 'string', example: '/api/v1/categories/1' },
      },
    },
  })
  @ApiProblems(
    400,
    [409, 'A sibling (or another root) already has this name'],
    [422, 'Invalid body, unknown parent, or parent at depth 100'],
    413,
    503,
  )
  async create(
    @Body() body: CreateCategoryDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CategoryDto> {
    const category = await this.categories.create({
      name: body.name,
      parentId: toId(body.parent_id),
    });
    response.location(`/api/v1/categories/${category.id}`);
    response.setHeader('ETag', strongEtag(category.version!));
    return CategoryDto.from(category);
  }

  @Get()
  @ConditionalRead('catalog')
  @ApiOperation({
    summary: 'List categories',
    description: 'All categories, or the direct children of parent_id; ordered by id.',
  })
  @ApiOkResponse({ type: CategoryPageDto })
  @ApiProblems([404, 'parent_id names no category'], 422, 503)
  async list(@Query() query: ListCategoriesQueryDto): Promise<CategoryPageDto> {
    const page = await this.categories.list({
      parentId: toId(query.parent_id),
      limit: query.limit,
      offset: query.offset,
      cursor: query.cursor,
      includeTotal: query.include_total,
    });
    return { ...page, items: page.items.map((category) => CategoryDto.from(category)) };
  }

  @Get(':id')
  @ConditionalRead('row')
  @ApiIdParam()
  @ApiOperation({ summary: 'Get a category' })
  @ApiOkResponse({ type: CategoryDto })
  @ApiProblems(404, [422, 'id is not a positive integer'], 503)
  async get(@Param('id', ParseIdPipe) id: string): Promise<Tagged<CategoryDto>> {
    const category = await this.categories.get(id);
    return new Tagged(strongEtag(category.version!), CategoryDto.from(category));
  }

  @Get(':id/ancestors')
  @ConditionalRead('catalog')
  @ApiIdParam()
  @ApiOperation({
    summary: 'Breadcrumb of a category',
    description:
      'The path from the root down to the parent of the category, root first, in one query. Empty for a root.',
  })
  @ApiOkResponse({ type: [CategoryDto] })
  @ApiProblems(404, [422, 'id is not a positive integer'], 503)
  async ancestors(@Param('id', ParseIdPipe) id: string): Promise<CategoryDto[]> {
    const path = await this.categories.ancestors(id);
    return path.map((category) => CategoryDto.from(category));
  }

  @Get(':id/tree')
  @ConditionalRead('catalog')
  @ApiIdParam()
  @ApiOperation({
    summary: 'Subtree of a category, nested',
    description:
      'The category with its descendants down to `depth` levels below it (default 1), children ordered by id, in one query.',
  })
  @ApiOkResponse({ type: CategoryTreeDto })
  @ApiProblems(404, [422, 'id is not a positive integer, or depth is not 0..100'], 503)
  async tree(
    @Param('id', ParseIdPipe) id: string,
    @Query() query: TreeQueryDto,
  ): Promise<CategoryTreeDto> {
    return CategoryTreeDto.fromTree(await this.categories.tree(id, query.depth));
  }

  @Patch(':id')
  @ApiConditionalWrite()
  @ApiIdParam()
  @ApiOperation({
    summary: 'Rename or move a category',
    description:
      'parent_id: null makes it a root. A move under itself or a descendant, or one that would put any category of the moved subtree deeper than 100, is a 422.',
  })
  @ApiOkResponse({ type: CategoryDto })
  @ApiProblems(
    400,
    404,
    [409, 'A sibling at the destination already has this name'],
    [422, 'Invalid body, unknown parent, cycle, or too deep'],
    413,
    503,
  )
  async update(
    @Param('id', ParseIdPipe) id: string,
    @Body() body: UpdateCategoryDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CategoryDto> {
    const category = await this.categories.update(
      id,
      definedOnly({ name: body.name, parentId: toId(body.parent_id) }),
      parseIfMatch(ifMatch),
    );
    response.setHeader('ETag', strongEtag(category.version!));
    return CategoryDto.from(category);
  }

  @Delete(':id')
  @ApiConditionalWrite()
  @ApiIdParam()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a category and its whole subtree',
    description:
      'In one transaction; products in any deleted category stay, with category_id null.',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(404, [422, 'id is not a positive integer'], 503)
  async delete(
    @Param('id', ParseIdPipe) id: string,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<void> {
    await this.categories.delete(id, parseIfMatch(ifMatch));
  }
}
