import { ValidateBy } from 'class-validator';

/** A JSON integer from `min` to `max` (not 0 when `nonZero`): no strings, no fractions. */
export function IsIntegerIn(min: number, max: number, { nonZero = false } = {}) {
  return ValidateBy({
    name: 'isIntegerIn',
    validator: {
      validate: (value) =>
        typeof value === 'number' &&
        Number.isInteger(value) &&
        value >= min &&
        value <= max &&
        !(nonZero && value === 0),
      defaultMessage: (args) =>
        `${args?.property} must be ${nonZero ? 'a non-zero' : 'an'} integer from ${min} to ${max}`,
    },
  });
}
