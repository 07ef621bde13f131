import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, ValidateBy } from 'class-validator';
import { PageDto, PageQueryDto } from '../../../common/dto/page.dto';
import { codePointLength, Text } from '../../../common/text';
import { Customer, MAX_EMAIL_LENGTH } from '../customer.entity';

/** E-mail addresses are trimmed and lower-cased before validation, uniqueness and lookups. */
export const normaliseEmail = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

// White space of any script, control and invisible format characters, unpaired surrogates.
const NOT_IN_EMAIL = /[\s\p{Cc}\p{Cf}\p{Cs}]/u;

/** Why a normalised `value` is not an acceptable e-mail address; undefined when it is one. */
export function emailProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (codePointLength(value) > MAX_EMAIL_LENGTH)
    return `must be at most ${MAX_EMAIL_LENGTH} characters long`;
  if (NOT_IN_EMAIL.test(value)) return 'must not contain white space or control characters';
  const parts = value.split('@');
  if (parts.length !== 2) return 'must contain exactly one @';
  if (parts[0] === '' || parts[1] === '') return 'must have text before and after the @';
  return undefined;
}

/** An e-mail address: trimmed and lower-cased, then one @ with text on both sides, <= 254 characters. */
function IsEmailAddress() {
  return ValidateBy({
    name: 'isEmailAddress',
    validator: {
      validate: (value) => emailProblem(value) === undefined,
      defaultMessage: (args) => `${args?.property} ${emailProblem(args?.value)}`,
    },
  });
}

export class CreateCustomerDto {
  @ApiProperty({
    maxLength: MAX_EMAIL_LENGTH,
    example: 'ann@example.com',
    description:
      'Trimmed and lower-cased, then at most 254 characters with exactly one @ and text on both sides, no white space or control characters; unique',
  })
  @Transform(normaliseEmail)
  @IsEmailAddress()
  email!: string;

  @ApiProperty({
    minLength: 1,
    maxLength: 255,
    example: 'Ann Lee',
    description: 'Trimmed; 1..255 characters',
  })
  @Text(1, 255)
  name!: string;
}

/** Any subset of the fields; neither can be null. */
export class UpdateCustomerDto extends PartialType(CreateCustomerDto, {
  skipNullProperties: false,
}) {}

export class ListCustomersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    type: 'string',
    example: 'ann@example.com',
    description:
      'Only the customer with this e-mail address, compared after the same normalisation (trimmed, lower-cased); an address that could not be stored is a 422',
  })
  @IsOptional()
  @Transform(normaliseEmail)
  @IsEmailAddress()
  email?: string;
}

export class CustomerDto {
  @ApiProperty({ example: 1 })
  id!: number;

  @ApiProperty({ example: 'ann@example.com', description: 'Normalised: trimmed, lower-cased' })
  email!: string;

  @ApiProperty({ example: 'Ann Lee' })
  name!: string;

  @ApiProperty({ example: '2026-03-12T10:20:30.123Z' })
  created_at!: string;

  @ApiProperty({ example: '2026-03-12T10:20:30.123Z' })
  updated_at!: string;

  static from(customer: Customer): CustomerDto {
    return {
      id: Number(customer.id),
      email: customer.email,
      name: customer.name,
      created_at: customer.createdAt.toISOString(),
      updated_at: customer.updatedAt.toISOString(),
    };
  }
}

export class CustomerPageDto extends PageDto<CustomerDto> {
  @ApiProperty({ type: [CustomerDto] })
  declare items: CustomerDto[];
}
