import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsString, ValidateBy, ValidationOptions } from 'class-validator';

// Control characters, and unpaired surrogates (\p{Cs} only matches those with the u flag).
const CONTROL_CHARACTERS = /[\p{Cc}\p{Cs}]/u;
const CONTROL_CHARACTERS_BUT_LINE_BREAKS_AND_TABS = /[^\P{Cc}\t\n\r]|\p{Cs}/u;

export const codePointLength = (text: string): number => [...text].length;

export const trim = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

// Canonical composition, so that `Café` typed with U+00E9 or with e + U+0301 is one name.
const trimToNfc = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim().normalize('NFC') : value;

function CodePointLength(min: number, max: number, options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'codePointLength',
      validator: {
        validate: (value) => {
          if (typeof value !== 'string') return false;
          const length = codePointLength(value);
          return length >= min && length <= max;
        },
        defaultMessage: (args) => `${args?.property} must be ${min} to ${max} characters long`,
      },
    },
    options,
  );
}

function NoControlCharacters(allowLineBreaks: boolean) {
  const pattern = allowLineBreaks
    ? CONTROL_CHARACTERS_BUT_LINE_BREAKS_AND_TABS
    : CONTROL_CHARACTERS;
  return ValidateBy({
    name: 'noControlCharacters',
    validator: {
      validate: (value) => typeof value === 'string' && !pattern.test(value),
      defaultMessage: (args) =>
        `${args?.property} must not contain control characters or unpaired surrogates`,
    },
  });
}

/**
 * A trimmed, NFC-normalised string of `min` to `max` code points without control characters (a
 * description may keep line breaks and tabs).
 */
export function Text(min: number, max: number, { allowLineBreaks = false } = {}) {
  return applyDecorators(
    Transform(trimToNfc),
    IsString(),
    NoControlCharacters(allowLineBreaks),
    CodePointLength(min, max),
  );
}
