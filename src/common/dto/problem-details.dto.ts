import { applyDecorators } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from '../errors/problem-details';

export class FieldErrorDto {
  @ApiProperty({ example: 'price' })
  field!: string;

  @ApiProperty({ example: 'price must be a decimal with at most two fraction digits' })
  message!: string;
}

/** One short product of a refused order (`insufficient_stock`). */
export class ShortItemDto {
  @ApiProperty({ example: 2 })
  product_id!: number;

  @ApiProperty({ example: 5, description: 'The units the order asked for (its lines merged)' })
  requested!: number;

  @ApiProperty({ example: 1, description: 'The units on hand when the order was refused' })
  available!: number;
}

export class ProblemDetailsDto {
  @ApiProperty({ example: 'https://catalog.example.com/problems/validation-failed' })
  type!: string;

  @ApiProperty({ example: 'Validation failed' })
  title!: string;

  @ApiProperty({ example: 422 })
  status!: number;

  @ApiProperty({ example: 'The request is invalid; see errors for each field.' })
  detail!: string;

  @ApiProperty({ example: '/api/v1/products' })
  instance!: string;

  @ApiProperty({ description: 'Machine-readable error code', example: 'validation_failed' })
  code!: string;

  @ApiPropertyOptional({
    description: 'Present on 5xx answers, to quote to support',
    example: '4f1c2a9e-8b1d-4c55-9a51-2b0f0e1c7d3a',
  })
  request_id?: string;

  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'Present on validation failures' })
  errors?: FieldErrorDto[];

  @ApiPropertyOptional({
    type: [ShortItemDto],
    description: 'Present on insufficient_stock of an order: every short product',
  })
  items?: ShortItemDto[];
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed JSON body',
  404: 'The resource does not exist',
  409: 'Conflict with stored state',
  412: 'If-Match does not match the current ETag; nothing was written',
  413: 'Request body larger than 1 MiB',
  422: 'Invalid body, query or path parameter',
  429: 'Rate limited; see Retry-After',
  503: 'The database is unavailable',
};

/** Documents problem-details error responses; pass a description to override the default. */
export function ApiProblems(...responses: Array<number | [number, string]>) {
  return applyDecorators(
    ApiExtraModels(ProblemDetailsDto),
    ...responses.map((response) => {
      const [status, description] = Array.isArray(response)
        ? response
        : [response, DESCRIPTIONS[response]];
      return ApiResponse({
        status,
        description,
        content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDetailsDto) } } },
      });
    }),
  );
}
