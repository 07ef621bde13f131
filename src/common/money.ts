import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ValidateBy } from 'class-validator';

/** 0 to 9999999999.99 with at most two fraction digits: what numeric(12,2) holds, without rounding. */
const MONEY = /^(0|[1-9]\d{0,9})(\.\d{1,2})?$/;
export const MONEY_MESSAGE =
  'must be a decimal from 0 to 9999999999.99 with at most two fraction digits';

/**
 * A JSON number becomes its shortest decimal text (12.5 -> "12.5", 1e20 -> "100000000000000000000"),
 * so it is checked digit by digit like a string and never rounded.
 */
export const toDecimalText = ({ value }: { value: unknown }): unknown =>
  typeof value === 'number' && Number.isFinite(value) ? String(value) : value;

export const isMoney = (value: unknown): value is string =>
  typeof value === 'string' && MONEY.test(value);

/** A price: a decimal string or JSON number, validated as exact text and passed on as a string. */
export function IsMoney() {
  return applyDecorators(
    Transform(toDecimalText),
    ValidateBy({
      name: 'isMoney',
      validator: {
        validate: isMoney,
        defaultMessage: (args) => `${args?.property} ${MONEY_MESSAGE}`,
      },
    }),
  );
}
