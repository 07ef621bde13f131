import { Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { ApiProblems } from '../../common/dto/problem-details.dto';
import { CatalogTransferService } from './catalog-transfer.service';
import { ImportQueryDto, ImportResultDto } from './dto/catalog-transfer.dto';
import { MAX_IMPORT_BYTES, PRODUCT_COLUMNS, tooLarge } from './product-csv';

const NDJSON = 'application/x-ndjson';
const COLUMNS = PRODUCT_COLUMNS.join(', ');

@ApiTags('bulk')
@Controller('products')
export class CatalogTransferController {
  constructor(private readonly transfer: CatalogTransferService) {}

  @Get('export')
  @ApiOperation({
    summary: 'Export every product as CSV or NDJSON',
    description:
      `Every product, inactive ones included, ordered by id, streamed. Columns: ${COLUMNS}. ` +
      'category_path is the category names from the root joined by " > " (empty when unlinked); ' +
      'is_active is true or false; quantity the units on hand. CSV (RFC 4180, UTF-8, header ' +
      'row, CRLF) is the answer for any Accept but application/x-ndjson, which answers one JSON ' +
      'object per line with the same fields (image_url null when absent).',
  })
  @ApiProduces('text/csv', NDJSON)
  @ApiOkResponse({
    description: 'The catalog, streamed',
    content: {
      'text/csv': {
        schema: { type: 'string' },
        example: `${COLUMNS}\r\nUBX13-16,UltraBook X13,A 13-inch laptop.,1299.99,,Computers > Laptops,true,25\r\n`,
      },
      [NDJSON]: {
        schema: { type: 'string' },
        example:
          '{"sku":"UBX13-16","title":"UltraBook X13","description":"A 13-inch laptop.","price":"1299.99","image_url":null,"category_path":"Computers > Laptops","is_active":true,"quantity":25}\n',
      },
    },
  })
  @ApiProblems(503)
  async export(@Req() request: Request, @Res() response: Response): Promise<void> {
    const format = request.accepts(['text/csv', NDJSON]) === NDJSON ? 'ndjson' : 'csv';
    const body = await this.transfer.export(format);
    response.status(200);
    response.setHeader('Vary', 'Accept');
    response.attachment(`products.${format}`);
    response.type(format === 'csv' ? 'text/csv; charset=utf-8' : `${NDJSON}; charset=utf-8`);
    // A failure once streaming has begun can only cut the answer short, which the client sees.
    await pipeline(body, response).catch(() => undefined);
  }

  @Post('import')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Create and update products from a CSV file, all or nothing',
    description:
      `A text/csv body (UTF-8, RFC 4180, up to 64 MiB) with a header row naming any of ${COLUMNS}; ` +
      'sku, title and price are required. Each row is validated like POST /products. Products ' +
      'are matched by normalised SKU: updated when they exist, created when not; a column the ' +
      'file leaves out keeps its value on an update and takes its default on a create. An empty ' +
      'image_url removes the image; an empty category_path unlinks; a path whose categories do ' +
      'not exist creates them (names split on " > ", so a name containing " > " cannot be ' +
      'named). quantity sets the stock, writing a set movement for each change. Any invalid ' +
      'row: 422 listing the first 100 errors as "line N: field", and nothing is written. ' +
      'updated counts the rows that matched an existing product, changed or not.',
  })
  @ApiConsumes('text/csv')
  @ApiBody({
    description: 'The CSV file',
    schema: {
      type: 'string',
      example:
        'sku,title,price,category_path,quantity\r\nUBX13-16,UltraBook X13,1299.99,Computers > Laptops,25\r\n',
    },
  })
  @ApiOkResponse({
    type: ImportResultDto,
    description: 'Imported (or, with dry_run=true, checked)',
  })
  @ApiProblems(
    [400, 'The body is not valid UTF-8 CSV: a quote left open, a row of another width'],
    [413, 'The file is larger than 64 MiB'],
    [415, 'The body is not text/csv (UTF-8)'],
    [
      422,
      'A missing, unknown or repeated column, or invalid rows: errors name each as "line N: field" (the first 100); a SKU twice in the file, a category path deeper than 100',
    ],
    503,
  )
  async import(@Query() query: ImportQueryDto, @Req() request: Request): Promise<ImportResultDto> {
    if (Number(request.headers['content-length'] ?? 0) > MAX_IMPORT_BYTES) throw tooLarge();
    return this.transfer.import(request, query.dry_run);
  }
}
