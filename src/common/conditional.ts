import { applyDecorators } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { ApiProblems } from './dto/problem-details.dto';

/** Documents If-Match and the 412 of a conditional write. */
export const ApiConditionalWrite = () =>
  applyDecorators(
    ApiHeader({
      name: 'If-Match',
      required: false,
      description: 'An ETag from a GET: the write happens only if the resource is unchanged since',
    }),
    ApiProblems(412),
  );
